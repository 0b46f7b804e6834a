// PID namespaces (pid_namespaces(7)): numbering, init's signal rules, reaping, lifetime and
// nesting. Entry paths: clone3 (Launch), unshare by a launched child, setns (Spec::join and
// setns in a body). Bodies that signal "pid 1" or "-1" first check that they are the init of
// a namespace of their own: a runtime that failed to create one must never signal the host.
#include <dirent.h>
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
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe {
namespace {

using ::testing::ElementsAre;
using testing::EntryKinds;
using testing::FailedWith;
using testing::ForkInChild;
using ::testing::Gt;
using testing::Handshake;
using testing::HasText;
using testing::HasValue;
using ::testing::Ne;
using testing::Observations;
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

// Fixture: every case runs in both modes and is skipped only with the probe's reason.
class PidNamespace : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, GetParam());
  }
  Mode mode() const { return GetParam(); }
};

// LTP pidns01/02. The session and process group a child inherits belong to its creator, who
// has no number in the new namespace: they read 0 until the child makes its own with setsid.
TEST_P(PidNamespace, FirstProcessIsInitWithNoVisibleParent) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    w.Value("ppid", ParentPidInChild());
    w.Value("sid", ::syscall(SYS_getsid, 0));
    w.Value("pgid", ::syscall(SYS_getpgid, 0));
    w.Result("setsid", ::syscall(SYS_setsid));
    w.Value("sid_after", ::syscall(SYS_getsid, 0));
    w.Value("pgid_after", ::syscall(SYS_getpgid, 0));
    return 0;
  });
  ExitStatus st = child.Wait(kWait);
  Child plain = testing::Launch(SpecFor(mode(), {}), [&] {
    w.Value("plain_pid", PidInChild());
    w.Value("plain_ppid", ParentPidInChild());
    return 0;
  });
  ExitStatus plain_status = plain.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(st.Success() && plain_status.Success()) << st.Describe();
  EXPECT_THAT(obs["pid"], HasValue(1));
  EXPECT_THAT(obs["ppid"], HasValue(0));
  EXPECT_THAT(obs["sid"], HasValue(0));
  EXPECT_THAT(obs["pgid"], HasValue(0));
  EXPECT_THAT(obs["setsid"], HasValue(1));
  EXPECT_THAT(obs["sid_after"], HasValue(1));
  EXPECT_THAT(obs["pgid_after"], HasValue(1));
  // The contrast: a sibling without the namespace sees the numbers we see.
  EXPECT_THAT(obs["plain_pid"], HasValue(plain.Pid()));
  EXPECT_THAT(obs["plain_ppid"], HasValue(::getpid()));
  EXPECT_NE(child.Pid(), 1);
}

