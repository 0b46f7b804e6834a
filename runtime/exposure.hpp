// The exposure map: what an unprivileged user reaches through a user namespace on this
// kernel, tried for real and undone at once. Facts, not exploits: each item is one action a
// namespaced root may take (create a veth, mount a tmpfs, create a BPF map), tried in a fresh
// user namespace of its own with new net, mnt, pid, ipc and cgroup namespaces, so nothing it
// makes is visible outside and everything goes when the child exits.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace nsprobe {

struct ExposureItem {
  std::string group;  // "net", "mount", "io_uring", "bpf"
  std::string name;   // "veth", "tmpfs", "io_uring_setup", "BPF_MAP_CREATE"
  bool allowed = false;
  int err = 0;  // the errno that refused it (or that came after the permission check)
  // Why, in words: "EPERM", "EOPNOTSUPP after the permission check", the knob that decides.
  std::string detail;
};

// One identity the map was drawn for: root through a user namespace, or uid 65534 (or the
// caller, when it is not root) through one.
struct ExposureIdentity {
  std::string as;  // "uid 65534", "uid 0"
  uid_t uid = 0;
  gid_t gid = 0;
  // Empty when the user namespace was made; else why not, as the probe words it
  // ("policy: user.max_user_namespaces=0").
  std::string refused;
  std::vector<ExposureItem> items;
};

struct ExposureReport {
  std::vector<ExposureIdentity> identities;
  // user.max_*_namespaces and the sysctls the items depend on, "name" -> value or
  // "unreadable: ...".
  std::vector<std::pair<std::string, std::string>> knobs;
};

struct ExposureOptions {
  // Identities to draw the map for; empty: as root, uid 0 (through a user namespace) and
  // 65534; otherwise the caller alone.
  std::vector<std::pair<uid_t, gid_t>> identities;
  std::string filesystems = "/proc/filesystems";
};

// Throws std::system_error only when no child can be started at all.
ExposureReport Exposure(const ExposureOptions& options = {});

// The netlink actions, each in the caller's network namespace, for the map's child and for
// the tests' controls (real root in a new network namespace): 0 or the errno the kernel's
// acknowledgement carried (or a socket call's).
namespace netlink {
int CreateVeth(const char* name, const char* peer);
int CreateBridge(const char* name);
int DeleteLink(const char* name);
int AddRootQdisc(int ifindex, const char* kind);  // kind "pfifo"
int CreateNftTable(const char* name);             // NFPROTO_INET
int CreateXfrmState(unsigned spi);                // ESP, transport, 127.0.0.1 -> 127.0.0.1
}  // namespace netlink

}  // namespace nsprobe
