// PID namespaces (pid_namespaces(7)): numbering, init's signal rules, reaping, lifetime and
// nesting. Entry paths: clone3 (Launch), unshare by a launched child, setns (Spec::join and
// setns in a body). Bodies that signal "pid 1" or "-1" are launched by LaunchInNew, which
// refuses to run them in the test's own pid namespace: a runtime that failed to create one
// must never signal the host.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/proc_files.hpp"
#include "runtime/tool.hpp"
#include "suites/support/child.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_test.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using ::testing::_;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using testing::EntryKinds;
using testing::Exited0;
using testing::ExitedWith;
using testing::ExpectExits0;
using testing::FailedWith;
using testing::Finished;
using testing::ForkInChild;
using ::testing::Gt;
using testing::Handshake;
using testing::HasText;
using testing::HasValue;
using testing::Holder;
using testing::InForkedChild;
using testing::KilledBy;
using testing::LaunchInNew;
using ::testing::Ne;
using testing::ObservationWriter;
using testing::SleepMsInChild;
using testing::SpecFor;
using testing::Succeeded;
using testing::WaitInChild;

constexpr auto kWait = std::chrono::seconds(20);

long PidInChild() { return ::syscall(SYS_getpid); }
long ParentPidInChild() { return ::syscall(SYS_getppid); }

// Records the "NSpid:" line of /proc/self/status (the caller's pid at every level, outermost
// first, as the /proc mount's namespace sees them). Async-signal-safe.
void RecordNsPidInChild(const ObservationWriter& w, const char* key) {
  char buf[4096];
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : ::read(fd, buf, sizeof buf - 1);
  if (fd >= 0) ::close(fd);
  if (n <= 0) return w.Failed(key, errno);
  buf[n] = '\0';
  const char* line = std::strstr(buf, "NSpid:");
  if (line == nullptr) return w.Failed(key, ENOENT);
  std::size_t len = 0;
  while (line[len] != '\0' && line[len] != '\n') ++len;
  w.Text(key, line + 6, len - 6);
}

// The numbers of a recorded "NSpid:" line.
std::vector<std::int64_t> NsPids(const std::string& text) {
  return proc::Numbers(text).value_or(std::vector<std::int64_t>{});
}

// Whether the /proc mounted here belongs to the initial pid namespace: only there is kthreadd
// visible, as pid 2 without a parent. Inside a nested one (a sandbox such as the negative
// control's guard) the levels above cannot be counted at all: NSpid starts at the /proc
// mount's namespace and NS_GET_PARENT refuses to climb above the caller's own.
bool ProcIsInTheInitialPidNamespace() {
  std::string status;
  if (!TryReadFile("/proc/2/status", status)) return false;
  return proc::StatusField(status, "Name") == "kthreadd" &&
         proc::StatusField(status, "PPid") == "0";
}

// What a signal handler saw. Each body runs in its own process, so one copy per process.
volatile sig_atomic_t g_signals = 0;
volatile sig_atomic_t g_si_pid = -1;
volatile sig_atomic_t g_si_code = 0;

void RecordSiginfo(int, siginfo_t* info, void*) {
  g_si_pid = info->si_pid;
  g_si_code = info->si_code;
  g_signals = g_signals + 1;
}

// Async-signal-safe.
int HandleInChild(int sig) {
  struct sigaction sa {};
  sa.sa_sigaction = RecordSiginfo;
  sa.sa_flags = SA_SIGINFO;
  return ::sigaction(sig, &sa, nullptr);
}

// Waits up to `ms` for the handler to have run `count` times. Async-signal-safe.
bool AwaitSignalsInChild(int count, long ms) {
  for (long waited = 0; g_signals < count && waited < ms; ++waited) SleepMsInChild(1);
  return g_signals >= count;
}

// A process that only waits to be killed. Async-signal-safe.
[[noreturn]] void PauseForeverInChild() {
  for (;;) ::pause();
}

class PidNamespace : public testing::KindTest<Kind::kPid> {};