// The host numbers the child in its own namespace; NSpid lists both numbers, outermost first,
// whether the parent reads it or the child does through the host's /proc (whose numbers are
// those of the namespace that mounted it: LTP pidns03 in reverse).
TEST_P(PidNamespace, HostSeesAnotherPidAndNSpidListsBoth) {
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    w.Link("proc_self", "/proc/self");
    RecordNsPidInChild(w, "nspid");
    hs.Ready();
    hs.AwaitGo();
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  const std::string status = ReadFile("/proc/" + std::to_string(child.Pid()) + "/status");
  hs.Go();
  ASSERT_TRUE(testing::Finished(child, obs));
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
  EXPECT_THAT(obs["pid"], HasValue(1));
  EXPECT_EQ(NsPids(obs.Text("nspid")), *from_parent);
  EXPECT_THAT(obs["proc_self"], HasText(std::to_string(from_parent->front())));
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

// A /proc mounted inside lists the namespace's processes only, and ps run inside (through
// the runtime's Tool) lists PID 1 first; ps on the host lists the same child under its host
// number among many.
TEST_P(PidNamespace, PrivateProcShowsOnlyTheNamespacesProcesses) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  Spec spec = SpecFor(mode(), {Kind::kPid, Kind::kMnt});
  spec.mount_proc = true;
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child child = testing::Launch(spec, [&] {
    long member = ForkInChild();
    if (member == 0) {
      hs.AwaitGo();
      ::_exit(0);
    }
    w.Link("proc_self", "/proc/self");
    int d = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char buf[8192];
    for (long n; (n = ::syscall(SYS_getdents64, d, buf, sizeof buf)) > 0;) {
      for (long off = 0; off < n;) {
        auto* e = reinterpret_cast<const dirent64*>(buf + off);
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9') w.Text("proc_entry", e->d_name);
        off += e->d_reclen;
      }
    }
    ::close(d);
    hs.Ready();
    hs.AwaitGo();
    WaitInChild(member);
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  ToolResult inside = RunTool(child.Pid(), EntryKinds(mode(), {Kind::kPid, Kind::kMnt}),
                              {"ps", "-e", "-o", "pid="});
  ToolResult outside = RunTool(0, {}, {"ps", "-e", "-o", "pid="});
  hs.Go(2);
  ASSERT_TRUE(testing::Finished(child, obs));
  EXPECT_THAT(obs["proc_self"], HasText("1"));
  EXPECT_THAT(obs.Texts("proc_entry"), ElementsAre("1", "2"));
  ASSERT_EQ(inside.exit_code, 0) << inside.Describe();
  const std::vector<long> listed = LeadingNumbers(inside.out);
  // Init, its member, and ps itself (entered as a member by the Tool).
  ASSERT_EQ(listed.size(), 3u) << inside.Describe();
  EXPECT_EQ(listed[0], 1) << inside.Describe();
  EXPECT_EQ(listed[1], 2) << inside.Describe();
  const std::vector<long> host = LeadingNumbers(outside.out);
  EXPECT_GT(host.size(), listed.size()) << outside.Describe();
  EXPECT_THAT(host, ::testing::Contains(child.Pid())) << outside.Describe();
}

// pid_namespaces(7), LTP unshare05: unshare(CLONE_NEWPID) leaves the caller where it is and
// moves pid_for_children; the first child is PID 1 of the new namespace; unsharing again
// before that is EINVAL. Run by the init of a namespace the runtime made, so nothing here
// depends on the host's numbering. Until the first child exists the new namespace has no
// init and its pid_for_children link cannot be read (ENOENT on 6.18; a kernel that allows it
// must show the new namespace there).
TEST_P(PidNamespace, UnshareMovesOnlyPidForChildren) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    w.Link("ns_before", "/proc/self/ns/pid");
    w.Link("children_before", "/proc/self/ns/pid_for_children");
    w.Result("unshare", testing::Unshare(CLONE_NEWPID));
    w.Value("pid_after", PidInChild());
    w.Link("ns_after", "/proc/self/ns/pid");
    w.Link("children_after", "/proc/self/ns/pid_for_children");
    w.Result("unshare_again", testing::Unshare(CLONE_NEWPID));
    long first = ForkInChild();
    if (first == 0) {
      w.Value("first_pid", PidInChild());
      w.Value("first_ppid", ParentPidInChild());
      w.Link("first_ns", "/proc/self/ns/pid");
      ::_exit(0);
    }
    w.Result("fork", first);
    w.Link("children_after_fork", "/proc/self/ns/pid_for_children");
    if (first > 0) WaitInChild(first);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["pid"], HasValue(1));
  ASSERT_THAT(obs["unshare"], Succeeded());
  EXPECT_THAT(obs["pid_after"], HasValue(1));
  EXPECT_THAT(obs["ns_after"], HasText(obs.Text("ns_before"))) << "unshare moved the caller";
  EXPECT_THAT(obs["children_before"], HasText(obs.Text("ns_before")));
  if (obs.Err("children_after") == 0)
    EXPECT_THAT(obs["children_after"], HasText(obs.Text("first_ns")));
  else
    EXPECT_THAT(obs["children_after"], FailedWith(ENOENT));
  EXPECT_THAT(obs["children_after_fork"], HasText(Ne(obs.Text("children_before"))));
  EXPECT_THAT(obs["unshare_again"], FailedWith(EINVAL));
  EXPECT_THAT(obs["first_pid"], HasValue(1));
  EXPECT_THAT(obs["first_ppid"], HasValue(0));
  EXPECT_THAT(obs["first_ns"], HasText(obs.Text("children_after_fork")));
  RecordProperty("pid_for_children_before_init",
                 obs.Err("children_after") == 0 ? "readable" : "ENOENT");
}

