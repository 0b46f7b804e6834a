// The runtime's Launch: every kind alone and together, both modes, and how failures,
// timeouts, crashes and signals come back.
#include "runtime/launch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "runtime/identity.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using testing::Observations;
using testing::SpecFor;

// Each kind, launched alone in each mode: the child's /proc/self/ns/<kind> differs from
// ours, and the child ran its body (exit code comes back).
class LaunchKind : public testing::NoLeaksTest,
                   public ::testing::WithParamInterface<std::tuple<Kind, Mode>> {};

TEST_P(LaunchKind, ChildIsInANewNamespaceOfThatKind) {
  auto [kind, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(kind, mode);
  std::string path = NsPath(0, kind);
  Observations obs;
  auto w = obs.Writer();
  Child child = Launch(SpecFor(mode, KindSet{kind}), [&] {
    struct stat st {};
    w.Result("stat", ::stat(path.c_str(), &st));
    w.Value("ino", static_cast<std::int64_t>(st.st_ino));
    return 42;
  });
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  obs.Collect();
  ASSERT_TRUE(st.exited) << st.Describe();
  EXPECT_EQ(st.code, 42);
  ASSERT_EQ(obs.Err("stat"), 0) << obs.Dump();
  auto mine = IdentityOf(0, kind);
  ASSERT_TRUE(mine);
  EXPECT_NE(static_cast<ino_t>(obs.Value("ino")), mine->ino)
      << "the child's " << path << " is the parent's: no new namespace";
}

INSTANTIATE_TEST_SUITE_P(Kinds, LaunchKind,
                         ::testing::Combine(::testing::Values(Kind::kMnt, Kind::kUts, Kind::kIpc,
                                                              Kind::kNet, Kind::kPid, Kind::kUser,
                                                              Kind::kCgroup, Kind::kTime),
                                            testing::kBothModes),
                         [](const auto& param_info) {
                           return std::string(Name(std::get<0>(param_info.param))) + "_" +
                                  std::string(ModeName(std::get<1>(param_info.param)));
                         });

class LaunchAll : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {};

TEST_P(LaunchAll, EveryKindAtOnceWithFullSetup) {
  for (const KindInfo& k : AllKinds()) NSPROBE_SKIP_UNLESS_AVAILABLE(k.kind, GetParam());
  Spec spec = SpecFor(GetParam(), KindSet::All());
  spec.map_root = true;
  spec.hostname = "nsprobe-all";
  spec.mount_proc = true;
  spec.loopback_up = true;
  spec.monotonic_offset = TimeOffset{1000, 0};
  Observations obs;
  auto w = obs.Writer();
  Child child = Launch(spec, [&] {
    utsname u{};
    ::uname(&u);
    w.Text("nodename", u.nodename);
    w.Value("pid", ::syscall(SYS_getpid));
    w.Value("uid", ::syscall(SYS_getuid));
    w.Link("proc_self", "/proc/self");
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    w.Value("monotonic", ts.tv_sec);
    for (const KindInfo& k : AllKinds()) {
      char path[64] = "/proc/self/ns/";
      char key[32] = "ns_";
      std::size_t n = 14, m = 3;
      for (char c : k.name) path[n++] = key[m++] = c;
      path[n] = key[m] = '\0';
      w.Link(key, path);
    }
    return 0;
  });
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_EQ(obs.Text("nodename"), "nsprobe-all") << obs.Dump();
  EXPECT_EQ(obs.Value("pid"), 1);
  EXPECT_EQ(obs.Value("uid"), 0);
  EXPECT_EQ(obs.Text("proc_self"), "1") << "the private /proc is not the new pid namespace's";
  timespec ours{};
  ::clock_gettime(CLOCK_MONOTONIC, &ours);
  EXPECT_GE(obs.Value("monotonic"), ours.tv_sec + 999) << "the monotonic offset is missing";
  for (const KindInfo& k : AllKinds())
    EXPECT_NE(obs.Text("ns_" + std::string(k.name)), ReadNsLink(0, k.kind)) << k.name;
}

INSTANTIATE_TEST_SUITE_P(Modes, LaunchAll, testing::kBothModes, testing::ModeParamName);

class LaunchTest : public testing::NoLeaksTest {};

TEST_F(LaunchTest, ExecModeReturnsTheCommandsStatus) {
  EXPECT_EQ(Launch(Spec{}, std::vector<std::string>{"true"}).Wait().code, 0);
  EXPECT_EQ(Launch(Spec{}, std::vector<std::string>{"sh", "-c", "exit 7"}).Wait().code, 7);
}

TEST_F(LaunchTest, ExecModeUsesSharedMemoryWhenNothingNeedsTheParent) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  LaunchReport report;
  Launch(SpecFor(Mode::kUnprivileged, KindSet{Kind::kUts}), std::vector<std::string>{"true"},
         {.report = &report})
      .Wait();
  EXPECT_TRUE(report.shared_memory);
  EXPECT_TRUE(report.used_clone3);
  // A body defaults to a copy: it may wait for the parent, which a vfork-style child cannot.
  Launch(Spec{}, [] { return 0; }, {.report = &report}).Wait();
  EXPECT_FALSE(report.shared_memory);
}

