// limits: user.max_<kind>_namespaces and the nesting depths. Every limit is set inside a
// fresh user namespace this suite creates (the sysctls are per user namespace and bind its
// descendants), never on the host. Counters are returned when a namespace is freed, which for
// several kinds happens later on a workqueue: the cases poll with a bound and report how long.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "suites/support/child.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe {
namespace {

using testing::ForkInChild;
using testing::FreshUserNamespace;
using testing::HasText;
using testing::HasValue;
using ::testing::Ne;
using testing::Observations;
using testing::Succeeded;
using testing::WaitInChild;
using namespace std::chrono_literals;

constexpr std::int64_t kCounterLimitNs = 10'000'000'000;  // bound on asynchronous frees

// The init user namespace's inode, fixed since Linux 3.8 (PROC_USER_INIT_INO).
constexpr ino_t kInitUserIno = 0xEFFFFFFD;

// Creates a namespace of `flag` in a forked copy, which exits with 0 or the errno. unshare(2)
// serves every kind (CLONE_NEWTIME cannot go through clone(2)) and creates the namespace at
// once, also for pid and time whose members are only the caller's later children.
// Async-signal-safe.
int TryCreateInChild(int flag) {
  long pid = ForkInChild();
  if (pid < 0) return errno;
  if (pid == 0) ::_exit(testing::Unshare(flag) == 0 ? 0 : errno);
  int status = WaitInChild(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

void ReportDuration(const std::string& what, std::int64_t ns) {
  ::testing::Test::RecordProperty(what, std::to_string(ns / 1000));
  std::printf("[ teardown ] %s: %.3f ms\n", what.c_str(), static_cast<double>(ns) / 1e6);
}

// ---------------------------------------------------------------------------------------------
// user.max_<kind>_namespaces=1: one namespace, then ENOSPC; the count comes back once the
// first is freed.

class MaxNamespaces : public testing::NoLeaksTest,
                      public ::testing::WithParamInterface<std::tuple<Kind, Mode>> {};

TEST_P(MaxNamespaces, EnforcedPastTheLimitAndReturnedAfterTheNamespaceDies) {
  const auto [kind, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, mode);
  // The kind itself is created inside the fresh user namespace: the unprivileged path.
  NSPROBE_SKIP_UNLESS_AVAILABLE(kind, Mode::kUnprivileged);
  NSPROBE_SKIP_IF_PROC_SYS_READ_ONLY();
  const std::string sysctl = testing::MaxNamespacesSysctl(kind);
  const int flag = static_cast<int>(CloneFlag(kind));
  std::string host_before;
  ASSERT_TRUE(TryReadFile(sysctl, host_before)) << sysctl;

  Observations obs;
  auto w = obs.Writer();
  // LaunchInNew: never writes a limit outside a user namespace of its own.
  Child c = testing::LaunchInNew(FreshUserNamespace(mode), [&] {
    w.File("default", sysctl.c_str());
    w.Status("set", WriteOnceInChild(sysctl.c_str(), "1"));
    w.File("now", sysctl.c_str());
    // The first namespace, kept by a forked copy until we let it go.
    int sync[2], hold[2];
    if (::pipe2(sync, O_CLOEXEC) != 0 || ::pipe2(hold, O_CLOEXEC) != 0) return 81;
    long keeper = ForkInChild();
    if (keeper == 0) {
      ::close(hold[1]);
      int err = testing::Unshare(flag) == 0 ? 0 : errno;
      w.Value("first", err);
      char ch = 0;
      if (::write(sync[1], &ch, 1) != 1 || err != 0) ::_exit(1);
      ::_exit(::read(hold[0], &ch, 1) == 0 ? 0 : 2);
    }
    char ch;
    if (keeper < 0 || ::read(sync[0], &ch, 1) != 1) return 82;
    w.Value("second", TryCreateInChild(flag));
    ::close(hold[1]);
    w.Value("keeper", WaitInChild(keeper));
    // Freed on a workqueue for some kinds (user, net, ipc): poll with a bound.
    const std::int64_t t0 = testing::MonotonicNsInChild();
    int err;
    long tries = 0;
    do {
      if (tries++ > 0) testing::SleepUsInChild(100);
      err = TryCreateInChild(flag);
    } while (err == ENOSPC && testing::MonotonicNsInChild() - t0 < kCounterLimitNs);
    w.Value("again", err);
    w.Value("took_ns", testing::MonotonicNsInChild() - t0);
    w.Value("tries", tries);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs, 30s)) << sysctl;
  ASSERT_THAT(obs["set"], Succeeded()) << "root in the fresh namespace cannot set " << sysctl;
  EXPECT_THAT(obs["now"], HasText("1\n"));
  EXPECT_THAT(obs["first"], HasValue(0)) << "the first " << Name(kind) << " namespace";
  EXPECT_THAT(obs["second"], HasValue(ENOSPC)) << "past the limit";
  EXPECT_THAT(obs["keeper"], HasValue(0));
  ASSERT_THAT(obs["again"], HasValue(0)) << "the count never came back";
  ReportDuration(std::string(Name(kind)) + "_counter_back_after_exit", obs.Value("took_ns"));
  // Contrast: the host's limit is untouched, and it is not the one we set.
  std::string host_after;
  ASSERT_TRUE(TryReadFile(sysctl, host_after));
  EXPECT_EQ(host_after, host_before);
  EXPECT_NE(host_after, "1\n");
}

INSTANTIATE_TEST_SUITE_P(Kinds, MaxNamespaces, testing::kEveryKindBothModes,
                         testing::KindModeParamName);

class Limits : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {};

// ---------------------------------------------------------------------------------------------
// max_user_namespaces=0 stops even root of that namespace, and binds its descendants: what
// bubblewrap's --disable-userns relies on.

TEST_P(Limits, MaxUserNamespacesZeroBlocksRootInThatNamespace) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, GetParam());
  NSPROBE_SKIP_IF_PROC_SYS_READ_ONLY();
  const std::string sysctl = testing::MaxNamespacesSysctl(Kind::kUser);
  Observations obs;
  auto w = obs.Writer();
  // LaunchInNew: never writes a limit outside a user namespace of its own.
  Child c = testing::LaunchInNew(FreshUserNamespace(GetParam()), [&] {
    w.Value("uid", ::syscall(SYS_geteuid));
    w.Value("before", TryCreateInChild(CLONE_NEWUSER));
    w.Status("set", WriteOnceInChild(sysctl.c_str(), "0"));
    w.Value("after", TryCreateInChild(CLONE_NEWUSER));
    w.Value("with_net", TryCreateInChild(CLONE_NEWUSER | CLONE_NEWNET));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs, 10s)) << sysctl;
  EXPECT_THAT(obs["uid"], HasValue(0));
  EXPECT_THAT(obs["before"], HasValue(0)) << "contrast: allowed before the limit";
  ASSERT_THAT(obs["set"], Succeeded());
  EXPECT_THAT(obs["after"], HasValue(ENOSPC));
  EXPECT_THAT(obs["with_net"], HasValue(ENOSPC));
}

TEST_P(Limits, ALimitBindsNestedUserNamespacesWhoseOwnLimitIsHigher) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, GetParam());
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, Mode::kUnprivileged);
  NSPROBE_SKIP_IF_PROC_SYS_READ_ONLY();
  const std::string sysctl = testing::MaxNamespacesSysctl(Kind::kNet);
  Observations obs;
  auto w = obs.Writer();
  // LaunchInNew: never writes a limit outside a user namespace of its own.
  Child c = testing::LaunchInNew(FreshUserNamespace(GetParam()), [&] {
    w.Status("set", WriteOnceInChild(sysctl.c_str(), "0"));
    long pid = ForkInChild(CLONE_NEWUSER);
    if (pid == 0) {
      // One level down: this namespace's own limit is the default, yet the parent's 0 binds.
      w.File("nested_limit", sysctl.c_str());
      ::_exit(testing::Unshare(CLONE_NEWNET) == 0 ? 0 : errno);
    }
    int status = WaitInChild(pid);
    w.Value("nested_net", WIFEXITED(status) ? WEXITSTATUS(status) : 255);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs, 10s)) << sysctl;
  ASSERT_THAT(obs["set"], Succeeded());
  EXPECT_THAT(obs["nested_limit"], HasText(Ne("0\n")));
  EXPECT_THAT(obs["nested_net"], HasValue(ENOSPC));
}

