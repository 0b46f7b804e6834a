// What the targets that read JSON share: the input as JSON, and the property every record
// loader's result must keep.
#pragma once

#include <cstdint>
#include <optional>

#include "ci/record/record.hpp"

namespace nsprobe::fuzz {

// The bytes as JSON, or nullopt where the JSON parser refuses them (ReadJsonFile turns that
// refusal into a record::InputError before any loader sees the document).
std::optional<nlohmann::ordered_json> JsonFrom(const std::uint8_t* data, std::size_t size);

// Written as `nsprobe run` writes it (ToJson, dumped), the record loads again, to a record
// that writes the same JSON. Aborts (FUZZ_CHECK) otherwise.
void CheckRecordRoundTrip(const record::Record& rec);

}  // namespace nsprobe::fuzz
