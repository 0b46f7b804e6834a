// ReadLavaLog and RecordFromLava on any text: a refusal is a record::InputError and nothing
// else; every case the record gets came from an id CaseId made, and gives that id back. Any
// string CaseOfId accepts is the one spelling CaseId has for what it decodes to.
#include "ci/lava/lava_id.hpp"
#include "ci/lava/lava_results.hpp"
#include "ci/record/input_error.hpp"
#include "fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  const std::string_view text = fuzz::Text(data, size);
  if (auto names = lava::CaseOfId(text))
    FUZZ_CHECK(lava::CaseId(names->first, names->second) == text, std::string(text));
  auto log =
      fuzz::Accepted<record::InputError>([&] { return lava::ReadLavaLog(text, "fuzz input"); });
  if (!log) return 0;
  record::Record rec = lava::RecordFromLava(*log);
  std::size_t from_nsprobe = 0;
  for (const lava::LavaEntry& r : log->results)
    from_nsprobe += r.definition == lava::kDefinition && r.units.empty() &&
                    lava::CaseOfId(r.id).has_value() &&
                    !(r.result.empty() && !r.measurement.empty());
  FUZZ_CHECK(rec.cases.size() == from_nsprobe, std::string(text));
  for (const record::Case& c : rec.cases)
    FUZZ_CHECK(lava::CaseOfId(lava::CaseId(c)).has_value(), c.suite + " " + c.name);
  return 0;
}