// LTP pidns01/02. The session and process group a child inherits belong to its creator, who
// has no number in the new namespace: they read 0 until the child makes its own with setsid.
TEST_P(PidNamespace, FirstProcessIsInitWithNoVisibleParent) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    w_.Value("pid", PidInChild());
    w_.Value("ppid", ParentPidInChild());
    w_.Value("sid", ::syscall(SYS_getsid, 0));
    w_.Value("pgid", ::syscall(SYS_getpgid, 0));
    w_.Result("setsid", ::syscall(SYS_setsid));
    w_.Value("sid_after", ::syscall(SYS_getsid, 0));
    w_.Value("pgid_after", ::syscall(SYS_getpgid, 0));
    return 0;
  });
  // The contrast: a sibling without the namespace sees the numbers we see.
  Child plain = testing::Launch(SpecFor(mode(), {}), [&] {
    w_.Value("plain_pid", PidInChild());
    w_.Value("plain_ppid", ParentPidInChild());
    return 0;
  });
  ASSERT_TRUE(Exited0(plain.Wait(kWait)));
  ASSERT_TRUE(Finished(child, obs_));
  for (const char* key : {"pid", "setsid", "sid_after", "pgid_after"})
    EXPECT_THAT(obs_[key], HasValue(1));
  for (const char* key : {"ppid", "sid", "pgid"}) EXPECT_THAT(obs_[key], HasValue(0));
  EXPECT_THAT(obs_["plain_pid"], HasValue(plain.Pid()));
  EXPECT_THAT(obs_["plain_ppid"], HasValue(::getpid()));
  EXPECT_NE(child.Pid(), 1);
}

// The host numbers the child in its own namespace; NSpid lists both numbers, outermost first,
// whether the parent reads it or the child does through the host's /proc (whose numbers are
// those of the namespace that mounted it: LTP pidns03 in reverse).
TEST_P(PidNamespace, HostSeesAnotherPidAndNSpidListsBoth) {
  Holder child(SpecFor(mode(), {Kind::kPid}), [&] {
    w_.Value("pid", PidInChild());
    w_.Link("proc_self", "/proc/self");
    RecordNsPidInChild(w_, "nspid");
    return 0;
  });
  ASSERT_TRUE(child.Ready());
  const std::string status = ReadFile("/proc/" + std::to_string(child.Pid()) + "/status");
  ASSERT_TRUE(Exited0(child.Release()));
  obs_.Collect();
  const auto from_parent = proc::Numbers(proc::StatusField(status, "NSpid").value_or(""));
  ASSERT_TRUE(from_parent) << status;
  // NSpid starts at the level of the /proc we read (ours) and ends at the process's own:
  // the child has one level more than we do, where it is 1, and our number for it is the
  // one before.
  const std::vector<std::int64_t> ours =
      NsPids(proc::StatusField(ReadFile("/proc/self/status"), "NSpid").value_or(""));
  ASSERT_FALSE(ours.empty());
  ASSERT_EQ(from_parent->size(), ours.size() + 1) << status;
  EXPECT_EQ((*from_parent)[ours.size() - 1], child.Pid()) << status;
  EXPECT_EQ(from_parent->back(), 1) << status;
  EXPECT_THAT(obs_["pid"], HasValue(1));
  EXPECT_EQ(NsPids(obs_.Text("nspid")), *from_parent);
  EXPECT_THAT(obs_["proc_self"], HasText(std::to_string(from_parent->front())));
}

std::vector<long> LeadingNumbers(const std::string& text) {
  std::vector<long> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    long n = 0;
    if (std::sscanf(line.c_str(), " %ld", &n) == 1) out.push_back(n);
  }
  return out;
}

bool IsPid(const char* name) { return name[0] >= '1' && name[0] <= '9'; }

