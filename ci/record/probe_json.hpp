// JSON forms of the runtime's probe report and fingerprint (the runtime knows no JSON).
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/exposure.hpp"
#include "runtime/fingerprint.hpp"
#include "runtime/probe.hpp"

namespace nsprobe {

nlohmann::json ToJson(const ProbeReport& report);
nlohmann::json ToJson(const Fingerprint& fingerprint);
// The record's "exposure" section: {"identities": [{"as", "uid", "gid", "refused", "items":
// [{"group", "name", "allowed", "errno", "detail"}]}], "knobs": {"user.max_...": "..."}}.
nlohmann::ordered_json ToJson(const ExposureReport& report);

}  // namespace nsprobe