// ---------------------------------------------------------------------------------------------
// Nesting depth: pid namespaces stop at 32 levels below the initial one (pid_namespaces(7)),
// user namespaces at 32 or 33 (user_namespaces(7) promises 32; the kernel's check is
// `parent->level > 32`). Both end in ENOSPC (EUSERS for user before 4.9). Probed, reported.

// The number of levels in this process's "NSpid:" line: its pid namespace depth plus one.
// Async-signal-safe.
int NsPidLevels() {
  char buf[2048];
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  const char* p = std::strstr(buf, "\nNSpid:");
  if (p == nullptr) return -1;
  int levels = 0;
  bool in_number = false;
  for (p += 7; *p != '\0' && *p != '\n'; ++p) {
    bool digit = *p >= '0' && *p <= '9';
    if (digit && !in_number) ++levels;
    in_number = digit;
  }
  return levels;
}

TEST_P(Limits, PidNamespacesNest32LevelsThenEnospc) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, GetParam());
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(testing::SpecFor(GetParam(), KindSet{Kind::kPid}), [&] {
    w.Value("start_levels", NsPidLevels());
    for (;;) {
      long pid = ForkInChild(CLONE_NEWPID);
      if (pid < 0) {
        w.Value("fail_errno", errno);
        w.Value("deepest_levels", NsPidLevels());
        return 0;
      }
      if (pid == 0) continue;  // the init of one level deeper
      int status = WaitInChild(pid);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
  });
  ExitStatus st = c.Wait(30s);
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  const int ours = NsPidLevels();
  EXPECT_THAT(obs["start_levels"], HasValue(ours + 1))
      << "the launched child is not one level down";
  EXPECT_THAT(obs["fail_errno"], HasValue(ENOSPC));
  const std::int64_t depth = obs.Value("deepest_levels") - 1;
  ::testing::Test::RecordProperty("pid_nesting_depth", std::to_string(depth));
  std::printf("[ limits ] pid namespaces nest %lld levels below the initial one\n",
              static_cast<long long>(depth));
  EXPECT_EQ(depth, 32);
}

