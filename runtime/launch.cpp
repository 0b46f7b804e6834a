#include "runtime/launch.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "runtime/join.hpp"
#include "runtime/mnt.hpp"
#include "runtime/negative_control.hpp"
#include "runtime/net.hpp"
#include "runtime/syscalls.hpp"
#include "runtime/time.hpp"
#include "runtime/user.hpp"
#include "runtime/uts.hpp"

extern char** environ;

namespace nsprobe {
namespace {

// Exit status of a child whose setup failed (the step and errno travel through the pipe).
constexpr int kSetupFailedExit = 126;

// The fixed record a child sends: {step, errno} on failure, {kReady, 0, phases} when set up.
struct Report {
  std::int32_t step = 0;
  std::int32_t err = 0;
  std::int64_t phase_ns[kPhaseCount] = {};
};

// Everything the child needs, prepared in the parent. Only plain data and pointers into
// strings the parent keeps alive until the child has exec'd, exited or reported ready.
struct ChildPlan {
  int parent_ends[2] = {-1, -1};  // the parent's pipe ends, closed first in the child
  int go_fd = -1;                 // wait for one byte here (parent-side steps), or -1
  int report_fd = -1;
  // A shared-memory child reports here instead: the parent sleeps until it execs or exits,
  // so the record is complete when the parent reads it, without a pipe's five system calls.
  Report* shared_report = nullptr;
  pid_t expected_parent = 0;  // 0: not checkable (a new pid namespace hides the parent)

  // Set when an unprivileged creator makes the namespaces (Spec::create_as).
  bool via_creator = false;
  Credentials creator;
  sys::CloneRequest child_request;
  pid_t created_pid = -1;
  int created_pidfd = -1;
  int create_err = 0;
  Step create_step = Step::kReady;
  bool created_with_clone3 = false;

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

