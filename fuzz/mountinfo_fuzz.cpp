// ParseMountInfo on any text never fails (malformed lines are skipped). Every entry's text
// fields are single non-empty words, and the entries written back as mountinfo lines parse
// to the same entries.
#include <fmt/format.h>

#include <tuple>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/reparse.hpp"
#include "runtime/proc_files.hpp"

namespace {

using nsprobe::proc::MountInfo;

auto Fields(const MountInfo& m) {
  return std::tie(m.id, m.parent, m.root, m.mount_point, m.options, m.propagation, m.fstype,
                  m.source);
}

bool IsWord(std::string_view s) { return !s.empty() && s.find_first_of(" \t\n") == s.npos; }

std::string Line(const MountInfo& m) {
  return fmt::format("{} {} 0:0 {} {} {}{}{} - {} {} rw\n", m.id, m.parent, m.root, m.mount_point,
                     m.options, m.propagation.empty() ? "" : " ", m.propagation, m.fstype,
                     m.source);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::vector<MountInfo> mounts = proc::ParseMountInfo(fuzz::Text(data, size));
  for (const MountInfo& m : mounts) {
    FUZZ_CHECK(IsWord(m.root) && IsWord(m.mount_point) && IsWord(m.options) && IsWord(m.fstype) &&
                   IsWord(m.source),
               Line(m));
    FUZZ_CHECK(m.propagation.find_first_of("\t\n") == std::string::npos, Line(m));
  }
  fuzz::CheckLinesReparse(mounts, Line, proc::ParseMountInfo, Fields);
  return 0;
}
