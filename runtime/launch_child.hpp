// The child's half of Launch (internal to the runtime): what the child reads, the record it
// sends back, and the code that runs between the clone and _exit()/execve().
#pragma once

#include <linux/futex.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "runtime/launch.hpp"
#include "runtime/launch_plan.hpp"
#include "runtime/spec.hpp"
#include "runtime/step.hpp"
#include "runtime/syscalls.hpp"

namespace nsprobe::launch {

// Exit status of a child whose setup failed (the step and errno travel in the report).
inline constexpr int kSetupFailedExit = 126;

// The fixed record a child sends: {step, errno} on failure, {kReady, 0, phases} when set up.
struct Report {
  std::int32_t step = 0;
  std::int32_t err = 0;
  std::int64_t phase_ns[kPhaseCount] = {};
};

// How a copied child that runs a body says it is ready, without a pipe: a MAP_SHARED page
// (the parent's and the child's copy are one) with a futex word. The child arms the word with
// its tid and lists it as a robust futex, reports here, clears the word and wakes the parent;
// a child that dies (or execs) before clearing it gets the word marked FUTEX_OWNER_DIED and
// the parent woken by the kernel itself, as a pipe's EOF would.
struct ReadyPage {
  robust_list entry;  // the one entry of the child's robust list; its word follows
  std::uint32_t word = 0;
  std::int32_t reported = 0;  // 1 once `report` is complete
  Report report;
  pid_t owner = 0;  // the process that mapped the page (a forked copy maps its own)
};

// The child's two halves of the page: arming the word (robust, on `robust`, which must outlive
// the report), then the report's end (off the robust list, word cleared, parent woken); the
// report itself goes in page.report first. Async-signal-safe.
void ArmReadyInChild(ReadyPage& page, robust_list_head& robust);
void SignalReadyInChild(ReadyPage& page);

// Everything the child reads, prepared in the parent: plain data and pointers into what the
// parent keeps alive until the child has exec'd, exited or reported ready. Read-only in the
// child.
struct ChildInputs {
  int parent_ends[2] = {-1, -1};  // the parent's pipe ends, closed first in the child
  int go_fd = -1;                 // wait for one byte here (parent-side steps), or -1
  int report_fd = -1;
  // A shared-memory child reports here instead: the parent sleeps until it execs or exits,
  // so the record is complete when the parent reads it, without a pipe's five system calls.
  Report* shared_report = nullptr;
  // A copied body child reports here instead of down a pipe (see ReadyPage); `ready_slot`,
  // the parent's per-thread pointer to it, is cleared in the child's copy so that a launch
  // from the body maps a page of its own.
  ReadyPage* ready_page = nullptr;
  ReadyPage** ready_slot = nullptr;
  pid_t expected_parent = 0;  // 0: not checkable (a new pid namespace hides the parent)

  int join_pidfd = -1;
  unsigned join_flags = 0;
  int join_fds[kKindCount] = {};
  int join_types[kKindCount] = {};
  int join_count = 0;
  bool join_fork = false;

  bool maps_in_child = false;
  const char* setgroups = nullptr;
  const char* gid_map = nullptr;
  const char* uid_map = nullptr;
  bool become_root = false;

  TimeEntry time = TimeEntry::kNone;
  const char* time_offsets = nullptr;  // written after an unshare, before entering

  const char* hostname = nullptr;
  std::size_t hostname_len = 0;
  const char* domainname = nullptr;
  std::size_t domainname_len = 0;
  bool make_private = false;
  bool mount_proc = false;
  bool loopback = false;
  const char* cwd = nullptr;
  bool phase_times = false;

  const std::pair<int, int>* fds = nullptr;
  std::size_t fd_count = 0;
  const char* exe = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const Body* body = nullptr;
};

// One way to clone the child: the request and what the child then reads.
struct CloneAttempt {
  sys::CloneRequest request;
  const ChildInputs* inputs = nullptr;
};

struct CloneOutcome {
  pid_t pid = -1;
  int err = 0;  // the clone's errno when pid < 0
  bool used_clone3 = false;
  bool used_retry = false;  // the retry attempt made the child
};

// Clones the child that runs the setup, with `retry` (when not null) where clone3 answered
// ENOSYS. Async-signal-safe; the helper calls it too.
CloneOutcome CloneChild(const CloneAttempt& first, const CloneAttempt* retry);

// What the helper of Creator::kHelper does, and what it found: it runs in a
// CLONE_VM|CLONE_VFORK|CLONE_FILES child while the caller sleeps, so it writes here.
struct HelperJob {
  Credentials creator;
  CloneAttempt first;
  const CloneAttempt* retry = nullptr;
  Step failed_step = Step::kReady;  // kDropToCreator or kClone when it failed
  CloneOutcome outcome;
};

// The helper's entry point (arg: HelperJob*): drops to the creator and clones the child as
// the caller's own (CLONE_PARENT). Async-signal-safe; runs between clone3() and _exit().
int HelperMain(void* arg);

}  // namespace nsprobe::launch
