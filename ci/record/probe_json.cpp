#include "ci/record/probe_json.hpp"

namespace nsprobe {

nlohmann::json ToJson(const ProbeReport& report) {
  nlohmann::json results = nlohmann::json::array();
  for (const ProbeResult& r : report.results)
    results.push_back({{"kind", Name(r.kind)},
                       {"mode", ModeName(r.mode)},
                       {"verdict", VerdictName(r.verdict)},
                       {"reason", r.reason},
                       {"errno", r.err}});
  return {{"euid", report.euid},
          {"clone3", report.clone3},
          {"setns_pidfd", report.setns_pidfd},
          {"ns_get_id", report.ns_get_id},
          {"results", results}};
}

nlohmann::json ToJson(const Fingerprint& fingerprint) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : fingerprint) j[key] = value;
  return j;
}

}  // namespace nsprobe