// A /proc mounted inside lists the namespace's processes only, and ps run inside (through
// the runtime's Tool) lists PID 1 first; ps on the host lists the same child under its host
// number among many.
TEST_P(PidNamespace, PrivateProcShowsOnlyTheNamespacesProcesses) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  NSPROBE_SKIP_UNLESS_FRESH_PROC(mode());
  Spec spec = SpecFor(mode(), {Kind::kPid, Kind::kMnt});
  spec.mount_proc = true;
  Handshake hs;
  Child child = LaunchInNew(spec, [&] {
    const long member = ForkInChild();
    if (member == 0) ::_exit(hs.AwaitGo() ? 0 : 1);
    w_.Link("proc_self", "/proc/self");
    w_.Entries("proc_entry", "/proc", IsPid);
    hs.Ready();
    hs.AwaitGo();
    WaitInChild(member);
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  const std::vector<std::string> ps = {"ps", "-e", "-o", "pid="};
  ToolResult inside = RunTool(child.Pid(), EntryKinds(mode(), {Kind::kPid, Kind::kMnt}), ps);
  ToolResult outside = RunTool(0, {}, ps);
  hs.Go(2);
  ASSERT_TRUE(Finished(child, obs_));
  EXPECT_THAT(obs_["proc_self"], HasText("1"));
  EXPECT_THAT(obs_.Texts("proc_entry"), ElementsAre("1", "2"));
  ASSERT_EQ(inside.exit_code, 0) << inside.Describe();
  // Init, its member, and ps itself (entered as a member by the Tool).
  EXPECT_THAT(LeadingNumbers(inside.out), ElementsAre(1, 2, _)) << inside.Describe();
  const std::vector<long> host = LeadingNumbers(outside.out);
  EXPECT_GT(host.size(), 3u) << outside.Describe();
  EXPECT_THAT(host, Contains(child.Pid())) << outside.Describe();
}

// pid_namespaces(7), LTP unshare05: unshare(CLONE_NEWPID) leaves the caller where it is and
// moves pid_for_children; the first child is PID 1 of the new namespace; unsharing again
// before that is EINVAL. Run by the init of a namespace the runtime made, so nothing here
// depends on the host's numbering. Until the first child exists the new namespace has no
// init and its pid_for_children link cannot be read (ENOENT on 6.18; a kernel that allows it
// must show the new namespace there).
TEST_P(PidNamespace, UnshareMovesOnlyPidForChildren) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    w_.Link("ns_before", "/proc/self/ns/pid");
    w_.Link("children_before", "/proc/self/ns/pid_for_children");
    w_.Result("unshare", testing::Unshare(CLONE_NEWPID));
    w_.Value("pid_after", PidInChild());
    w_.Link("ns_after", "/proc/self/ns/pid");
    w_.Link("children_after", "/proc/self/ns/pid_for_children");
    w_.Result("unshare_again", testing::Unshare(CLONE_NEWPID));
    const long first = ForkInChild();
    if (first == 0) {
      w_.Value("first_pid", PidInChild());
      w_.Value("first_ppid", ParentPidInChild());
      w_.Link("first_ns", "/proc/self/ns/pid");
      ::_exit(0);
    }
    w_.Result("fork", first);
    w_.Link("children_after_fork", "/proc/self/ns/pid_for_children");
    if (first > 0) WaitInChild(first);
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  ASSERT_THAT(obs_["unshare"], Succeeded());
  EXPECT_THAT(obs_["pid_after"], HasValue(1));
  EXPECT_THAT(obs_["ns_after"], HasText(obs_.Text("ns_before"))) << "unshare moved the caller";
  EXPECT_THAT(obs_["children_before"], HasText(obs_.Text("ns_before")));
  EXPECT_THAT(obs_["children_after"], AnyOf(HasText(obs_.Text("first_ns")), FailedWith(ENOENT)));
  EXPECT_THAT(obs_["children_after_fork"], HasText(Ne(obs_.Text("children_before"))));
  EXPECT_THAT(obs_["unshare_again"], FailedWith(EINVAL));
  EXPECT_THAT(obs_["first_pid"], HasValue(1));
  EXPECT_THAT(obs_["first_ppid"], HasValue(0));
  EXPECT_THAT(obs_["first_ns"], HasText(obs_.Text("children_after_fork")));
  RecordProperty("pid_for_children_before_init",
                 obs_.Err("children_after") == 0 ? "readable" : "ENOENT");
}

