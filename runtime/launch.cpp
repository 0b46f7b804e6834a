#include "runtime/launch.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>

#include "runtime/join.hpp"
#include "runtime/launch_child.hpp"
#include "runtime/time.hpp"
#include "runtime/user.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

extern char** environ;

namespace nsprobe {
namespace {

using launch::ChildInputs;
using launch::CloneAttempt;
using launch::CloneOutcome;
using launch::ReadyPage;
using launch::Report;

// Two stacks per thread, kept for the thread's life: one for the child, one for the helper.
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

// This thread's ready page (see launch::ReadyPage), mapped at its first copied body launch
// and kept for the thread's life; a process forked from this one maps its own.
class ReadyPages {
 public:
  ~ReadyPages() {
    if (page_ != nullptr) ::munmap(page_, sizeof(ReadyPage));
  }
  ReadyPage* Get() {
    const pid_t self = ::getpid();
    if (page_ == nullptr || page_->owner != self) {
      void* p = ::mmap(nullptr, sizeof(ReadyPage), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap(ready)");
      page_ = new (p) ReadyPage;  // a forked copy's old page stays mapped, unused
      page_->owner = self;
    }
    return page_;
  }
  ReadyPage** Slot() { return &page_; }

 private:
  ReadyPage* page_ = nullptr;
};

ReadyPages& Pages() {
  thread_local ReadyPages pages;
  return pages;
}

constexpr auto kPidFdId = static_cast<idtype_t>(3);  // P_PIDFD, which glibc 2.36 lacks

// Waits until the child has reported on `page` or ended; whether it reported.
bool WaitReady(ReadyPage& page, const Child& child) {
  while (true) {
    const std::uint32_t word = __atomic_load_n(&page.word, __ATOMIC_ACQUIRE);
    if (word == 0 || (word & FUTEX_OWNER_DIED) != 0)
      return __atomic_load_n(&page.reported, __ATOMIC_ACQUIRE) == 1;
    // A child killed before it armed the word wakes no one: a bounded sleep, then its pidfd.
    timespec limit{1, 0};
    if (::syscall(SYS_futex, &page.word, FUTEX_WAIT, word, &limit, nullptr, 0) == 0 ||
        errno != ETIMEDOUT)
      continue;
    siginfo_t info{};
    const bool by_fd = child.PidFd() >= 0;
    if (::waitid(by_fd ? kPidFdId : P_PID, static_cast<id_t>(by_fd ? child.PidFd() : child.Pid()),
                 &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid != 0)
      return __atomic_load_n(&page.reported, __ATOMIC_ACQUIRE) == 1;
  }
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

// Blocks until no write end of the report pipe is left: the child's execve closed it
// (O_CLOEXEC), or the child died. Its report is in the pipe by
// then, so the parent wakes once instead of twice (for the report, then for execve): poll()
// with no event asked for is woken by the hang-up alone, not by the report's write. A short
// launch's parent usually sleeps on the other CPU, and each such wake-up costs more than the
// system calls around it.
void WaitForHangUp(int fd) {
  pollfd p{fd, 0, 0};
  while (::poll(&p, 1, -1) < 0)
    if (errno != EINTR)
      throw std::system_error(errno, std::generic_category(), "poll(child report)");
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

// The facts PlanLaunch needs. Only id maps and create_as depend on who we are: asked only
// then, system calls fewer otherwise.
LaunchFacts FactsFor(const Spec& spec, bool runs_program, const join::Plan& join_plan) {
  LaunchFacts facts;
  facts.runs_program = runs_program;
  facts.join_forks = join_plan.fork_for_pid;
  const bool maps = spec.kinds.Has(Kind::kUser) && spec.HasIdMaps();
  if (maps || spec.create_as) facts.euid = ::geteuid();
  if (maps && !spec.create_as) facts.egid = ::getegid();
  return facts;
}

// What the parent prepares for the child and keeps alive until the child has exec'd, exited
// or reported ready: the child holds pointers into it, so it stays where it was made.
struct Prepared {
  std::string exe;
  std::vector<std::string> args;
  std::vector<char*> argv;
  user::MapTexts maps;
  std::string offsets;
  Pipe report;  // a copied child's report, then EOF at its execve
  Pipe go;      // one byte once the parent has written the id maps
  Report shared_report;
  ReadyPage* ready = nullptr;  // a copied body's report, in place of the pipe

  Prepared(const Spec& spec, const LaunchPlan& plan, const std::vector<std::string>* command,
           bool join_forks) {
    if (command != nullptr) {
      exe = FindExecutable(command->front());
      args = *command;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
    }
    if (plan.maps != MapWriter::kNone)
      maps = user::PlanMaps(spec, plan.map_creator.uid, plan.map_creator.gid,
                            plan.maps == MapWriter::kParent);
    offsets = time::OffsetsText(spec);
    shared_report.step = -1;  // still -1 after the clone: the child died before reporting
    // The page needs a pidfd (a child killed before arming it) and one task from clone to
    // report: a go-between forking into a pid namespace would leave it armed.
    if (plan.memory == Memory::kCopied && command == nullptr && !join_forks &&
        (plan.clone_flags & CLONE_PIDFD) != 0) {
      ready = Pages().Get();
      ready->word = FUTEX_WAITERS;  // no owner yet: the child arms it with its tid
      ready->reported = 0;
    } else if (plan.memory == Memory::kCopied) {
      report = Pipe::Make();
    }
    if (plan.maps == MapWriter::kParent) go = Pipe::Make();
    // The report pipe must survive the descriptors the command asks for.
    for (const auto& [src, dst] : spec.fds) {
      (void)src;
      if (report.write && dst == report.write.Get()) {
        int moved = ::fcntl(report.write.Get(), F_DUPFD_CLOEXEC, 1024);
        if (moved < 0) throw std::system_error(errno, std::generic_category(), "fcntl(F_DUPFD)");
        report.write.Reset(moved);
      }
    }
  }
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
};

// What the child reads: the plan's decisions and pointers into what the parent prepared.
ChildInputs InputsFor(const Spec& spec, const LaunchPlan& plan, Prepared& prep,
                      const join::Plan& join_plan, const Body* body, const LaunchOptions& options) {
  ChildInputs in;
  in.parent_ends[0] = prep.report.read.Get();
  in.parent_ends[1] = prep.go.write.Get();
  in.go_fd = prep.go.read.Get();
  in.report_fd = prep.report.write.Get();
  if (plan.memory == Memory::kShared) in.shared_report = &prep.shared_report;
  if (prep.ready != nullptr) {
    in.ready_page = prep.ready;
    in.ready_slot = Pages().Slot();
  }
  in.expected_parent = plan.check_parent ? ::getpid() : 0;
  in.join_pidfd = join_plan.pidfd.Get();
  in.join_flags = join_plan.pidfd_flags;
  in.join_count = join_plan.fd_count;
  for (int i = 0; i < join_plan.fd_count; ++i) {
    in.join_fds[i] = join_plan.fds[static_cast<std::size_t>(i)].Get();
    in.join_types[i] = join_plan.fd_types[static_cast<std::size_t>(i)];
  }
  in.join_fork = join_plan.fork_for_pid;
  in.maps_in_child = plan.maps == MapWriter::kChild;
  in.setgroups = prep.maps.setgroups.c_str();
  in.gid_map = prep.maps.gid_map.c_str();
  in.uid_map = prep.maps.uid_map.c_str();
  in.become_root = prep.maps.become_root;
  in.time = plan.time;
  in.time_offsets = prep.offsets.empty() ? nullptr : prep.offsets.c_str();
  if (spec.hostname) {
    in.hostname = spec.hostname->c_str();
    in.hostname_len = spec.hostname->size();
  }
  if (spec.domainname) {
    in.domainname = spec.domainname->c_str();
    in.domainname_len = spec.domainname->size();
  }
  in.make_private = spec.kinds.Has(Kind::kMnt) && spec.private_mounts;
  in.mount_proc = spec.mount_proc;
  in.loopback = spec.loopback_up;
  in.cwd = spec.working_directory ? spec.working_directory->c_str() : nullptr;
  in.phase_times = options.report != nullptr && options.phase_times;
  in.fds = spec.fds.data();
  in.fd_count = spec.fds.size();
  in.exe = prep.exe.c_str();
  in.argv = prep.argv.data();
  in.envp = environ;
  in.body = body;
  return in;
}

// A child cloned, not yet set up, and the plan it was cloned with (the retry's after an
// ENOSYS from clone3).
struct Cloned {
  Child child;
  LaunchPlan plan;
  bool used_clone3 = false;
};

// Clones the child as `plan` says, retrying with the plan clone(2) can express when clone3 is
// missing. Throws StepError when no clone succeeds.
Cloned Clone(const Spec& spec, const LaunchPlan& plan, const ChildInputs& inputs) {
  const std::optional<LaunchPlan> retry_plan = PlanWithoutClone3(plan);
  ChildInputs retry_inputs;
  if (retry_plan) {
    retry_inputs = inputs;
    retry_inputs.time = retry_plan->time;
  }
  // A launch from inside a copied body runs on one of this thread's stacks; a shared-memory
  // clone onto it would overwrite the caller's live frames. Such a launch gets stacks of its
  // own for the call: every clone below is done with them when the call returns.
  std::optional<ThreadStacks> own_stacks;
  ThreadStacks& stacks = Stacks().Holds(&retry_inputs) ? own_stacks.emplace() : Stacks();
  int pidfd = -1;
  const bool helper = plan.creator == Creator::kHelper;
  auto attempt = [&](const LaunchPlan& p, const ChildInputs& in) {
    const std::uint64_t flags = p.clone_flags | (helper ? CLONE_PARENT : 0);
    return CloneAttempt{{flags, stacks.Get(0), ThreadStacks::kSize, &pidfd}, &in};
  };
  const CloneAttempt first = attempt(plan, inputs);
  std::optional<CloneAttempt> retry;
  if (retry_plan) retry = attempt(*retry_plan, retry_inputs);

  CloneOutcome out;
  Step failed_step = Step::kClone;
  if (helper) {
    launch::HelperJob job;
    job.creator = *spec.create_as;
    job.first = first;
    job.retry = retry ? &*retry : nullptr;
    sys::CloneRequest request{CLONE_VM | CLONE_VFORK | CLONE_FILES, stacks.Get(1),
                              ThreadStacks::kSize, nullptr};
    pid_t helper_pid = sys::CloneWithStack(request, launch::HelperMain, &job, nullptr);
    if (helper_pid < 0) throw std::system_error(errno, std::generic_category(), "clone(helper)");
    Child(helper_pid, UniqueFd()).Wait();
    out = job.outcome;
    if (job.failed_step != Step::kReady) failed_step = job.failed_step;
  } else {
    out = launch::CloneChild(first, retry ? &*retry : nullptr);
  }
  const LaunchPlan& used = out.used_retry ? *retry_plan : plan;
  if (out.pid < 0) {
    const std::string call = fmt::format("clone3({})", Flags(used.clone_flags));
    throw StepError(
        failed_step, out.err,
        helper ? fmt::format("as uid {} gid {}: {}", spec.create_as->uid, spec.create_as->gid, call)
               : call);
  }
  return {Child(out.pid, UniqueFd(pidfd)), used, out.used_clone3};
}

// What a failed step was doing, for its message: the call and what it was given; the step's
// name when the table has nothing better.
std::string FailedCall(Step step, const Prepared& prep, const Spec& spec) {
  const struct {
    Step step;
    std::string_view call;
    std::string_view file;  // the call's first argument, when it writes a file
    const std::string* text;
    bool quoted;
  } calls[] = {
      {Step::kExec, "execve", "", &prep.exe, false},
      {Step::kSetgroups, "write", "/proc/self/setgroups", &prep.maps.setgroups, true},
      {Step::kGidMap, "write", "/proc/self/gid_map", &prep.maps.gid_map, true},
      {Step::kUidMap, "write", "/proc/self/uid_map", &prep.maps.uid_map, true},
      {Step::kTimeOffsets, "write", "/proc/self/timens_offsets", &prep.offsets, true},
      {Step::kHostname, "sethostname", "", spec.hostname ? &*spec.hostname : nullptr, true},
      {Step::kDomainname, "setdomainname", "", spec.domainname ? &*spec.domainname : nullptr, true},
  };
  for (const auto& c : calls) {
    if (c.step != step || c.text == nullptr) continue;
    return fmt::format("{}({}{}{})", c.call, c.file, c.file.empty() ? "" : ", ",
                       c.quoted ? Quoted(*c.text) : *c.text);
  }
  return std::string(StepName(step));
}

// The parent's steps after the clone: the id maps and the go byte, then the child's report.
// Throws StepError for a step the child reports failed (the child is reaped by then).
Child Finish(Cloned cloned, Prepared& prep, const Spec& spec, const LaunchOptions& options) {
  Child& child = cloned.child;
  const LaunchPlan& plan = cloned.plan;
  prep.report.write.Reset();
  prep.go.read.Reset();
  if (plan.maps == MapWriter::kParent) {
    user::WriteIdMapsFromParent(child.Pid(), prep.maps);  // on a throw, `child` kills and reaps
    if (!WriteAll(prep.go.write.Get(), "g", 1))
      throw std::system_error(errno, std::generic_category(), "write(go)");
    prep.go.write.Reset();
  }
  Report r;
  // A command's launch waits for the hang-up anyway (execve's); a body's child keeps running
  // after its report, and another thread's fork-like child may hold this pipe until it execs.
  if (plan.memory == Memory::kCopied && prep.ready == nullptr && !prep.exe.empty())
    WaitForHangUp(prep.report.read.Get());
  const bool reported = plan.memory == Memory::kShared ? prep.shared_report.step >= 0
                        : prep.ready != nullptr        ? WaitReady(*prep.ready, child)
                                                       : ReadReport(prep.report.read.Get(), r);
  if (!reported) {
    ExitStatus st = child.Wait();
    throw std::runtime_error(
        fmt::format("child ended during setup without a report ({})", st.Describe()));
  }
  if (plan.memory == Memory::kShared) r = prep.shared_report;
  if (prep.ready != nullptr) r = prep.ready->report;
  if (r.err == 0 && !prep.exe.empty() && plan.memory == Memory::kCopied) {
    Report after;
    if (ReadReport(prep.report.read.Get(), after)) r = after;  // EOF: execve succeeded
  }
  if (r.err != 0) {
    child.Wait();
    const auto step = static_cast<Step>(r.step);
    throw StepError(step, r.err, FailedCall(step, prep, spec));
  }
  if (options.report) {
    options.report->shared_memory = plan.memory == Memory::kShared;
    options.report->used_clone3 = cloned.used_clone3;
    for (int i = 0; i < kPhaseCount; ++i)
      options.report->phase_ns[static_cast<std::size_t>(i)] = r.phase_ns[i];
  }
  return std::move(cloned.child);
}

Child LaunchImpl(const Spec& spec, const Body* body, const std::vector<std::string>* command,
                 const LaunchOptions& options) {
  spec.Validate();
  if (command != nullptr && command->empty())
    throw std::invalid_argument("command: give a program to run");
  join::Plan join_plan;
  if (spec.join) join_plan = join::Prepare(*spec.join);
  const LaunchPlan plan =
      PlanLaunch(spec, options.style, FactsFor(spec, command != nullptr, join_plan));
  Prepared prep(spec, plan, command, join_plan.fork_for_pid);
  const ChildInputs inputs = InputsFor(spec, plan, prep, join_plan, body, options);
  return Finish(Clone(spec, plan, inputs), prep, spec, options);
}

constexpr std::string_view kPhaseNames[kPhaseCount] = {"join",  "id_maps", "time",     "hostname",
                                                       "mount", "proc",    "loopback", "exec"};

}  // namespace

std::string_view PhaseName(Phase phase) { return kPhaseNames[static_cast<int>(phase)]; }

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