// LTP pidns04 and gVisor SetnsTest.ChangePIDNamespace: members cannot kill init with a signal
// it does not handle, SIGKILL included, and init ignores its own; a signal it handles
// arrives. The contrast: a member without a handler dies of SIGTERM.
TEST_P(PidNamespace, InitIgnoresUnhandledSignalsFromInsideButGetsHandledOnes) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    if (PidInChild() != 1) return 3;
    HandleInChild(SIGUSR1);
    long member = ForkInChild();
    if (member == 0) {
      if (ParentPidInChild() != 1) ::_exit(3);
      w.Result("member_sigkill", ::kill(1, SIGKILL));
      w.Result("member_sigterm", ::kill(1, SIGTERM));
      w.Result("member_sigusr1", ::kill(1, SIGUSR1));
      ::_exit(0);
    }
    w.Value("member_status", WaitInChild(member));
    w.Value("usr1_received", AwaitSignalsInChild(1, 5000));
    w.Value("usr1_si_pid", g_si_pid);
    w.Result("self_sigkill", ::kill(1, SIGKILL));
    w.Result("self_sigterm", ::kill(1, SIGTERM));
    long victim = ForkInChild();
    if (victim == 0) PauseForeverInChild();
    w.Result("victim_sigterm", ::kill(static_cast<pid_t>(victim), SIGTERM));
    w.Value("victim_status", WaitInChild(victim));
    w.Value("survived", 1);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs)) << "init did not survive";
  ASSERT_THAT(obs["pid"], HasValue(1));
  EXPECT_THAT(obs["member_status"], HasValue(0));
  // The kernel drops the signals silently: kill() reports success.
  EXPECT_THAT(obs["member_sigkill"], HasValue(0));
  EXPECT_THAT(obs["member_sigterm"], HasValue(0));
  EXPECT_THAT(obs["usr1_received"], HasValue(1));
  EXPECT_THAT(obs["usr1_si_pid"], HasValue(2)) << "the sender is member 2";
  EXPECT_THAT(obs["self_sigkill"], HasValue(0));
  EXPECT_THAT(obs["survived"], HasValue(1));
  const int victim = static_cast<int>(obs.Value("victim_status"));
  EXPECT_TRUE(WIFSIGNALED(victim) && WTERMSIG(victim) == SIGTERM) << "status " << victim;
}

// pid_namespaces(7), LTP pidns12/16: from the parent's namespace only handled signals (and
// SIGKILL/SIGSTOP) reach init, and the handler sees si_pid 0, for the sender has no number
// inside; init signalling itself sees its own number, 1.
TEST_P(PidNamespace, SignalsFromTheParentReachInitOnlyWhenHandledWithSiPidZero) {
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    HandleInChild(SIGUSR1);
    hs.Ready();
    w.Value("from_parent", AwaitSignalsInChild(1, 10000));
    w.Value("from_parent_si_pid", g_si_pid);
    w.Value("from_parent_si_code", g_si_code);
    hs.Ready();
    hs.AwaitGo();  // meanwhile the parent sends SIGTERM, which init does not handle
    w.Value("survived_sigterm", 1);
    if (PidInChild() != 1) return 3;
    ::kill(1, SIGUSR1);
    w.Value("from_self", AwaitSignalsInChild(2, 10000));
    w.Value("from_self_si_pid", g_si_pid);
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  ASSERT_TRUE(child.Signal(SIGUSR1)) << std::strerror(errno);
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  ASSERT_TRUE(child.Signal(SIGTERM)) << std::strerror(errno);
  hs.Go();
  ASSERT_TRUE(testing::Finished(child, obs))
      << "init did not survive an unhandled SIGTERM from its parent";
  EXPECT_THAT(obs["from_parent"], HasValue(1));
  EXPECT_THAT(obs["from_parent_si_pid"], HasValue(0));
  EXPECT_THAT(obs["from_parent_si_code"], HasValue(SI_USER));
  EXPECT_THAT(obs["survived_sigterm"], HasValue(1));
  EXPECT_THAT(obs["from_self"], HasValue(1));
  EXPECT_THAT(obs["from_self_si_pid"], HasValue(1));
}