// LTP pidns04 and gVisor SetnsTest.ChangePIDNamespace: members cannot kill init with a signal
// it does not handle, SIGKILL included, and init ignores its own; a signal it handles
// arrives. The contrast: a member without a handler dies of SIGTERM.
TEST_P(PidNamespace, InitIgnoresUnhandledSignalsFromInsideButGetsHandledOnes) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    HandleInChild(SIGUSR1);
    w_.Value("member_status", InForkedChild([&] {
               w_.Result("member_sigkill", ::kill(1, SIGKILL));
               w_.Result("member_sigterm", ::kill(1, SIGTERM));
               w_.Result("member_sigusr1", ::kill(1, SIGUSR1));
             }));
    w_.Value("usr1_received", AwaitSignalsInChild(1, 5000));
    w_.Value("usr1_si_pid", g_si_pid);
    w_.Result("self_sigkill", ::kill(1, SIGKILL));
    w_.Result("self_sigterm", ::kill(1, SIGTERM));
    const long victim = ForkInChild();
    if (victim == 0) PauseForeverInChild();
    w_.Result("victim_sigterm", ::kill(static_cast<pid_t>(victim), SIGTERM));
    w_.Value("victim_status", WaitInChild(victim));
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_)) << "init did not survive";
  EXPECT_THAT(obs_["member_status"], ExitedWith(0));
  // The kernel drops the signals silently: kill() reports success.
  for (const char* key : {"member_sigkill", "member_sigterm", "self_sigkill"})
    EXPECT_THAT(obs_[key], HasValue(0));
  EXPECT_THAT(obs_["usr1_received"], HasValue(1));
  EXPECT_THAT(obs_["usr1_si_pid"], HasValue(2)) << "the sender is member 2";
  EXPECT_THAT(obs_["victim_status"], KilledBy(SIGTERM));
}

// pid_namespaces(7), LTP pidns12/16: from the parent's namespace only handled signals (and
// SIGKILL/SIGSTOP) reach init, and the handler sees si_pid 0, for the sender has no number
// inside; init signalling itself sees its own number, 1.
TEST_P(PidNamespace, SignalsFromTheParentReachInitOnlyWhenHandledWithSiPidZero) {
  Handshake hs;
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    HandleInChild(SIGUSR1);
    hs.Ready();
    w_.Value("from_parent", AwaitSignalsInChild(1, 10000));
    w_.Value("from_parent_si_pid", g_si_pid);
    w_.Value("from_parent_si_code", g_si_code);
    hs.Ready();
    hs.AwaitGo();  // meanwhile the parent sends SIGTERM, which init does not handle
    ::kill(1, SIGUSR1);
    w_.Value("from_self", AwaitSignalsInChild(2, 10000));
    w_.Value("from_self_si_pid", g_si_pid);
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  ASSERT_TRUE(child.Signal(SIGUSR1)) << std::strerror(errno);
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  ASSERT_TRUE(child.Signal(SIGTERM)) << std::strerror(errno);
  hs.Go();
  ASSERT_TRUE(Finished(child, obs_)) << "init did not survive an unhandled SIGTERM";
  EXPECT_THAT(obs_["from_parent"], HasValue(1));
  EXPECT_THAT(obs_["from_parent_si_pid"], HasValue(0));
  EXPECT_THAT(obs_["from_parent_si_code"], HasValue(SI_USER));
  EXPECT_THAT(obs_["from_self"], HasValue(1));
  EXPECT_THAT(obs_["from_self_si_pid"], HasValue(1));
}

