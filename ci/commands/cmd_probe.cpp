// `nsprobe probe` (what this machine allows, and why) and `nsprobe fingerprint`.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ci/commands/cli.hpp"
#include "ci/record/probe_json.hpp"
#include "ci/report/render.hpp"
#include "runtime/exposure.hpp"
#include "runtime/fingerprint.hpp"
#include "runtime/probe.hpp"

namespace nsprobe::cli {

void AddProbe(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand(
      "probe", "Show which namespace kinds this machine allows, per privilege mode, and why not");
  auto json = std::make_shared<bool>(false);
  auto exposure = std::make_shared<bool>(false);
  app->add_flag("--json", *json, "Print JSON instead of a table");
  app->add_flag("--exposure", *exposure,
                "Show the exposure map instead: what a user reaches through a user namespace "
                "(CAP_NET_ADMIN, veth, bridge, tc, nftables, xfrm, mounts, io_uring, BPF), as "
                "root and as uid 65534 when run as root");
  commands.push_back({app, [json, exposure](const std::vector<std::string>& after, bool dashes) {
                        if (dashes || !after.empty())
                          throw UsageError("probe takes no command after '--'");
                        if (*exposure) {
                          nlohmann::ordered_json e = ToJson(Exposure());
                          fmt::print("{}", *json
                                               ? e.dump(2) + "\n"
                                               : report::ExposureText(report::ExposureTableOf(e)));
                          return 0;
                        }
                        ProbeReport report = Probe();
                        if (*json) {
                          fmt::print("{}\n", ToJson(report).dump(2));
                          return 0;
                        }
                        fmt::print("{:<8} {:<12} {:<12} {}\n", "kind", "mode", "verdict", "reason");
                        for (const ProbeResult& r : report.results)
                          fmt::print("{:<8} {:<12} {:<12} {}\n", Name(r.kind), ModeName(r.mode),
                                     VerdictName(r.verdict), r.reason.empty() ? "-" : r.reason);
                        fmt::print("\nclone3: {}   setns(pidfd): {}   NS_GET_ID: {}   euid: {}\n",
                                   report.clone3 ? "yes" : "no (clone fallback)",
                                   report.setns_pidfd ? "yes" : "no",
                                   report.ns_get_id ? "yes" : "no", report.euid);
                        // The sandbox's own limits, which skip cases beyond the kinds above.
                        auto fact = [](const char* what, const std::string& why, const char* no) {
                          fmt::print("{:<26} {}\n", what, why.empty() ? no : why);
                        };
                        fact("rootless:", report.knobs.rootless, "no");
                        fact("/proc/sys:", report.knobs.proc_sys_read_only, "writable");
                        fact("fresh proc, privileged:", report.fresh_proc[0], "mounts");
                        fact("fresh proc, unprivileged:", report.fresh_proc[1], "mounts");
                        return 0;
                      }});
}

void AddFingerprint(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand("fingerprint", "Print this machine's fingerprint as JSON");
  commands.push_back({app, [](const std::vector<std::string>& after, bool dashes) {
                        if (dashes || !after.empty())
                          throw UsageError("fingerprint takes no command after '--'");
                        fmt::print("{}\n", ToJson(TakeFingerprint()).dump(2));
                        return 0;
                      }});
}

}  // namespace nsprobe::cli
