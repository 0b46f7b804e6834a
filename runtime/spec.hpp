// What to create: a value type checked in the parent (Validate) before any process exists.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/kind.hpp"

namespace nsprobe {

// Kernel limits the spec is checked against (uts_namespaces(7), user_namespaces(7)).
inline constexpr std::size_t kMaxHostnameBytes = 64;  // __NEW_UTS_LEN
inline constexpr std::size_t kMaxIdMapLines = 340;    // since Linux 4.15

struct IdMapLine {
  std::uint32_t inside = 0;
  std::uint32_t outside = 0;
  std::uint32_t count = 0;
  bool operator==(const IdMapLine&) const = default;
};

// Lines for /proc/PID/uid_map or gid_map. Empty means "do not write".
struct IdMap {
  std::vector<IdMapLine> lines;
  bool Empty() const { return lines.empty(); }
  // "0 1000 1\n1 100000 65536\n": the text the kernel expects, one write.
  std::string ToProcText() const;
  bool operator==(const IdMap&) const = default;
};

// Parses "0 1000 1", several lines separated by ',' or newlines ("0 1000 1,1 100000 65536").
// Throws std::invalid_argument naming the line and what is wrong with it.
IdMap ParseIdMap(std::string_view text);

enum class SetgroupsPolicy : std::uint8_t {
  kAuto,  // "deny" exactly when a gid map is written without CAP_SETGID (the kernel requires it)
  kDeny,
  kAllow,
};

// A CLOCK_MONOTONIC or CLOCK_BOOTTIME offset as time_namespaces(7) takes it.
struct TimeOffset {
  std::int64_t seconds = 0;
  std::int64_t nanoseconds = 0;  // 0 <= ns < 1e9, as /proc/PID/timens_offsets requires
  bool operator==(const TimeOffset&) const = default;
};

// Parses "86400", "-5.25", "1.000000001" (seconds). Throws std::invalid_argument.
TimeOffset ParseTimeOffset(std::string_view text);

struct Credentials {
  uid_t uid = 65534;
  gid_t gid = 65534;
  bool operator==(const Credentials&) const = default;
};

// Another process's namespaces to enter before anything is created (what nsenter does).
struct JoinTarget {
  pid_t pid = -1;
  KindSet kinds;
  // Enter through one /proc/PID/ns/<kind> descriptor per kind instead of one
  // setns(pidfd, flags) call (the only way before Linux 5.8).
  bool by_fds = false;
};

struct Spec {
  KindSet kinds;                          // namespaces to create
  std::optional<std::string> hostname;    // needs uts
  std::optional<std::string> domainname;  // needs uts
  IdMap uid_map;                          // needs user
  IdMap gid_map;                          // needs user
  bool map_root = false;                  // uid_map "0 <euid> 1", gid_map "0 <egid> 1"
  SetgroupsPolicy setgroups = SetgroupsPolicy::kAuto;
  bool mount_proc = false;                       // a private /proc; needs pid and mnt
  bool loopback_up = false;                      // bring `lo` up; needs net
  bool private_mounts = true;                    // MS_REC|MS_PRIVATE on / when mnt is new
  std::optional<TimeOffset> monotonic_offset;    // needs time
  std::optional<TimeOffset> boottime_offset;     // needs time
  std::optional<std::string> working_directory;  // absolute
  // Create the namespaces as this unprivileged user (the caller must be root): how the
  // suites reach the unprivileged path on a root CI runner.
  std::optional<Credentials> create_as;
  std::optional<JoinTarget> join;
  // Descriptors the command keeps across execve: {fd in this process, fd number in the child}.
  // Every other descriptor above 2 is closed on exec.
  std::vector<std::pair<int, int>> fds;

  bool HasIdMaps() const { return map_root || !uid_map.Empty() || !gid_map.Empty(); }

  // Throws std::invalid_argument naming the field and the fix. Nothing is created for a spec
  // that fails here.
  void Validate() const;
};

}  // namespace nsprobe
