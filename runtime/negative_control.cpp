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
namespace {

KindSet ComputeWithheld() {
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

KindSet DecideOnce() {
  KindSet k = ComputeWithheld();
  if (!k.Empty())
    fmt::print(stderr, "nsprobe: NEGATIVE CONTROL: this process withholds {} namespaces\n",
               k.ToString());
  return k;
}

// Decided at start-up rather than at the first launch: a first launch from inside a child
// that already has namespaces of its own would otherwise decide differently from its parent.
const KindSet kWithheld = DecideOnce();

}  // namespace

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

KindSet WithheldKinds() { return kWithheld; }

}  // namespace nsprobe