// Waits (bounded) until `pid` is gone or a zombie; returns how long that took, or nullopt.
std::optional<std::chrono::microseconds> AwaitGone(long pid) {
  return testing::PollFor(std::chrono::seconds(10), [&] {
    std::string stat;
    return !TryReadFile("/proc/" + std::to_string(pid) + "/stat", stat) ||
           stat.find(") Z") != std::string::npos || stat.find(") X") != std::string::npos;
  });
}

// pid_namespaces(7), LTP pidns05: SIGKILL from the parent's namespace always kills init, and
// with it every member, down through nested namespaces.
TEST_P(PidNamespace, ParentSigkillKillsInitAndEveryMemberNestedToo) {
  Handshake hs;
  // Each process records its host number (its own /proc/self, read through the host's /proc),
  // lets go of the observation pipe, says ready and waits to be killed.
  auto report_and_wait = [&](const char* key) {
    w_.Link(key, "/proc/self");
    ::close(w_.Fd());
    hs.Ready();
    PauseForeverInChild();
  };
  // Members that wait forever only where killing init is known to end them.
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    if (ForkInChild() == 0) report_and_wait("member");
    const long nested_init = ForkInChild(CLONE_NEWPID);
    if (nested_init == 0) {
      if (ForkInChild() == 0) report_and_wait("nested_member");
      report_and_wait("nested_init");
    }
    w_.Result("nested_clone", nested_init);
    report_and_wait("init");
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady(4)) << "not the init of a new namespace? "
                                << child.Wait(kWait).Describe();
  obs_.Collect();  // every process closed its copy of the pipe
  ASSERT_THAT(obs_["nested_clone"], HasValue(Gt(0)));
  ASSERT_TRUE(child.Signal(SIGKILL));
  EXPECT_EQ(child.Wait(kWait).signal, SIGKILL) << child.Wait().Describe();
  for (const char* key : {"member", "nested_init", "nested_member"}) {
    const long pid = std::stol(obs_.Text(key));
    auto gone = AwaitGone(pid);
    ASSERT_TRUE(gone) << key << " (host pid " << pid << ") outlived its namespace's init";
    RecordProperty(std::string(key) + "_gone_us", std::to_string(gone->count()));
  }
}

// LTP pidns: a process whose parent exits is reparented to the namespace's init, which can
// reap it.
TEST_P(PidNamespace, OrphansAreReparentedToInit) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    InForkedChild([&] {
      const long middle = PidInChild();
      if (ForkInChild() == 0) {
        for (int i = 0; i < 10000 && ParentPidInChild() == middle; ++i) SleepMsInChild(1);
        w_.Value("orphan_pid", PidInChild());
        w_.Value("orphan_ppid", ParentPidInChild());
        ::_exit(7);
      }
    });
    int status = 0;
    long reaped;
    while ((reaped = ::waitpid(-1, &status, 0)) < 0 && errno == EINTR) {
    }
    w_.Result("reaped", reaped);
    w_.Value("reaped_status", status);
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  EXPECT_THAT(obs_["orphan_ppid"], HasValue(1));
  EXPECT_THAT(obs_["reaped"], HasValue(obs_.Value("orphan_pid"))) << "init did not reap the orphan";
  EXPECT_THAT(obs_["reaped_status"], ExitedWith(7));
}

// Kernel selftest pid_namespace/regression_enomem, through unshare: once the first process of
// a namespace (its init) has exited, nobody can fork into it again.
TEST_P(PidNamespace, ForkIntoANamespaceWhoseInitExitedGivesEnomem) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    w_.Result("unshare", testing::Unshare(CLONE_NEWPID));
    w_.Result("first", InForkedChild([] {}));
    w_.Result("second", InForkedChild([] {}));
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  ASSERT_THAT(obs_["unshare"], Succeeded());
  ASSERT_THAT(obs_["first"], ExitedWith(0));
  EXPECT_THAT(obs_["second"], FailedWith(ENOMEM));
}

