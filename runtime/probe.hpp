// What this machine allows, per kind and privilege mode, and why not: tried for real in a
// child. Its reasons are the only source of the suites' skips.
#pragma once

#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/kind.hpp"
#include "runtime/launch.hpp"

namespace nsprobe {

enum class Mode : std::uint8_t {
  kPrivileged,    // root, no user namespace
  kUnprivileged,  // a non-root uid reaching the kind through a new user namespace
};
std::string_view ModeName(Mode mode);  // "privileged", "unprivileged"

enum class Verdict : std::uint8_t { kAvailable, kUnsupported, kPolicy, kPrivilege };
std::string_view VerdictName(Verdict verdict);  // "available", "unsupported", "policy", "privilege"

// The settings that block namespace creation on some distributions. Read from the running
// system by ReadPolicyKnobs(), or given from recorded inputs in tests.
struct PolicyKnobs {
  std::array<std::optional<long>, kKindCount> max_namespaces;  // user.max_<kind>_namespaces
  std::optional<long> unprivileged_userns_clone;               // Debian/Ubuntu patch
  std::optional<long> apparmor_restrict_unprivileged_userns;   // Ubuntu 23.10+
  std::optional<std::string> user_namespace_enable;            // RHEL 7 module parameter
  int seccomp_mode = 0;                                        // Seccomp: in /proc/self/status
  std::string rootless;            // RootlessReason(), empty when not rootless
  std::string proc_sys_read_only;  // ProcSysReadOnlyReason(), empty when writable
};
PolicyKnobs ReadPolicyKnobs();

// What a sandbox takes away besides namespaces, each as the reason a skip names, or empty when
// it does not hold.
//
// Rootless: root only inside a user namespace, as in `unshare -Ur` and rootless containers:
// euid 0 but a uid_map other than the initial namespace's identity map "0 0 4294967295".
// Root there is not the host's root: other uids are not mapped, and what root owns (its
// RLIMIT_MSGQUEUE charge, its files) is shared with every process of that sandbox. Pure:
// `uid_map` is the text of /proc/self/uid_map. "rootless: root only inside a user namespace
// (uid_map '0 1000 1')".
std::string RootlessReason(uid_t euid, std::string_view uid_map);
std::string RootlessReason();  // this process's

// How /proc/sys (or `dir`) refuses writes, as containers mount it: 0 when it does not, 1 when
// statvfs gives ST_RDONLY, else the errno (EROFS) that opening a sysctl for writing gave. The
// open writes nothing. Async-signal-safe.
int ProcSysReadOnlyInChild(const char* dir);
// "policy: read-only /proc/sys (mounted read-only: statvfs gives ST_RDONLY)", or empty.
std::string ProcSysReadOnlyReason(const char* dir = "/proc/sys");

// Whether a new proc mounts from inside a new pid and mount namespace. Outside the initial user
// namespace the kernel mounts a new proc only where a proc already mounted is fully visible:
// nothing mounted over a non-empty directory of it (fs/namespace.c, mount_too_revealing and
// mnt_already_visible). Containers bind /proc/sys read-only and mask /proc/kcore and others, and
// then every user namespace inside them is refused a proc of its own, root of it or not.
//
// Pure: why a proc mount that failed with `err` was refused, given /proc/self/mountinfo's text
// (the mounts under /proc are named): "policy: a fresh proc is refused in a user namespace
// (EPERM): /proc has something mounted over it (mount_too_revealing); here /proc/sys".
std::string FreshProcRefusedReason(int err, std::string_view mountinfo);

// Whether clone3(2) can be called here, for cases that call it themselves (only clone3 carries
// CLONE_NEWTIME); the runtime falls back to clone without it. Pure: `err` is the errno of a
// clone3 with no arguments (EINVAL where it exists, ENOSYS where it is missing or a seccomp
// filter answers for it, as Docker's default profile does). Empty when it exists.
std::string Clone3Reason(int err, int seccomp_mode);
std::string Clone3Reason();  // tried here: clone3(NULL, 0) creates nothing

struct ProbeResult {
  Kind kind = Kind::kMnt;
  Mode mode = Mode::kPrivileged;
  Verdict verdict = Verdict::kAvailable;
  std::string reason;  // empty when available: "policy: user.max_net_namespaces=0"
  int err = 0;         // the errno that decided it
};

// Classifies a failed attempt to create `kind` in `mode` from what the kernel said and the
// knobs in force. Pure: tested on recorded inputs for policies this machine cannot show.
ProbeResult Classify(Kind kind, Mode mode, Step step, int err, const PolicyKnobs& knobs, uid_t uid);

struct ProbeOptions {
  // The uid (and gid) that stands for "unprivileged" when the prober is root.
  Credentials unprivileged{65534, 65534};
};

// The trial: a child in a new pid and mount namespace reached in `mode` (unprivileged: through
// a user namespace, as options.unprivileged when root) mounts proc on its /proc. Empty when it
// mounts; otherwise FreshProcRefusedReason, or the probe's reason why pid or mnt is missing.
std::string FreshProcReason(Mode mode, const ProbeOptions& options = {});
// FreshProcReason with the default options, tried once per mode in this process. Thread-safe.
std::string FreshProcReasonOnce(Mode mode);

struct ProbeReport {
  std::vector<ProbeResult> results;  // every kind × both modes
  PolicyKnobs knobs;
  std::array<std::string, 2> fresh_proc;  // FreshProcReason, by Mode
  uid_t euid = 0;
  bool clone3 = false;       // the runtime created children with clone3 (not the fallback)
  bool setns_pidfd = false;  // Linux 5.8+
  bool ns_get_id = false;    // NS_GET_ID, Linux 6.18+
  const ProbeResult& Get(Kind kind, Mode mode) const;
};

ProbeReport Probe(const ProbeOptions& options = {});
// Only the kinds given, for callers that need one answer fast (the suites' skip checks).
ProbeResult ProbeOne(Kind kind, Mode mode, const ProbeOptions& options = {});
// ProbeOne's reason with the default options, tried once per kind and mode in this process:
// callers that ask before every case (the suites' skips, the benchmarks' families) would
// otherwise pay a clone each time. Thread-safe.
std::string ProbeReasonOnce(Kind kind, Mode mode);

}  // namespace nsprobe
