// JSON forms of the runtime's probe report and fingerprint (the runtime knows no JSON).
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/fingerprint.hpp"
#include "runtime/probe.hpp"

namespace nsprobe {

nlohmann::json ToJson(const ProbeReport& report);
nlohmann::json ToJson(const Fingerprint& fingerprint);

}  // namespace nsprobe
