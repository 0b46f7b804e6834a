#include "runtime/negative_control.hpp"

#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "runtime/fd.hpp"
#include "runtime/identity.hpp"

namespace nsprobe {

KindSet ArmedKinds() {
  const char* kinds_text = std::getenv("NSPROBE_NEGATIVE_CONTROL");
  const char* file = std::getenv("NSPROBE_GUARD_FILE");
  const char* token = std::getenv("NSPROBE_GUARD_TOKEN");
  if (kinds_text == nullptr) return {};
  KindSet kinds;
  try {
    kinds = ParseKinds(kinds_text);
  } catch (const std::invalid_argument&) {
    return {};
  }
  if (file == nullptr || token == nullptr || std::string(token).size() < 16) return {};
  struct statfs fs {};
  struct stat st {};
  std::string content;
  if (::statfs(file, &fs) != 0 || fs.f_type != TMPFS_MAGIC || ::stat(file, &st) != 0 ||
      (st.st_uid != 0 && st.st_uid != ::geteuid()) || !TryReadFile(file, content) ||
      content != GuardFileContent(kinds, token))
    return {};
  return kinds;
}

std::string NamespaceFingerprint() {
  std::string out;
  for (const KindInfo& info : AllKinds()) {
    std::optional<NsIdentity> id = IdentityOf(0, info.kind);
    out += fmt::format("{}{}:{}", out.empty() ? "" : " ", info.name,
                       id ? fmt::format("[{}]", id->ino) : "-");
  }
  return out;
}

std::string GuardFileContent(KindSet kinds, const std::string& token) {
  return fmt::format("{}:{}:{}", kinds.ToString(), token, NamespaceFingerprint());
}

}  // namespace nsprobe