// Waits (bounded) until `pid` is gone or a zombie; returns how long that took, or nullopt.
std::optional<std::chrono::microseconds> AwaitGone(long pid) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string stat;
    if (!TryReadFile("/proc/" + std::to_string(pid) + "/stat", stat) ||
        stat.find(") Z") != std::string::npos || stat.find(") X") != std::string::npos)
      return std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::nullopt;
}

// pid_namespaces(7), LTP pidns05: SIGKILL from the parent's namespace always kills init, and
// with it every member, down through nested namespaces.
TEST_P(PidNamespace, ParentSigkillKillsInitAndEveryMemberNestedToo) {
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  // Each process records its host number (its own /proc/self, read through the host's /proc),
  // lets go of the observation pipe, says ready and waits to be killed.
  auto report_and_wait = [&](const char* key) {
    w.Link(key, "/proc/self");
    ::close(w.Fd());
    hs.Ready();
    PauseForeverInChild();
  };
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    // Members that wait forever only where killing init is known to end them.
    if (PidInChild() != 1) return 3;
    if (ForkInChild() == 0) report_and_wait("member");
    long nested_init = ForkInChild(CLONE_NEWPID);
    if (nested_init == 0) {
      if (ForkInChild() == 0) report_and_wait("nested_member");
      report_and_wait("nested_init");
    }
    w.Result("nested_clone", nested_init);
    report_and_wait("init");
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady(4)) << "not the init of a new namespace? "
                                << child.Wait(kWait).Describe();
  obs.Collect();  // every process closed its copy of the pipe
  ASSERT_THAT(obs["nested_clone"], HasValue(Gt(0)));
  ASSERT_TRUE(child.Signal(SIGKILL));
  ExitStatus st = child.Wait(kWait);
  EXPECT_EQ(st.signal, SIGKILL) << st.Describe();
  for (const char* key : {"member", "nested_init", "nested_member"}) {
    const long pid = std::stol(obs.Text(key));
    auto gone = AwaitGone(pid);
    ASSERT_TRUE(gone) << key << " (host pid " << pid << ") outlived its namespace's init";
    RecordProperty(std::string(key) + "_gone_us", std::to_string(gone->count()));
  }
}

// LTP pidns: a process whose parent exits is reparented to the namespace's init, which can
// reap it.
TEST_P(PidNamespace, OrphansAreReparentedToInit) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    long middle = ForkInChild();
    if (middle == 0) {
      const long middle_pid = PidInChild();
      long orphan = ForkInChild();
      if (orphan == 0) {
        for (int i = 0; i < 10000 && ParentPidInChild() == middle_pid; ++i) SleepMsInChild(1);
        w.Value("orphan_pid", PidInChild());
        w.Value("orphan_ppid", ParentPidInChild());
        ::_exit(7);
      }
      ::_exit(0);
    }
    WaitInChild(middle);
    int status = 0;
    long reaped;
    while ((reaped = ::waitpid(-1, &status, 0)) < 0 && errno == EINTR) {
    }
    w.Result("reaped", reaped);
    w.Value("reaped_status", status);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["pid"], HasValue(1));
  EXPECT_THAT(obs["orphan_ppid"], HasValue(1));
  EXPECT_THAT(obs["reaped"], HasValue(obs.Value("orphan_pid"))) << "init did not reap the orphan";
  const int status = static_cast<int>(obs.Value("reaped_status"));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << "status " << status;
}

