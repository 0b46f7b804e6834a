// ParseIdMap on any text: a map or std::invalid_argument; the text written to
// /proc/PID/uid_map parses back to the same map, and Validate judges any map with
// std::invalid_argument alone (its overlap and overflow arithmetic sees every line).
#include <stdexcept>

#include "fuzz/fuzz_check.hpp"
#include "runtime/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::string_view text = fuzz::Text(data, size);
  std::optional<IdMap> map =
      fuzz::Accepted<std::invalid_argument>([&] { return ParseIdMap(text); });
  if (!map) return 0;
  FUZZ_CHECK(!map->Empty(), "'" + std::string(text) + "' parsed to no line");
  std::string proc_text = map->ToProcText();
  FUZZ_CHECK(ParseIdMap(proc_text) == *map, "'" + std::string(text) + "' -> '" + proc_text + "'");

  Spec spec;
  spec.kinds = {Kind::kUser};
  spec.uid_map = *map;
  spec.gid_map = *map;
  fuzz::Accepted<std::invalid_argument>([&] {
    spec.Validate();
    return true;
  });
  return 0;
}