// A body runs on the launching thread's clone stack; a shared-memory launch from inside it
// must not clone onto that stack, or the body's own frames are overwritten.
TEST_F(LaunchTest, ABodyCanLaunchCommandsWithSharedMemory) {
  Child outer = Launch(Spec{}, [] {
    int sum = 0;
    for (int i = 0; i < 20; ++i) {
      LaunchReport report;
      ExitStatus st =
          Launch(Spec{}, std::vector<std::string>{"sh", "-c", "exit 3"}, {.report = &report})
              .Wait();
      if (!report.shared_memory) return 100;
      sum += st.code;
    }
    return sum == 60 ? 0 : 101;
  });
  ExitStatus st = outer.Wait(std::chrono::seconds(20));
  EXPECT_TRUE(st.Success()) << st.Describe();
}

// A copied body reports on a page its parent's thread keeps for the next launch: a body that
// launches bodies of its own while its parent does the same must get a page of its own, or
// one family reads the other's reports (here: the body's launches all fail their chdir, the
// parent's all succeed).
TEST_F(LaunchTest, ACopiedBodyAndItsParentLaunchBodiesSideBySide) {
  Spec lost;
  lost.working_directory = "/nonexistent/nsprobe";
  Child outer = Launch(Spec{}, [&] {
    for (int i = 0; i < 200; ++i) {
      try {
        Launch(lost, [] { return 0; }).Wait();
        return 1;
      } catch (const StepError& e) {
        if (e.step() != Step::kChdir) return 2;
      }
    }
    return 0;
  });
  for (int i = 0; i < 200; ++i) {
    try {
      ASSERT_TRUE(Launch(Spec{}, [&] { return i % 7; }).Wait().code == i % 7);
    } catch (const StepError& e) {
      FAIL() << "launch " << i << " heard another child's report: " << e.what();
    }
  }
  ExitStatus st = outer.Wait(std::chrono::seconds(20));
  EXPECT_TRUE(st.Success()) << st.Describe();
}

// A copied child that dies during its setup, before any report, is named so, not waited for:
// here a seccomp filter (inherited from a go-between) kills it at sethostname.
TEST_F(LaunchTest, ACopiedChildKilledDuringSetupIsNamedWithoutAReport) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kPrivileged);
  Spec spec = SpecFor(Mode::kPrivileged, KindSet{Kind::kUts});
  spec.hostname = "nsprobe-killed";
  Pipe said = Pipe::Make();
  Child between = Launch(Spec{}, [&] {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sethostname, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      return 3;
    try {
      Launch(spec, [] { return 0; }).Wait();
      return 4;
    } catch (const std::runtime_error& e) {
      (void)!::write(said.write.Get(), e.what(), std::strlen(e.what()));
      return 0;
    }
  });
  said.write.Reset();
  ExitStatus st = between.Wait(std::chrono::seconds(20));
  EXPECT_TRUE(st.Success()) << st.Describe();
  char buf[256] = {};
  (void)!::read(said.read.Get(), buf, sizeof buf - 1);
  EXPECT_THAT(buf, HasSubstr("child ended during setup without a report"));
  EXPECT_THAT(buf, HasSubstr("SIGSYS"));
}

// execve() enters time_for_children only on newer kernels (not 6.1): the child joins by
// setns() before it execs, which a shared mm cannot do, so a time namespace takes a copy.
TEST_F(LaunchTest, ATimeNamespaceIsEnteredBeforeExecInACopiedChild) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kTime, Mode::kPrivileged);
  Spec spec;
  spec.kinds = KindSet{Kind::kTime};
  spec.boottime_offset = TimeOffset{86400 * 3, 0};  // /proc/uptime reads CLOCK_BOOTTIME
  LaunchReport report;
  Pipe out = Pipe::Make();
  spec.fds = {{out.write.Get(), 1}};
  Child c = Launch(spec, std::vector<std::string>{"cat", "/proc/uptime"}, {.report = &report});
  out.write.Reset();
  char buf[128] = {};
  ssize_t n = ::read(out.read.Get(), buf, sizeof buf - 1);
  EXPECT_TRUE(c.Wait().Success());
  EXPECT_FALSE(report.shared_memory);
  ASSERT_GT(n, 0);
  EXPECT_GT(std::atof(buf), 86400.0 * 3) << "uptime inside: " << buf;
}