// Kernel selftest pid_namespace/regression_enomem, through unshare: once the first process of
// a namespace (its init) has exited, nobody can fork into it again.
TEST_P(PidNamespace, ForkIntoANamespaceWhoseInitExitedGivesEnomem) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    w.Result("unshare", testing::Unshare(CLONE_NEWPID));
    long first = ForkInChild();
    if (first == 0) ::_exit(0);
    w.Result("first", first);
    if (first > 0) WaitInChild(first);
    long second = ForkInChild();
    if (second == 0) ::_exit(0);
    w.Result("second", second);
    if (second > 0) WaitInChild(second);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["pid"], HasValue(1));
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["first"], HasValue(Gt(0)));
  EXPECT_THAT(obs["second"], FailedWith(ENOMEM));
}

// setns(2), pid_namespaces(7): entering a pid namespace moves only pid_for_children; the
// children are members (with no visible parent); going back up to an ancestor is refused
// (EINVAL; EPERM first when the caller lacks privilege over it); and once the namespace's
// init is gone, forking into it gives ENOMEM.
TEST_P(PidNamespace, SetnsMovesOnlyChildrenAndADeadNamespaceTakesNoOne) {
  Handshake hs_init, hs_joiner;
  Child init = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    hs_init.Ready();
    hs_init.AwaitGo();
    return 0;
  });
  ASSERT_TRUE(hs_init.AwaitReady()) << init.Wait(kWait).Describe();
  const std::string init_ns = ReadNsLink(init.Pid(), Kind::kPid);
  UniqueFd target = OpenOrThrow(NsPath(init.Pid(), Kind::kPid).c_str(), O_RDONLY);
  UniqueFd ancestor = OpenOrThrow("/proc/self/ns/pid", O_RDONLY);
  Observations obs;
  auto w = obs.Writer();
  Child joiner = testing::Launch(testing::JoinSpec(mode(), init.Pid(), {}), [&] {
    w.Link("ns_before", "/proc/self/ns/pid");
    w.Link("children_before", "/proc/self/ns/pid_for_children");
    w.Value("pid_before", PidInChild());
    w.Result("setns", ::setns(target.Get(), CLONE_NEWPID));
    w.Link("ns_after", "/proc/self/ns/pid");
    w.Link("children_after", "/proc/self/ns/pid_for_children");
    w.Value("pid_after", PidInChild());
    long member = ForkInChild();
    if (member == 0) {
      w.Value("member_pid", PidInChild());
      w.Value("member_ppid", ParentPidInChild());
      w.Link("member_ns", "/proc/self/ns/pid");
      w.Result("ancestor_setns", ::setns(ancestor.Get(), CLONE_NEWPID));
      ::_exit(0);
    }
    w.Result("member", member);
    if (member > 0) WaitInChild(member);
    hs_joiner.Ready();
    hs_joiner.AwaitGo();  // meanwhile the parent kills the namespace's init
    long late = ForkInChild();
    if (late == 0) ::_exit(0);
    w.Result("late", late);
    if (late > 0) WaitInChild(late);
    return 0;
  });
  ASSERT_TRUE(hs_joiner.AwaitReady()) << joiner.Wait(kWait).Describe();
  init.Kill();
  hs_joiner.Go();
  ASSERT_TRUE(testing::Finished(joiner, obs));
  ASSERT_THAT(obs["setns"], Succeeded());
  EXPECT_THAT(obs["ns_after"], HasText(obs.Text("ns_before"))) << "setns moved the caller itself";
  EXPECT_THAT(obs["pid_after"], HasValue(obs.Value("pid_before")));
  EXPECT_THAT(obs["children_before"], HasText(Ne(init_ns)));
  EXPECT_THAT(obs["children_after"], HasText(init_ns));
  EXPECT_THAT(obs["member_ns"], HasText(init_ns));
  EXPECT_THAT(obs["member_pid"], HasValue(Gt(1)));
  EXPECT_THAT(obs["member_ppid"], HasValue(0));
  // Privilege over the ancestor is checked first: only a process with it sees the EINVAL.
  const bool privileged_over_ancestor =
      mode() == Mode::kPrivileged && testing::AdministersOwnNamespace(Kind::kPid);
  EXPECT_THAT(obs["ancestor_setns"], FailedWith(privileged_over_ancestor ? EINVAL : EPERM));
  EXPECT_THAT(obs["late"], FailedWith(ENOMEM));
}

