// Entering another process's namespaces: what nsenter does.
#pragma once

#include <sys/types.h>

#include <array>

#include "runtime/fd.hpp"
#include "runtime/kind.hpp"
#include "runtime/spec.hpp"

namespace nsprobe::join {

// What the child needs, opened in the parent: a pidfd for setns(pidfd, flags) (5.8+), or one
// descriptor per kind, user first so that its capabilities cover the rest.
struct Plan {
  UniqueFd pidfd;
  unsigned pidfd_flags = 0;
  std::array<UniqueFd, kKindCount> fds;
  std::array<int, kKindCount> fd_types{};  // CLONE_NEW* for each entry of fds
  int fd_count = 0;
  bool fork_for_pid = false;  // setns(pid) moves only children: fork after entering
};

// Opens what entering `target` needs. Kinds the caller already shares with the target are
// left out (entering your own user namespace is EINVAL; the others would be no-ops). Throws
// std::invalid_argument when the target does not exist.
Plan Prepare(const JoinTarget& target);

// Async-signal-safe; runs between clone3() and _exit()/execve(). Returns 0 or an errno.
int EnterInChild(int pidfd, unsigned pidfd_flags, const int* fds, const int* fd_types,
                 int fd_count);

// Async-signal-safe; runs between clone3() and _exit()/execve(). Forks; returns 0 in the new
// child (a member of the pid namespace entered), errno on failure; the caller stays behind,
// closes every descriptor above 2, waits and exits with the child's status.
int ForkIntoPidNamespaceInChild();

}  // namespace nsprobe::join
