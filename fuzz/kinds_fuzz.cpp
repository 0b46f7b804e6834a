// ParseKinds on any text: a set or std::invalid_argument, and the set's own spelling
// ("pid,net", "all", "none") parses back to the same set.
#include <stdexcept>

#include "fuzz/fuzz_check.hpp"
#include "runtime/kind.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::string_view text = fuzz::Text(data, size);
  std::optional<KindSet> kinds =
      fuzz::Accepted<std::invalid_argument>([&] { return ParseKinds(text); });
  if (!kinds) return 0;
  std::string spelled = kinds->ToString();
  // Built by append: GCC 12's -Wrestrict misfires on `"'" + std::string(...)` at -O3.
  FUZZ_CHECK(ParseKinds(spelled) == *kinds,
             std::string("'").append(text).append("' -> '").append(spelled).append("'"));
  FUZZ_CHECK((kinds->Bits() & ~KindSet::All().Bits()) == 0, spelled);
  return 0;
}
