// User namespaces: id maps, setgroups, and the unprivileged creator.
#pragma once

#include <sys/types.h>

#include <string>

#include "runtime/spec.hpp"

namespace nsprobe::user {

// The texts written to /proc/PID/{setgroups,gid_map,uid_map}, prepared in the parent.
struct MapTexts {
  std::string setgroups;  // "deny"/"allow", or empty: leave it
  std::string gid_map;    // empty: do not write
  std::string uid_map;
  bool become_root = false;  // 0 is mapped for both: setresuid/setresgid(0) in the child
};

// `creator_uid`/`creator_gid` are the ids the namespace is created with; `privileged` says
// whether they hold CAP_SETUID/CAP_SETGID in the parent namespace (root).
MapTexts PlanMaps(const Spec& spec, uid_t creator_uid, gid_t creator_gid, bool privileged);

// Writes setgroups, gid_map, uid_map of `pid` in that order (user_namespaces(7)). Throws
// StepError naming the file and the text.
void WriteIdMapsFromParent(pid_t pid, const MapTexts& maps);

// Async-signal-safe; runs between clone3() and _exit()/execve().
// Writes the child's own maps (an unprivileged creator may map only itself, one line).
// Returns 0 or an errno; `*failed_step` says which file failed.
int WriteIdMapsInChild(const char* setgroups, const char* gid_map, const char* uid_map,
                       int* failed_step);
// Async-signal-safe; runs between clone3() and _exit()/execve().
int BecomeRootInChild();
// Async-signal-safe; runs between clone3() and _exit()/execve(). Drops every id and the
// supplementary groups, so what this task creates next is owned by `creds`.
int DropToCreatorInChild(Credentials creds);

}  // namespace nsprobe::user