// LTP pidns10/17: kill(-1) from init reaches every other member and not init itself, nor
// anything outside (a bystander of the same user survives); with no other member it is ESRCH.
TEST_P(PidNamespace, KillMinusOneFromInitReachesEveryOtherMemberOnly) {
  Handshake hs_bystander;
  Child bystander = testing::Launch(SpecFor(mode(), {}), [&] {
    hs_bystander.Ready();
    return hs_bystander.AwaitGo() ? 0 : 1;
  });
  ASSERT_TRUE(hs_bystander.AwaitReady());
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    if (PidInChild() != 1) return 3;  // kill(-1) outside a namespace of our own: never
    w.Result("alone", ::kill(-1, SIGUSR1));
    long m1 = ForkInChild();
    if (m1 == 0) PauseForeverInChild();
    long m2 = ForkInChild();
    if (m2 == 0) PauseForeverInChild();
    w.Result("with_members", ::kill(-1, SIGUSR1));
    w.Value("m1_status", WaitInChild(m1));
    w.Value("m2_status", WaitInChild(m2));
    return 0;
  });
  ExitStatus st = child.Wait(kWait);
  hs_bystander.Go();
  ExitStatus bystander_status = bystander.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_THAT(obs["alone"], FailedWith(ESRCH));
  EXPECT_THAT(obs["with_members"], HasValue(0));
  for (const char* key : {"m1_status", "m2_status"}) {
    const int status = static_cast<int>(obs.Value(key));
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1) << key << " " << status;
  }
  EXPECT_TRUE(bystander_status.Success())
      << "the bystander outside: " << bystander_status.Describe();
}

// LTP pidns06: a number from the parent's namespace names nothing inside.
TEST_P(PidNamespace, OutsidePidsAreNotValidTargetsInside) {
  Handshake hs_bystander;
  Child bystander = testing::Launch(SpecFor(mode(), {}), [&] {
    hs_bystander.Ready();
    return hs_bystander.AwaitGo() ? 0 : 1;
  });
  ASSERT_TRUE(hs_bystander.AwaitReady());
  const pid_t parent = ::getpid(), other = bystander.Pid();
  // Only 1 names someone inside (the child itself); any larger number must name nobody.
  ASSERT_GT(parent, 1);
  ASSERT_GT(other, 1);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Result("kill_parent", ::kill(parent, 0));
    w.Result("kill_bystander", ::kill(other, 0));
    return 0;
  });
  ExitStatus st = child.Wait(kWait);
  // The contrast: the same numbers from a sibling without the namespace.
  Child plain = testing::Launch(SpecFor(mode(), {}), [&] {
    w.Result("plain_kill_bystander", ::kill(other, 0));
    return 0;
  });
  ExitStatus plain_status = plain.Wait(kWait);
  hs_bystander.Go();
  bystander.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(st.Success() && plain_status.Success());
  EXPECT_THAT(obs["kill_parent"], FailedWith(ESRCH));
  EXPECT_THAT(obs["kill_bystander"], FailedWith(ESRCH));
  EXPECT_THAT(obs["plain_kill_bystander"], HasValue(0));
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
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    RecordNsPidInChild(w, "nspid");
    return NestInChild(w, 0);
  });
  ASSERT_TRUE(testing::Finished(child, obs, std::chrono::seconds(60)));
  ASSERT_THAT(obs["pid"], HasValue(1));
  // Level of the launched child: how many namespaces lie above it.
  const auto launched_levels = NsPids(obs.Text("nspid"));
  ASSERT_GE(launched_levels.size(), 2u);
  const std::int64_t deepest =
      static_cast<std::int64_t>(launched_levels.size()) - 1 + obs.Value("deepest");
  if (ProcIsInTheInitialPidNamespace()) {
    EXPECT_GE(deepest, 32);
  } else {
    // Levels above this /proc are invisible: the count starts below them, so only the kernel's
    // refusal and the consistency of the chain can be checked.
    EXPECT_GE(deepest, 2);
    RecordProperty("pid_namespace_levels_counted_from", "the /proc mount's namespace");
  }
  EXPECT_THAT(obs["next"], FailedWith(ENOSPC));
  EXPECT_THAT(obs["deepest_pid"], HasValue(1));
  const auto deepest_levels = NsPids(obs.Text("deepest_nspid"));
  EXPECT_EQ(static_cast<std::int64_t>(deepest_levels.size()), deepest + 1);
  RecordProperty("pid_namespace_levels", std::to_string(deepest));
}