TEST_F(LaunchTest, RootWrittenMapsNeedACopiedChild) {
  if (::geteuid() != 0) GTEST_SKIP() << "privilege: root-written id maps need root";
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kPrivileged);
  // Inside a user namespace (unshare -Ur) root may map only ids mapped there itself.
  std::string uid_map = ReadFile("/proc/self/uid_map");
  if (uid_map.find("4294967295") == std::string::npos)
    GTEST_SKIP() << "privilege: uids 100000-165535 are not mapped in this user namespace ("
                 << uid_map.substr(0, uid_map.find('\n')) << ")";
  Spec spec;
  spec.kinds = KindSet{Kind::kUser};
  spec.uid_map = ParseIdMap("0 100000 65536");
  spec.gid_map = ParseIdMap("0 100000 65536");
  EXPECT_THROW(Launch(spec, std::vector<std::string>{"true"}, {.style = CloneStyle::kSharedMemory}),
               std::invalid_argument);
  Observations obs;
  auto w = obs.Writer();
  LaunchReport report;
  Child c = Launch(spec,
                   [&] {
                     w.File("uid_map", "/proc/self/uid_map");
                     w.Value("uid", ::syscall(SYS_getuid));
                     return 0;
                   },
                   {.report = &report});
  ASSERT_TRUE(c.Wait().Success());
  obs.Collect();
  EXPECT_FALSE(report.shared_memory);
  EXPECT_THAT(obs.Text("uid_map"), ::testing::MatchesRegex(" *0 +100000 +65536\n"));
  EXPECT_EQ(obs.Value("uid"), 0);
}

TEST_F(LaunchTest, AFailingChildStepIsReportedWithItsName) {
  // An unprivileged creator may map only its own id: mapping another is refused by the
  // kernel in the child, and the parent hears which step and which errno.
  Spec spec = SpecFor(Mode::kUnprivileged, KindSet{});
  spec.map_root = false;
  spec.uid_map = ParseIdMap("0 1000 1");
  if (::geteuid() != 0) spec.uid_map = ParseIdMap("0 0 1");
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kUnprivileged);
  try {
    Launch(spec, [] { return 0; });
    FAIL() << "mapping a foreign uid as an unprivileged creator succeeded";
  } catch (const StepError& e) {
    EXPECT_EQ(e.step(), Step::kUidMap);
    EXPECT_EQ(e.code().value(), EPERM);
    EXPECT_THAT(e.what(), HasSubstr("uid_map"));
    EXPECT_THAT(e.what(), HasSubstr("only its own id"));
  }
}

TEST_F(LaunchTest, ExecFailureIsReportedAsTheExecStep) {
  char path[] = "/tmp/nsprobe-notexec-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd,
                    "\x7f"
                    "ELFgarbage",
                    11),
            11);
  ::close(fd);
  ::chmod(path, 0755);
  try {
    Launch(Spec{}, std::vector<std::string>{path});
    ADD_FAILURE() << "execve of a garbage file succeeded";
  } catch (const StepError& e) {
    EXPECT_EQ(e.step(), Step::kExec);
    EXPECT_EQ(e.code().value(), ENOEXEC);
  }
  ::unlink(path);
  EXPECT_THROW(Launch(Spec{}, std::vector<std::string>{"no-such-program-nsprobe"}),
               std::invalid_argument);
}

TEST_F(LaunchTest, TimeoutKillsTheChildAndItsWholePidNamespace) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, Mode::kUnprivileged);
  Observations obs;
  auto w = obs.Writer();
  Child child = Launch(SpecFor(Mode::kUnprivileged, KindSet{Kind::kPid}), [&] {
    long pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid == 0) {
      w.Value("member_ready", 1);
      ::close(w.Fd());
      while (true) ::pause();
    }
    ::close(w.Fd());
    while (true) ::pause();
    return 0;
  });
  // Find the member: the only child of our child, in our pid namespace.
  obs.Collect();
  ASSERT_TRUE(obs.Has("member_ready"));
  pid_t member = -1;
  // Scan /proc for the process whose parent is our child.
  for (int attempt = 0; attempt < 200 && member < 0; ++attempt) {
    DIR* d = ::opendir("/proc");
    while (dirent* e = ::readdir(d)) {
      std::string stat;
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      if (!TryReadFile(std::string("/proc/") + e->d_name + "/stat", stat)) continue;
      auto paren = stat.rfind(')');
      if (paren != std::string::npos && std::atoi(stat.c_str() + paren + 4) == child.Pid())
        member = std::atoi(e->d_name);
    }
    ::closedir(d);
  }
  ASSERT_GT(member, 0) << "the member of the pid namespace was not found";
  ExitStatus st = child.Wait(std::chrono::milliseconds(200));
  EXPECT_TRUE(st.timed_out);
  EXPECT_EQ(st.signal, SIGKILL);
  EXPECT_THAT(st.Describe(), HasSubstr("timed out"));
  // The kernel kills every member when init dies; it is reaped outside, so allow a moment.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    std::string stat;
    gone = !TryReadFile("/proc/" + std::to_string(member) + "/stat", stat) ||
           stat.find(") Z") != std::string::npos || stat.find(") X") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(gone) << "member " << member << " outlived its killed pid namespace init";
}