TEST_P(Limits, UserNamespacesNestAtLeast32LevelsThenEnospc) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, GetParam());
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(FreshUserNamespace(GetParam()), [&] {
    w.Link("top", "/proc/self/ns/user");
    for (int level = 1;; ++level) {  // levels below the launched namespace
      long pid = ForkInChild(CLONE_NEWUSER);
      if (pid < 0) {
        w.Value("fail_errno", errno);
        w.Value("created", level - 1);
        return 0;
      }
      if (pid == 0) {
        // Map root to our parent's root (our own euid there), as an unprivileged writer may.
        if (int e = WriteOnceInChild("/proc/self/setgroups", "deny")) ::_exit(e);
        if (int e = WriteOnceInChild("/proc/self/gid_map", "0 0 1")) ::_exit(e);
        if (int e = WriteOnceInChild("/proc/self/uid_map", "0 0 1")) ::_exit(e);
        continue;
      }
      int status = WaitInChild(pid);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    }
  });
  ExitStatus st = c.Wait(30s);
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_THAT(obs["top"], HasText(Ne(ReadNsLink(0, Kind::kUser))))
      << "no user namespace was launched";
  EXPECT_THAT(obs["fail_errno"], HasValue(ENOSPC));
  // Levels below the initial user namespace: ours (0 unless we run in one), the launched one,
  // and those the child created.
  const bool ours_is_init = testing::InodeOf("/proc/self/ns/user") == kInitUserIno;
  const std::int64_t below_ours = obs.Value("created") + 1;
  ::testing::Test::RecordProperty("user_nesting_below_test", std::to_string(below_ours));
  std::printf("[ limits ] user namespaces nest %lld levels below the test's%s\n",
              static_cast<long long>(below_ours), ours_is_init ? " (the initial one)" : "");
  if (ours_is_init) {
    EXPECT_GE(below_ours, 32);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, Limits, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
