#include "runtime/launch_child.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

#include "runtime/join.hpp"
#include "runtime/mnt.hpp"
#include "runtime/net.hpp"
#include "runtime/time.hpp"
#include "runtime/user.hpp"
#include "runtime/uts.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsprobe::launch {
namespace {

std::int64_t NowNs() {
  // CLOCK_REALTIME: the monotonic clocks jump when the child enters a time namespace.
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The child's side of the report: into shared memory, or down the pipe. The record is far
// below PIPE_BUF, so one write is whole or fails.
NSPROBE_CHILD_SIDE void SendReportInChild(const ChildInputs& p, const Report& r) {
  if (p.shared_report != nullptr) {
    *p.shared_report = r;
    return;
  }
  if (ReadyPage* page = p.ready_page) {
    page->report = r;
    SignalReadyInChild(*page);
    return;
  }
  while (sys::DirectSyscall(SYS_write, p.report_fd, reinterpret_cast<long>(&r), sizeof r) ==
         -EINTR) {
  }
}

// exit_group(2) directly: glibc's _exit is one more page of code for a copied child.
[[noreturn]] NSPROBE_CHILD_SIDE void ExitInChild(int code) {
  sys::DirectSyscall(SYS_exit_group, code);
  __builtin_unreachable();
}

[[noreturn]] NSPROBE_CHILD_SIDE void FailInChild(const ChildInputs& p, Step step, int err) {
  Report r;
  r.step = static_cast<std::int32_t>(step);
  r.err = err;
  SendReportInChild(p, r);
  ExitInChild(kSetupFailedExit);
}

// Marks every descriptor above 2 close-on-exec, then installs the ones the spec passes.
NSPROBE_CHILD_SIDE int PrepareDescriptorsInChild(const ChildInputs& p) {
  using sys::DirectSyscall;
  if (DirectSyscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    // Before 5.11: mark them one by one.
    for (int fd = 3; fd < 4096; ++fd) DirectSyscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  }
  for (std::size_t i = 0; i < p.fd_count; ++i) {
    auto [src, dst] = p.fds[i];
    long r = src == dst ? DirectSyscall(SYS_fcntl, dst, F_SETFD, 0)
                        : DirectSyscall(SYS_dup3, src, dst, 0);
    if (r < 0) return static_cast<int>(-r);
  }
  // The kernel's signal set is 64 bits on every Linux architecture this builds for.
  const std::uint64_t none = 0;
  DirectSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&none), 0, sizeof none);
  return 0;
}

// The child's whole setup, one straight list. Async-signal-safe; runs between clone3() and
// _exit()/execve().
NSPROBE_CHILD_SIDE int ChildMain(void* arg) {
  const ChildInputs& p = *static_cast<const ChildInputs*>(arg);
  Report ready;
  auto timed = [&](Phase phase, auto&& step_fn) {
    if (!p.phase_times) return step_fn();
    std::int64_t t0 = NowNs();
    step_fn();
    ready.phase_ns[static_cast<int>(phase)] += NowNs() - t0;
  };
  // The steps every launch takes are direct system calls (see NSPROBE_CHILD_SIDE); the
  // optional ones below keep glibc's wrappers and cost their pages only when asked for.
  using sys::DirectSyscall;
  robust_list_head robust{};
  if (ReadyPage* page = p.ready_page) {
    *p.ready_slot = nullptr;  // this copy's; the parent's own is untouched
    ArmReadyInChild(*page, robust);
  }
  for (int fd : p.parent_ends)
    if (fd >= 0) DirectSyscall(SYS_close, fd);
  if (long r = DirectSyscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL); r != 0)
    FailInChild(p, Step::kPdeathsig, static_cast<int>(-r));
  // The parent may have died before PDEATHSIG was armed; then we were reparented.
  if (p.expected_parent != 0 && DirectSyscall(SYS_getppid) != p.expected_parent)
    ExitInChild(kSetupFailedExit);
  if (p.go_fd >= 0) {
    char go = 0;
    long n;
    do n = DirectSyscall(SYS_read, p.go_fd, reinterpret_cast<long>(&go), 1);
    while (n == -EINTR);
    if (n != 1) ExitInChild(kSetupFailedExit);  // the parent gave up; it reaps us
    DirectSyscall(SYS_close, p.go_fd);
  }
  timed(Phase::kJoin, [&] {
    if (p.join_pidfd < 0 && p.join_count == 0) return;
    if (int e =
            join::EnterInChild(p.join_pidfd, p.join_flags, p.join_fds, p.join_types, p.join_count))
      FailInChild(p, Step::kJoin, e);
    if (p.join_fork)
      if (int e = join::ForkIntoPidNamespaceInChild()) FailInChild(p, Step::kJoinFork, e);
  });
  timed(Phase::kIdMaps, [&] {
    if (!p.maps_in_child) return;
    int step = 0;
    if (int e = user::WriteIdMapsInChild(p.setgroups, p.gid_map, p.uid_map, &step))
      FailInChild(p, static_cast<Step>(step), e);
  });
  timed(Phase::kTime, [&] {
    if (p.time != TimeEntry::kUnshareInChild) return;
    if (::unshare(CLONE_NEWTIME) != 0) FailInChild(p, Step::kTimeUnshare, errno);
    if (p.time_offsets != nullptr)
      if (int e = time::WriteOffsetsInChild(p.time_offsets)) FailInChild(p, Step::kTimeOffsets, e);
    if (int e = time::EnterTimeForChildrenInChild()) FailInChild(p, Step::kTimeEnter, e);
  });
  timed(Phase::kIdMaps, [&] {
    if (p.become_root)
      if (int e = user::BecomeRootInChild()) FailInChild(p, Step::kBecomeRoot, e);
  });
  timed(Phase::kHostname, [&] {
    if (int e = uts::SetHostnameInChild(p.hostname, p.hostname_len))
      FailInChild(p, Step::kHostname, e);
    if (int e = uts::SetDomainnameInChild(p.domainname, p.domainname_len))
      FailInChild(p, Step::kDomainname, e);
  });
  timed(Phase::kMount, [&] {
    if (p.make_private)
      if (int e = mnt::MakeMountsPrivateInChild()) FailInChild(p, Step::kMountPrivate, e);
  });
  timed(Phase::kProc, [&] {
    if (p.mount_proc)
      if (int e = mnt::MountProcInChild()) FailInChild(p, Step::kMountProc, e);
  });
  timed(Phase::kLoopback, [&] {
    if (p.loopback)
      if (int e = net::BringLoopbackUpInChild()) FailInChild(p, Step::kLoopback, e);
  });
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) FailInChild(p, Step::kChdir, errno);

  if (p.body != nullptr) {
    SendReportInChild(p, ready);
    if (p.report_fd >= 0) DirectSyscall(SYS_close, p.report_fd);
    return (*p.body)();
  }
  timed(Phase::kExec, [&] {
    if (int e = PrepareDescriptorsInChild(p)) FailInChild(p, Step::kDescriptors, e);
  });
  SendReportInChild(p, ready);
  long r = DirectSyscall(SYS_execve, reinterpret_cast<long>(p.exe), reinterpret_cast<long>(p.argv),
                         reinterpret_cast<long>(p.envp));
  FailInChild(p, Step::kExec, static_cast<int>(-r));
}

}  // namespace

