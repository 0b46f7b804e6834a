// Record loading on any bytes, as `nsprobe report`, `compare` and `history` read a
// record.json: not JSON is the JSON parser's to refuse (ReadJsonFile turns that into a
// record::InputError); JSON that is not a whole record is refused with record::InputError and
// nothing else; a record that loads survives being written and read again.
#include "ci/record/input_error.hpp"
#include "ci/record/record.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/record_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::optional<nlohmann::ordered_json> json = fuzz::JsonFrom(data, size);
  if (!json) return 0;
  std::optional<record::Record> rec =
      fuzz::Accepted<record::InputError>([&] { return record::FromJson(*json, "fuzz"); });
  if (rec) fuzz::CheckRecordRoundTrip(*rec);
  return 0;
}