TEST_F(LaunchTest, CrashesAndSignalsAreReported) {
  ExitStatus crashed = Launch(Spec{}, [] {
                         __builtin_trap();
                         return 0;
                       }).Wait();
  EXPECT_FALSE(crashed.exited);
  EXPECT_EQ(crashed.signal, SIGILL) << crashed.Describe();
  EXPECT_THAT(crashed.Describe(), HasSubstr("SIGILL"));

  Pipe hold = Pipe::Make();
  Child sleeper = Launch(Spec{}, [&] {
    char c;
    return static_cast<int>(::read(hold.read.Get(), &c, 1));
  });
  ASSERT_TRUE(sleeper.Signal(SIGUSR1));
  ExitStatus st = sleeper.Wait(std::chrono::seconds(10));
  EXPECT_FALSE(st.timed_out);
  EXPECT_EQ(st.signal, SIGUSR1) << st.Describe();
}

TEST_F(LaunchTest, DestroyingTheHandleKillsAndReapsTheChild) {
  Pipe hold = Pipe::Make();
  pid_t pid;
  {
    Child c = Launch(Spec{}, [&] {
      char ch;
      return static_cast<int>(::read(hold.read.Get(), &ch, 1));
    });
    pid = c.Pid();
    EXPECT_TRUE(testing::ChildPids().count(pid));
  }
  EXPECT_FALSE(testing::ChildPids().count(pid)) << "pid " << pid << " survived its handle";
}

TEST_F(LaunchTest, TheCommandInheritsOnlyTheDescriptorsItIsGiven) {
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 0);
  Pipe out = Pipe::Make();
  Spec spec;
  spec.fds = {{out.write.Get(), 1}};
  Child c = Launch(spec, std::vector<std::string>{"ls", "/proc/self/fd"});
  out.write.Reset();
  std::string listing;
  char buf[256];
  for (ssize_t n; (n = ::read(out.read.Get(), buf, sizeof buf)) > 0;)
    listing.append(buf, static_cast<std::size_t>(n));
  EXPECT_TRUE(c.Wait().Success());
  ::close(leaky);
  // 0, 1, 2, and the descriptor ls opened to read the directory.
  EXPECT_EQ(listing, "0\n1\n2\n3\n") << "fd " << leaky << " leaked into the command";
}

TEST_F(LaunchTest, ReportsPerPhaseTimesFromTheChild) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  Spec spec = SpecFor(Mode::kUnprivileged, KindSet{Kind::kUts});
  spec.hostname = "phases";
  LaunchReport report;
  Launch(spec, std::vector<std::string>{"true"}, {.report = &report, .phase_times = true}).Wait();
  EXPECT_GT(report.phase_ns[static_cast<int>(Phase::kIdMaps)], 0);
  EXPECT_GT(report.phase_ns[static_cast<int>(Phase::kHostname)], 0);
  EXPECT_GT(report.phase_ns[static_cast<int>(Phase::kExec)], 0);
}

// Timing is asked for: without it the child never reads the clock, and every phase is zero.
TEST_F(LaunchTest, ReportsNoPhaseTimesUnlessAsked) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  Spec spec = SpecFor(Mode::kUnprivileged, KindSet{Kind::kUts});
  spec.hostname = "phases";
  LaunchReport report;
  report.phase_ns.fill(-1);
  Launch(spec, std::vector<std::string>{"true"}, {.report = &report}).Wait();
  for (int i = 0; i < kPhaseCount; ++i)
    EXPECT_EQ(report.phase_ns[static_cast<std::size_t>(i)], 0) << PhaseName(static_cast<Phase>(i));
}

TEST_F(LaunchTest, ClassOfTheErrorForAnUnknownProgram) {
  try {
    Launch(Spec{}, std::vector<std::string>{"nsprobe-no-such-tool"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("not found in PATH"));
  }
}

}  // namespace
}  // namespace nsprobe
