#include "suites/support/paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace nsprobe::testing {

namespace fs = std::filesystem;

std::string SelfDir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::system_error(ec, "readlink(/proc/self/exe)");
  return self.parent_path().string();
}

std::string NsprobeCommand() {
  const char* set = std::getenv("NSPROBE_COMMAND");
  if (set != nullptr && *set != '\0') return set;
  const fs::path dir = SelfDir();
  const fs::path suite_tree = dir.parent_path().parent_path() / "bin" / "nsprobe";
  const fs::path test_tree = dir.parent_path() / "bin" / "nsprobe";
  for (const fs::path& p : {suite_tree, test_tree})
    if (::access(p.c_str(), X_OK) == 0) return p.lexically_normal().string();
  throw std::runtime_error("no nsprobe command at " + suite_tree.lexically_normal().string() +
                           " or " + test_tree.lexically_normal().string() +
                           "; set NSPROBE_COMMAND to one");
}

std::string ShellQuoted(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace nsprobe::testing
