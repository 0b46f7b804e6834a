#include "fuzz/record_support.hpp"

#include "ci/commands/cli.hpp"
#include "fuzz/fuzz_check.hpp"

namespace nsprobe::fuzz {

std::optional<nlohmann::ordered_json> JsonFrom(const std::uint8_t* data, std::size_t size) {
  auto json = nlohmann::ordered_json::parse(Text(data, size), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return std::nullopt;
  return json;
}

void CheckRecordRoundTrip(const record::Record& rec) {
  nlohmann::ordered_json written = record::ToJson(rec);
  std::string text = written.dump(2);
  record::Record again;
  try {
    again = record::FromJson(nlohmann::ordered_json::parse(text), "written");
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, std::string(e.what()) + "\n" + text);
  }
  nlohmann::ordered_json rewritten = record::ToJson(again);
  FUZZ_CHECK(rewritten == written, text + "\nbecame\n" + rewritten.dump(2));
}

}  // namespace nsprobe::fuzz