// setns(2), pid_namespaces(7): entering a pid namespace moves only pid_for_children; the
// children are members (with no visible parent); going back up to an ancestor is refused
// (EINVAL; EPERM first when the caller lacks privilege over it); and once the namespace's
// init is gone, forking into it gives ENOMEM.
TEST_P(PidNamespace, SetnsMovesOnlyChildrenAndADeadNamespaceTakesNoOne) {
  Holder init(SpecFor(mode(), {Kind::kPid}));
  ASSERT_TRUE(init.Ready());
  const std::string init_ns = ReadNsLink(init.Pid(), Kind::kPid);
  UniqueFd target = OpenOrThrow(NsPath(init.Pid(), Kind::kPid).c_str(), O_RDONLY);
  UniqueFd ancestor = OpenOrThrow("/proc/self/ns/pid", O_RDONLY);
  Handshake hs;
  Child joiner = testing::Launch(testing::JoinSpec(mode(), init.Pid(), {}), [&] {
    w_.Link("ns_before", "/proc/self/ns/pid");
    w_.Link("children_before", "/proc/self/ns/pid_for_children");
    w_.Value("pid_before", PidInChild());
    w_.Result("setns", ::setns(target.Get(), CLONE_NEWPID));
    w_.Link("ns_after", "/proc/self/ns/pid");
    w_.Link("children_after", "/proc/self/ns/pid_for_children");
    w_.Value("pid_after", PidInChild());
    w_.Result("member", InForkedChild([&] {
                w_.Value("member_pid", PidInChild());
                w_.Value("member_ppid", ParentPidInChild());
                w_.Link("member_ns", "/proc/self/ns/pid");
                w_.Result("ancestor_setns", ::setns(ancestor.Get(), CLONE_NEWPID));
              }));
    hs.Ready();
    hs.AwaitGo();  // meanwhile the parent kills the namespace's init
    w_.Result("late", InForkedChild([] {}));
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << joiner.Wait(kWait).Describe();
  init.child().Kill();
  hs.Go();
  ASSERT_TRUE(Finished(joiner, obs_));
  ASSERT_THAT(obs_["setns"], Succeeded());
  EXPECT_THAT(obs_["ns_after"], HasText(obs_.Text("ns_before"))) << "setns moved the caller";
  EXPECT_THAT(obs_["pid_after"], HasValue(obs_.Value("pid_before")));
  EXPECT_THAT(obs_["children_before"], HasText(Ne(init_ns)));
  for (const char* key : {"children_after", "member_ns"}) EXPECT_THAT(obs_[key], HasText(init_ns));
  EXPECT_THAT(obs_["member_pid"], HasValue(Gt(1)));
  EXPECT_THAT(obs_["member_ppid"], HasValue(0));
  // Privilege over the ancestor is checked first: only a process with it sees the EINVAL.
  const bool privileged_over_ancestor =
      mode() == Mode::kPrivileged && testing::AdministersOwnNamespace(Kind::kPid);
  EXPECT_THAT(obs_["ancestor_setns"], FailedWith(privileged_over_ancestor ? EINVAL : EPERM));
  EXPECT_THAT(obs_["late"], FailedWith(ENOMEM));
}

// LTP pidns10/17: kill(-1) from init reaches every other member and not init itself, nor
// anything outside (a bystander of the same user survives); with no other member it is ESRCH.
TEST_P(PidNamespace, KillMinusOneFromInitReachesEveryOtherMemberOnly) {
  Holder bystander(SpecFor(mode(), {}));
  ASSERT_TRUE(bystander.Ready());
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    if (PidInChild() != 1) return 3;  // kill(-1) by anyone but an init of our own: never
    w_.Result("alone", ::kill(-1, SIGUSR1));
    const long m1 = ForkInChild();
    if (m1 == 0) PauseForeverInChild();
    const long m2 = ForkInChild();
    if (m2 == 0) PauseForeverInChild();
    w_.Result("with_members", ::kill(-1, SIGUSR1));
    w_.Value("m1_status", WaitInChild(m1));
    w_.Value("m2_status", WaitInChild(m2));
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  EXPECT_TRUE(Exited0(bystander.Release())) << "the bystander outside";
  EXPECT_THAT(obs_["alone"], FailedWith(ESRCH));
  EXPECT_THAT(obs_["with_members"], HasValue(0));
  for (const char* key : {"m1_status", "m2_status"}) EXPECT_THAT(obs_[key], KilledBy(SIGUSR1));
}

// LTP pidns06: a number from the parent's namespace names nothing inside.
TEST_P(PidNamespace, OutsidePidsAreNotValidTargetsInside) {
  Holder bystander(SpecFor(mode(), {}));
  ASSERT_TRUE(bystander.Ready());
  const pid_t parent = ::getpid(), other = bystander.Pid();
  // Only 1 names someone inside (the child itself); any larger number must name nobody.
  ASSERT_GT(parent, 1);
  ASSERT_GT(other, 1);
  ExpectExits0(LaunchInNew(mode(), {Kind::kPid}, [&] {
    w_.Result("kill_parent", ::kill(parent, 0));
    w_.Result("kill_bystander", ::kill(other, 0));
    return 0;
  }));
  // The contrast: the same numbers from a sibling without the namespace.
  ExpectExits0(testing::Launch(SpecFor(mode(), {}), [&] {
    w_.Result("plain_kill_bystander", ::kill(other, 0));
    return 0;
  }));
  obs_.Collect();
  for (const char* key : {"kill_parent", "kill_bystander"})
    EXPECT_THAT(obs_[key], FailedWith(ESRCH));
  EXPECT_THAT(obs_["plain_kill_bystander"], HasValue(0));
}

// Far beyond the kernel's 32: reaching it means the clones made no namespaces at all (the
// negative control withholding pid), and the chain must stop rather than fork without end.
constexpr int kNestingBound = 64;

// Each level is the init of a namespace one below its creator's, and creates the next until
// the kernel refuses (or the bound is reached). Async-signal-safe.
int NestInChild(const ObservationWriter& w, int depth) {
  if (depth >= kNestingBound) {
    w.Value("deepest", depth);
    w.Result("next", 0);  // no refusal: the case fails on it
    return 0;
  }
  long pid = ForkInChild(CLONE_NEWPID);
  if (pid == 0) ::_exit(NestInChild(w, depth + 1));
  if (pid < 0) {
    w.Value("deepest", depth);
    w.Failed("next", errno);
    w.Value("deepest_pid", PidInChild());
    RecordNsPidInChild(w, "deepest_nspid");
    return 0;
  }
  int status = WaitInChild(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

// LTP pidns32, pid_namespaces(7): namespaces nest 32 levels below the initial one, and the
// next clone gives ENOSPC. The limit is probed, not assumed: the case passes when at least
// 32 levels work and the first refusal is ENOSPC, and records the level reached.
TEST_P(PidNamespace, NestingStopsAtTheKernelsLimit) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    RecordNsPidInChild(w_, "nspid");
    return NestInChild(w_, 0);
  });
  ASSERT_TRUE(Finished(child, obs_, std::chrono::seconds(60)));
  // Level of the launched child: how many namespaces lie above it.
  const auto launched_levels = NsPids(obs_.Text("nspid"));
  ASSERT_GE(launched_levels.size(), 2u);
  const std::int64_t deepest =
      static_cast<std::int64_t>(launched_levels.size()) - 1 + obs_.Value("deepest");
  if (ProcIsInTheInitialPidNamespace()) {
    EXPECT_GE(deepest, 32);
  } else {
    // Levels above this /proc are invisible: the count starts below them, so only the kernel's
    // refusal and the consistency of the chain can be checked.
    EXPECT_GE(deepest, 2);
    RecordProperty("pid_namespace_levels_counted_from", "the /proc mount's namespace");
  }
  EXPECT_THAT(obs_["next"], FailedWith(ENOSPC));
  EXPECT_THAT(obs_["deepest_pid"], HasValue(1));
  const auto deepest_levels = NsPids(obs_.Text("deepest_nspid"));
  EXPECT_EQ(static_cast<std::int64_t>(deepest_levels.size()), deepest + 1);
  RecordProperty("pid_namespace_levels", std::to_string(deepest));
}

// pid_namespaces(7), gVisor CloneTest.CloneParentInitProcessFails: init may not create a
// sibling of itself (CLONE_PARENT), which would be a second root in the namespace; any other
// member may, and the new process is then init's child. (Launched by LaunchInNew: elsewhere
// CLONE_PARENT would hand the test a child.)
TEST_P(PidNamespace, InitCannotCloneASiblingOfItself) {
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    const long sibling =
        ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (sibling == 0) ::_exit(0);
    w_.Result("init_clone_parent", sibling);
    if (ForkInChild() == 0) {
      const long s =
          ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
      if (s == 0) {
        w_.Value("sibling_ppid", ParentPidInChild());
        ::_exit(0);
      }
      w_.Result("member_clone_parent", s);
      ::_exit(0);
    }
    // Reap the member and the sibling it made, both init's children.
    int reaped = 0;
    while (::waitpid(-1, nullptr, 0) > 0) ++reaped;
    w_.Value("reaped", reaped);
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  EXPECT_THAT(obs_["init_clone_parent"], FailedWith(EINVAL));
  EXPECT_THAT(obs_["member_clone_parent"], HasValue(Gt(0)));
  EXPECT_THAT(obs_["sibling_ppid"], HasValue(1));
  EXPECT_THAT(obs_["reaped"], HasValue(2));
}

// Connects to the socket at `addr` and records the pid SO_PEERCRED gives for the listener.
// Async-signal-safe.
void RecordPeerPidInChild(const ObservationWriter& w, const char* key, const sockaddr_un& addr) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return w.Failed(key, errno);
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return w.Failed(key, errno);
  w.Value(key, cred.pid);
}

