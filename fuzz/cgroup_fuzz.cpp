// ParseCgroup on any text never fails (malformed lines are skipped). Controllers hold no
// ':', nothing holds a newline, and the entries written back as "ID:CONTROLLERS:PATH" lines
// parse to the same entries.
#include <fmt/format.h>

#include <tuple>

#include "fuzz/fuzz_check.hpp"
#include "fuzz/reparse.hpp"
#include "runtime/proc_files.hpp"

namespace {

using nsprobe::proc::CgroupLine;

auto Fields(const CgroupLine& l) { return std::tie(l.hierarchy, l.controllers, l.path); }

std::string Line(const CgroupLine& l) {
  return fmt::format("{}:{}:{}\n", l.hierarchy, l.controllers, l.path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::vector<CgroupLine> lines = proc::ParseCgroup(fuzz::Text(data, size));
  for (const CgroupLine& l : lines) {
    FUZZ_CHECK(l.controllers.find_first_of(":\n") == std::string::npos, Line(l));
    FUZZ_CHECK(l.path.find('\n') == std::string::npos, Line(l));
  }
  fuzz::CheckLinesReparse(lines, Line, proc::ParseCgroup, Fields);
  return 0;
}