NSPROBE_CHILD_SIDE void ArmReadyInChild(ReadyPage& page, robust_list_head& robust) {
  robust.list.next = &page.entry;
  robust.futex_offset =
      static_cast<long>(offsetof(ReadyPage, word)) - static_cast<long>(offsetof(ReadyPage, entry));
  robust.list_op_pending = nullptr;
  page.entry.next = &robust.list;
  sys::DirectSyscall(SYS_set_robust_list, reinterpret_cast<long>(&robust), sizeof robust);
  const auto tid = static_cast<std::uint32_t>(sys::DirectSyscall(SYS_gettid));
  __atomic_store_n(&page.word, tid | FUTEX_WAITERS, __ATOMIC_RELEASE);
}

NSPROBE_CHILD_SIDE void SignalReadyInChild(ReadyPage& page) {
  __atomic_store_n(&page.reported, 1, __ATOMIC_RELEASE);
  // Off the robust list before the word is cleared: the page serves the next launch, whose
  // child may have this tid in a pid namespace of its own.
  sys::DirectSyscall(SYS_set_robust_list, 0, sizeof(robust_list_head));
  __atomic_store_n(&page.word, 0U, __ATOMIC_RELEASE);
  sys::DirectSyscall(SYS_futex, reinterpret_cast<long>(&page.word), FUTEX_WAKE, 1);
}

NSPROBE_CHILD_SIDE CloneOutcome CloneChild(const CloneAttempt& first, const CloneAttempt* retry) {
  CloneOutcome out;
  // The inputs are only read in the child; the clone interface passes them as void*.
  out.pid = sys::CloneWithStack(first.request, ChildMain, const_cast<ChildInputs*>(first.inputs),
                                &out.used_clone3);
  if (out.pid < 0 && errno == ENOSYS && retry != nullptr) {
    out.used_retry = true;
    out.pid = sys::CloneWithStack(retry->request, ChildMain,
                                  const_cast<ChildInputs*>(retry->inputs), &out.used_clone3);
  }
  if (out.pid < 0) out.err = errno;
  return out;
}

NSPROBE_CHILD_SIDE int HelperMain(void* arg) {
  HelperJob& job = *static_cast<HelperJob*>(arg);
  if (int e = user::DropToCreatorInChild(job.creator)) {
    job.failed_step = Step::kDropToCreator;
    job.outcome.err = e;
    ::_exit(0);
  }
  job.outcome = CloneChild(job.first, job.retry);
  if (job.outcome.pid < 0) job.failed_step = Step::kClone;
  ::_exit(0);
}

}  // namespace nsprobe::launch