// Accepts one connection on `listener` and returns the pid SO_PEERCRED gives for it, or -1.
int AcceptPeerPid(int listener) {
  UniqueFd conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  ucred cred{};
  socklen_t len = sizeof cred;
  if (!conn || ::getsockopt(conn.Get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  return static_cast<int>(cred.pid);
}

// gVisor PeerCredAcrossPIDNamespace: SO_PEERCRED gives the peer's pid as the reader's
// namespace numbers it: the parent reads the child's host pid, the child reads 0 for the
// parent, which has no number inside; a sibling without the namespace reads our pid.
TEST_P(PidNamespace, PeerCredentialsAreTranslatedIntoTheReadersNamespace) {
  const testing::TempDir dir("peercred");
  const std::string path = dir.Sub("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(::bind(listener.Get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  ::chmod(path.c_str(), 0777);  // the unprivileged child must reach the socket
  ASSERT_EQ(::listen(listener.Get(), 4), 0);
  Child child = LaunchInNew(mode(), {Kind::kPid}, [&] {
    RecordPeerPidInChild(w_, "parent_seen_inside", addr);
    return 0;
  });
  ASSERT_TRUE(Exited0(child.Wait(kWait)));
  EXPECT_EQ(AcceptPeerPid(listener.Get()), child.Pid());
  Child plain = testing::Launch(SpecFor(mode(), {}), [&] {
    RecordPeerPidInChild(w_, "parent_seen_outside", addr);
    return 0;
  });
  ASSERT_TRUE(Exited0(plain.Wait(kWait)));
  EXPECT_EQ(AcceptPeerPid(listener.Get()), plain.Pid());
  obs_.Collect();
  EXPECT_THAT(obs_["parent_seen_inside"], HasValue(0));
  EXPECT_THAT(obs_["parent_seen_outside"], HasValue(::getpid()));
}

INSTANTIATE_TEST_SUITE_P(Modes, PidNamespace, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