// pid_namespaces(7), gVisor CloneTest.CloneParentInitProcessFails: init may not create a
// sibling of itself (CLONE_PARENT), which would be a second root in the namespace; any other
// member may, and the new process is then init's child.
TEST_P(PidNamespace, InitCannotCloneASiblingOfItself) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    w.Value("pid", PidInChild());
    if (PidInChild() != 1) return 3;  // elsewhere CLONE_PARENT would hand the test a child
    long sibling = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (sibling == 0) ::_exit(0);
    w.Result("init_clone_parent", sibling);
    long member = ForkInChild();
    if (member == 0) {
      long s = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
      if (s == 0) {
        w.Value("sibling_ppid", ParentPidInChild());
        ::_exit(0);
      }
      w.Result("member_clone_parent", s);
      ::_exit(0);
    }
    // Reap the member and the sibling it made, both init's children.
    int reaped = 0;
    while (::waitpid(-1, nullptr, 0) > 0) ++reaped;
    w.Value("reaped", reaped);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["pid"], HasValue(1));
  EXPECT_THAT(obs["init_clone_parent"], FailedWith(EINVAL));
  EXPECT_THAT(obs["member_clone_parent"], HasValue(Gt(0)));
  EXPECT_THAT(obs["sibling_ppid"], HasValue(1));
  EXPECT_THAT(obs["reaped"], HasValue(2));
}

// gVisor PeerCredAcrossPIDNamespace: SO_PEERCRED gives the peer's pid as the reader's
// namespace numbers it: the parent reads the child's host pid, the child reads 0 for the
// parent, which has no number inside; a sibling without the namespace reads our pid.
TEST_P(PidNamespace, PeerCredentialsAreTranslatedIntoTheReadersNamespace) {
  char dir_template[] = "/tmp/nsprobe-peercred-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr) << std::strerror(errno);
  const std::string dir = dir_template;
  const std::string path = dir + "/socket";
  ::chmod(dir.c_str(), 0755);  // the unprivileged child must reach the socket
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(listener.Get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  ::chmod(path.c_str(), 0777);
  ASSERT_EQ(::listen(listener.Get(), 4), 0);
  Observations obs;
  auto w = obs.Writer();
  auto connect_and_read = [&](const char* key) {
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      return w.Failed(key, errno);
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return w.Failed(key, errno);
    w.Value(key, cred.pid);
  };
  auto accept_and_read = [&] {
    UniqueFd conn(::accept4(listener.Get(), nullptr, nullptr, SOCK_CLOEXEC));
    ucred cred{};
    socklen_t len = sizeof cred;
    if (!conn || ::getsockopt(conn.Get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    return static_cast<int>(cred.pid);
  };
  Child child = testing::Launch(SpecFor(mode(), {Kind::kPid}), [&] {
    connect_and_read("parent_seen_inside");
    return 0;
  });
  ExitStatus st = child.Wait(kWait);
  const int child_seen = accept_and_read();
  Child plain = testing::Launch(SpecFor(mode(), {}), [&] {
    connect_and_read("parent_seen_outside");
    return 0;
  });
  ExitStatus plain_status = plain.Wait(kWait);
  const int plain_seen = accept_and_read();
  obs.Collect();
  listener.Reset();
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
  ASSERT_TRUE(st.Success() && plain_status.Success());
  EXPECT_THAT(obs["parent_seen_inside"], HasValue(0));
  EXPECT_EQ(child_seen, child.Pid());
  EXPECT_THAT(obs["parent_seen_outside"], HasValue(::getpid()));
  EXPECT_EQ(plain_seen, plain.Pid());
}

INSTANTIATE_TEST_SUITE_P(Modes, PidNamespace, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