  bool time_unshare = false;
  bool time_enter = false;
  const char* time_offsets = nullptr;

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

std::int64_t NowNs() {
  // CLOCK_REALTIME: the monotonic clocks jump when the child enters a time namespace.
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

bool WriteAll(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The child's side of the report: into shared memory, or down the pipe. The record is far
// below PIPE_BUF, so one write is whole or fails.
NSPROBE_CHILD_SIDE void SendReportInChild(const ChildPlan& p, const Report& r) {
  if (p.shared_report != nullptr) {
    *p.shared_report = r;
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

[[noreturn]] NSPROBE_CHILD_SIDE void FailInChild(const ChildPlan& p, Step step, int err) {
  Report r;
  r.step = static_cast<std::int32_t>(step);
  r.err = err;
  SendReportInChild(p, r);
  ExitInChild(kSetupFailedExit);
}

// Marks every descriptor above 2 close-on-exec, then installs the ones the spec passes.
NSPROBE_CHILD_SIDE int PrepareDescriptorsInChild(const ChildPlan& p) {
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
  const ChildPlan& p = *static_cast<const ChildPlan*>(arg);
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
    if (p.time_unshare && ::unshare(CLONE_NEWTIME) != 0) FailInChild(p, Step::kTimeUnshare, errno);
    if (p.time_offsets != nullptr)
      if (int e = time::WriteOffsetsInChild(p.time_offsets)) FailInChild(p, Step::kTimeOffsets, e);
    if (p.time_enter)
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

// Clones the child that runs ChildMain. A time namespace asked for in the flags cannot be
// expressed where only clone(2) is left (clone3 answered ENOSYS: a kernel before 5.3, or a
// seccomp filter as Docker's): the child then unshares and enters it itself, as it does
// when offsets are to be written first. Async-signal-safe: the creator calls it too.
NSPROBE_CHILD_SIDE pid_t CloneChild(ChildPlan& p, sys::CloneRequest request, bool* used_clone3) {
  pid_t pid = sys::CloneWithStack(request, ChildMain, &p, used_clone3);
  if (pid < 0 && errno == ENOSYS && (request.flags & CLONE_NEWTIME) != 0) {
    p.time_unshare = p.time_enter = true;
    request.flags &= ~std::uint64_t{CLONE_NEWTIME};
    pid = sys::CloneWithStack(request, ChildMain, &p, used_clone3);
  }
  return pid;
}

// Runs in a CLONE_VM|CLONE_VFORK|CLONE_FILES child while the caller sleeps: drops to the
// unprivileged creator and clones the real child as the caller's own (CLONE_PARENT), so the
// caller can wait for it and holds its pidfd. Async-signal-safe.
NSPROBE_CHILD_SIDE int CreatorMain(void* arg) {
  ChildPlan& p = *static_cast<ChildPlan*>(arg);
  if (int e = user::DropToCreatorInChild(p.creator)) {
    p.create_err = e;
    p.create_step = Step::kDropToCreator;
    ::_exit(0);
  }
  pid_t pid = CloneChild(p, p.child_request, &p.created_with_clone3);
  if (pid < 0) {
    p.create_err = errno;
    p.create_step = Step::kClone;
  }
  p.created_pid = pid;
  ::_exit(0);
}

// Two stacks per thread, kept for the thread's life: one for the child, one for the creator.
// A shared-memory child runs on it while this thread sleeps; a copied child gets its own copy.
class ThreadStacks {
 public:
  static constexpr std::size_t kSize = 1 << 20;
  ThreadStacks() {
    for (void*& s : stacks_) {
      s = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
      if (s == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap(stack)");
      ::mprotect(s, 4096, PROT_NONE);  // a guard page below the stack
    }
  }
  ~ThreadStacks() {
    for (void* s : stacks_) ::munmap(s, kSize);
  }
  void* Get(int i) { return stacks_[i]; }
  // Whether `address` lies on one of these stacks.
  bool Holds(const void* address) const {
    auto a = reinterpret_cast<std::uintptr_t>(address);
    for (void* s : stacks_) {
      auto base = reinterpret_cast<std::uintptr_t>(s);
      if (a >= base && a < base + kSize) return true;
    }
    return false;
  }

 private:
  void* stacks_[2] = {};
};

ThreadStacks& Stacks() {
  thread_local ThreadStacks stacks;
  return stacks;
}

std::string Flags(std::uint64_t flags) {
  static constexpr std::pair<std::uint64_t, const char*> kNames[] = {
      {CLONE_NEWNS, "CLONE_NEWNS"},
      {CLONE_NEWUTS, "CLONE_NEWUTS"},
      {CLONE_NEWIPC, "CLONE_NEWIPC"},
      {CLONE_NEWNET, "CLONE_NEWNET"},
      {CLONE_NEWPID, "CLONE_NEWPID"},
      {CLONE_NEWUSER, "CLONE_NEWUSER"},
      {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
      {CLONE_NEWTIME, "CLONE_NEWTIME"},
      {CLONE_VM, "CLONE_VM"},
      {CLONE_VFORK, "CLONE_VFORK"},
      {CLONE_PIDFD, "CLONE_PIDFD"},
      {CLONE_PARENT, "CLONE_PARENT"}};
  std::string out;
  for (const auto& [flag, name] : kNames)
    if (flags & flag) out += fmt::format("{}{}", out.empty() ? "" : "|", name);
  return out.empty() ? "0" : out;
}

bool ReadReport(int fd, Report& r) {
  char* p = reinterpret_cast<char*>(&r);
  std::size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = ::read(fd, p + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "read(child report)");
    if (n == 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

// The spec with the negative control's withheld kinds taken out, together with the setup
// that only makes sense inside them (see negative_control.hpp).
Spec WithoutKinds(const Spec& spec, KindSet withheld) {
  Spec out = spec;
  withheld.ForEach([&](Kind k) { out.kinds.Remove(k); });
  if (withheld.Has(Kind::kUser)) {
    out.map_root = false;
    out.uid_map = {};
    out.gid_map = {};
  }
  if (withheld.Has(Kind::kTime)) out.monotonic_offset = out.boottime_offset = std::nullopt;
  return out;
}

Child LaunchImpl(const Spec& requested, const Body* body, const std::vector<std::string>* argv,
                 const LaunchOptions& options) {
  requested.Validate();
  const KindSet withheld = WithheldKinds();
  std::optional<Spec> stripped;  // copied only under the negative control
  const Spec& spec =
      withheld.Empty() ? requested : stripped.emplace(WithoutKinds(requested, withheld));
  const bool exec_mode = body == nullptr;
  const bool new_user = spec.kinds.Has(Kind::kUser);
  // Only id maps depend on who creates; asked only then, three system calls fewer otherwise.
  const bool needs_maps = new_user && spec.HasIdMaps();
  const bool creator_is_root = needs_maps && ::geteuid() == 0 && !spec.create_as;
  const uid_t creator_uid = !needs_maps ? 0 : spec.create_as ? spec.create_as->uid : ::geteuid();
  const gid_t creator_gid = !needs_maps ? 0 : spec.create_as ? spec.create_as->gid : ::getegid();
  const bool maps_from_parent = needs_maps && creator_is_root;
  const bool has_time = spec.kinds.Has(Kind::kTime);

  join::Plan join_plan;
  if (spec.join) join_plan = join::Prepare(*spec.join);

  bool shared = false;
  const bool shared_possible = !maps_from_parent && !join_plan.fork_for_pid && !has_time;
  switch (options.style) {
    case CloneStyle::kAuto:
      shared = exec_mode && shared_possible;
      break;
    case CloneStyle::kCopy:
      break;
    case CloneStyle::kSharedMemory:
      if (!shared_possible)
        throw std::invalid_argument(
            "clone style: shared memory cannot serve this spec (root-written id maps, a time "
            "namespace, or entering a pid namespace need their own memory)");
      shared = true;
      break;
  }

  // Everything the child reads is prepared here, before the clone.
  std::string exe;
  std::vector<std::string> args;
  std::vector<char*> argv_ptrs;
  if (exec_mode) {
    if (argv->empty()) throw std::invalid_argument("command: give a program to run");
    exe = FindExecutable(argv->front());
    args = *argv;
    for (std::string& a : args) argv_ptrs.push_back(a.data());
    argv_ptrs.push_back(nullptr);
  }
  user::MapTexts maps;
  if (new_user && spec.HasIdMaps())
    maps = user::PlanMaps(spec, creator_uid, creator_gid, creator_is_root);
  std::string offsets = time::OffsetsText(spec);

  Pipe report;
  Report shared_report;
  shared_report.step = -1;  // still -1 after the clone: the child died before reporting
  if (!shared) report = Pipe::Make();
  Pipe go;
  if (maps_from_parent) go = Pipe::Make();
  // The report pipe must survive the descriptors the command asks for.
  for (const auto& [src, dst] : spec.fds) {
    (void)src;
    if (report.write && dst == report.write.Get()) {
      int moved = ::fcntl(report.write.Get(), F_DUPFD_CLOEXEC, 1024);
      if (moved < 0) throw std::system_error(errno, std::generic_category(), "fcntl(F_DUPFD)");
      report.write.Reset(moved);
    }
  }

  ChildPlan plan;
  plan.parent_ends[0] = report.read.Get();
  plan.parent_ends[1] = go.write.Get();
  plan.go_fd = go.read.Get();
  plan.report_fd = report.write.Get();
  if (shared) plan.shared_report = &shared_report;
  plan.expected_parent = spec.kinds.Has(Kind::kPid) ? 0 : ::getpid();
  plan.join_pidfd = join_plan.pidfd.Get();
  plan.join_flags = join_plan.pidfd_flags;
  plan.join_count = join_plan.fd_count;
  for (int i = 0; i < join_plan.fd_count; ++i) {
    plan.join_fds[i] = join_plan.fds[static_cast<std::size_t>(i)].Get();
    plan.join_types[i] = join_plan.fd_types[static_cast<std::size_t>(i)];
  }
  plan.join_fork = join_plan.fork_for_pid;
  plan.maps_in_child = new_user && spec.HasIdMaps() && !maps_from_parent;
  plan.setgroups = maps.setgroups.c_str();
  plan.gid_map = maps.gid_map.c_str();
  plan.uid_map = maps.uid_map.c_str();
  plan.become_root = maps.become_root;
  // With offsets to write, the child unshares the time namespace itself rather than passing
  // CLONE_NEWTIME to clone: offsets can only be written before any task enters it. It then
  // enters by setns(), which needs an mm of its own, so a time namespace always takes a copied
  // child: execve() enters time_for_children only since Linux 6.x (on 6.1 the program kept
  // the parent's clocks, as the kernel matrix showed). Without offsets, and without a join
  // that must come before any new namespace, the flag goes to clone3 with the others: a copied
  // child enters the new namespace as it is created, one unshare, open and setns fewer.
  const bool time_in_clone = has_time && offsets.empty() && !spec.join;
  plan.time_unshare = has_time && !time_in_clone;
  plan.time_enter = plan.time_unshare;
  plan.time_offsets = offsets.empty() ? nullptr : offsets.c_str();
  if (spec.hostname) {
    plan.hostname = spec.hostname->c_str();
    plan.hostname_len = spec.hostname->size();
  }
  if (spec.domainname) {
    plan.domainname = spec.domainname->c_str();
    plan.domainname_len = spec.domainname->size();
  }
  plan.make_private = spec.kinds.Has(Kind::kMnt) && spec.private_mounts;
  plan.mount_proc = spec.mount_proc;
  plan.loopback = spec.loopback_up;
  plan.cwd = spec.working_directory ? spec.working_directory->c_str() : nullptr;
  plan.phase_times = options.report != nullptr && options.phase_times;
  plan.fds = spec.fds.data();
  plan.fd_count = spec.fds.size();
  plan.exe = exe.c_str();
  plan.argv = argv_ptrs.data();
  plan.envp = environ;
  plan.body = body;

  std::uint64_t flags = spec.kinds.CloneFlags();
  if (!time_in_clone) flags &= ~CloneFlag(Kind::kTime);
  // A shared-memory body has exited when the clone returns: a pidfd would only be closed.
  if (!(shared && !exec_mode)) flags |= CLONE_PIDFD;
  if (shared) flags |= CLONE_VM | CLONE_VFORK;
  int pidfd = -1;
  pid_t pid = -1;
  bool used_clone3 = false;
  // A launch from inside a copied body runs on one of this thread's stacks; a shared-memory
  // clone onto it would overwrite the caller's live frames. Such a launch gets stacks of its
  // own for the call: every clone below is done with them when the call returns.
  std::optional<ThreadStacks> own_stacks;
  ThreadStacks& stacks = Stacks().Holds(&plan) ? own_stacks.emplace() : Stacks();
  if (spec.create_as) {
    if (::geteuid() != 0)
      throw std::invalid_argument("create_as: only root can create namespaces as another user");
    plan.via_creator = true;
    plan.creator = *spec.create_as;
    plan.child_request = {flags | CLONE_PARENT, stacks.Get(0), ThreadStacks::kSize,
                          &plan.created_pidfd};
    sys::CloneRequest creator{CLONE_VM | CLONE_VFORK | CLONE_FILES, stacks.Get(1),
                              ThreadStacks::kSize, nullptr};
    pid_t creator_pid = sys::CloneWithStack(creator, CreatorMain, &plan, nullptr);
    if (creator_pid < 0) throw std::system_error(errno, std::generic_category(), "clone(creator)");
    Child(creator_pid, UniqueFd()).Wait();
    if (plan.create_err != 0)
      throw StepError(plan.create_step, plan.create_err,
                      fmt::format("as uid {} gid {}: clone3({})", plan.creator.uid,
                                  plan.creator.gid, Flags(flags)));
    pid = plan.created_pid;
    pidfd = plan.created_pidfd;
    used_clone3 = plan.created_with_clone3;
  } else {
    sys::CloneRequest request{flags, stacks.Get(0), ThreadStacks::kSize, &pidfd};
    pid = CloneChild(plan, request, &used_clone3);
    if (pid < 0) throw StepError(Step::kClone, errno, fmt::format("clone3({})", Flags(flags)));
  }
  Child child(pid, UniqueFd(pidfd));
  report.write.Reset();
  go.read.Reset();

  if (maps_from_parent) {
    user::WriteIdMapsFromParent(pid, maps);  // on a throw, `child` kills and reaps
    if (!WriteAll(go.write.Get(), "g", 1))
      throw std::system_error(errno, std::generic_category(), "write(go)");
    go.write.Reset();
  }
  Report r;
  if (shared) {
    r = shared_report;
    if (r.step < 0) {
      ExitStatus st = child.Wait();
      throw std::runtime_error(
          fmt::format("child ended during setup without a report ({})", st.Describe()));
    }
  } else if (!ReadReport(report.read.Get(), r)) {
    ExitStatus st = child.Wait();
    throw std::runtime_error(
        fmt::format("child ended during setup without a report ({})", st.Describe()));
  }
  if (r.err == 0 && exec_mode && !shared) {
    Report after;
    if (ReadReport(report.read.Get(), after)) r = after;  // EOF: execve succeeded
  }
  if (r.err != 0) {
    child.Wait();
    const Step step = static_cast<Step>(r.step);
    std::string detail(StepName(step));
    if (step == Step::kExec) detail = fmt::format("execve({})", exe);
    if (step == Step::kSetgroups)
      detail = fmt::format("write(/proc/self/setgroups, {})", Quoted(maps.setgroups));
    if (step == Step::kGidMap)
      detail = fmt::format("write(/proc/self/gid_map, {})", Quoted(maps.gid_map));
    if (step == Step::kUidMap)
      detail = fmt::format("write(/proc/self/uid_map, {})", Quoted(maps.uid_map));
    if (step == Step::kTimeOffsets)
      detail = fmt::format("write(/proc/self/timens_offsets, {})", Quoted(offsets));
    if (step == Step::kHostname) detail = fmt::format("sethostname({})", Quoted(*spec.hostname));
    throw StepError(step, r.err, detail);
  }
  if (options.report) {
    options.report->shared_memory = shared;
    options.report->used_clone3 = used_clone3;
    for (int i = 0; i < kPhaseCount; ++i)
      options.report->phase_ns[static_cast<std::size_t>(i)] = r.phase_ns[i];
  }
  return child;
}

}  // namespace

Child Launch(const Spec& spec, Body body, const LaunchOptions& options) {
  return LaunchImpl(spec, &body, nullptr, options);
}

Child Launch(const Spec& spec, const std::vector<std::string>& argv, const LaunchOptions& options) {
  return LaunchImpl(spec, nullptr, &argv, options);
}

std::string FindExecutable(const std::string& name) {
  if (name.empty()) throw std::invalid_argument("command: the program name is empty");
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    throw std::invalid_argument(
        fmt::format("command '{}': {}; give an executable file", name, std::strerror(errno)));
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs =
      path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  while (true) {
    std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw std::invalid_argument(
      fmt::format("command '{}' not found in PATH; give a full path or install it", name));
}

}  // namespace nsprobe
