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
          // What a sandbox around nsprobe takes away; each empty when it does not hold.
          {"sandbox",
           {{"rootless", report.knobs.rootless},
            {"proc_sys_read_only", report.knobs.proc_sys_read_only},
            {"fresh_proc_privileged", report.fresh_proc[0]},
            {"fresh_proc_unprivileged", report.fresh_proc[1]}}},
          {"results", results}};
}

nlohmann::json ToJson(const Fingerprint& fingerprint) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : fingerprint) j[key] = value;
  return j;
}

nlohmann::ordered_json ToJson(const ExposureReport& report) {
  nlohmann::ordered_json identities = nlohmann::ordered_json::array();
  for (const ExposureIdentity& id : report.identities) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const ExposureItem& i : id.items)
      items.push_back({{"group", i.group},
                       {"name", i.name},
                       {"allowed", i.allowed},
                       {"errno", i.err},
                       {"detail", i.detail}});
    identities.push_back({{"as", id.as},
                          {"uid", id.uid},
                          {"gid", id.gid},
                          {"refused", id.refused},
                          {"items", items}});
  }
  nlohmann::ordered_json knobs = nlohmann::ordered_json::object();
  for (const auto& [k, v] : report.knobs) knobs[k] = v;
  return {{"identities", identities}, {"knobs", knobs}};
}

}  // namespace nsprobe
