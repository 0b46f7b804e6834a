// Time namespaces (time_namespaces(7); kernel-semantics.md statements 49-54): per-namespace
// CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets, seen through the vDSO, the syscall, /proc and
// timers; CLOCK_REALTIME untouched; offsets frozen once a process enters; unshare moves
// children and setns moves the caller.
//
// A child's clock reading is checked against ours taken before the launch and after the
// wait: child - offset must lie between them. That bracket holds on any machine, however
// slow, so no assertion depends on timing.
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "suites/support/child.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_test.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsprobe {
namespace {

using testing::FailedWith;
using ::testing::Ge;
using testing::HasText;
using testing::HasValue;
using ::testing::Ne;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
using testing::Succeeded;

constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kDay = 86400;
// Large enough to stand out from any runtime of the test, different per clock, with
// nanoseconds so a dropped fraction shows.
constexpr TimeOffset kMonotonicOffset{10 * kDay, 250'000'000};
constexpr TimeOffset kBoottimeOffset{20 * kDay, 500'000'000};

std::int64_t Ns(const timespec& ts) { return ts.tv_sec * kNsPerSec + ts.tv_nsec; }
std::int64_t Ns(const TimeOffset& o) { return o.seconds * kNsPerSec + o.nanoseconds; }

// The clocks a time namespace offsets, and realtime, which it must not. CLOCK_BOOTTIME_ALARM
// is offset too but needs an RTC to be read at all, which a VM may lack (EINVAL).
struct ClockInfo {
  clockid_t id;
  const char* vdso_key;
  const char* syscall_key;
  bool boottime;  // offset by the boottime offset, else by the monotonic one
  bool offset;
};
constexpr ClockInfo kClocks[] = {
    {CLOCK_MONOTONIC, "vdso_monotonic", "sys_monotonic", false, true},
    {CLOCK_MONOTONIC_COARSE, "vdso_monotonic_coarse", "sys_monotonic_coarse", false, true},
    {CLOCK_MONOTONIC_RAW, "vdso_monotonic_raw", "sys_monotonic_raw", false, true},
    {CLOCK_BOOTTIME, "vdso_boottime", "sys_boottime", true, true},
    {CLOCK_REALTIME, "vdso_realtime", "sys_realtime", false, false},
};

std::int64_t Now(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return Ns(ts);
}

// Async-signal-safe: clock_gettime through the vDSO (glibc) and through the raw syscall.
void RecordClocks(const ObservationWriter& w) {
  for (const ClockInfo& c : kClocks) {
    timespec ts{};
    ::clock_gettime(c.id, &ts);
    w.Value(c.vdso_key, Ns(ts));
    ::syscall(SYS_clock_gettime, c.id, &ts);
    w.Value(c.syscall_key, Ns(ts));
  }
}

// Waits (bounded) for a body to end and collects what it recorded; a fatal failure, with
// everything recorded, unless it exited 0.
void WaitAndCollect(Child& child, Observations& obs) {
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
}

// Our reading of a clock before and after the child ran.
struct Bracket {
  std::int64_t before = 0;
  std::int64_t after = 0;
};

// Passes when `seen - offset` lies within our bracket; prints all of it otherwise.
::testing::AssertionResult Within(std::int64_t seen, std::int64_t offset, const Bracket& ours) {
  const std::int64_t unshifted = seen - offset;
  if (unshifted >= ours.before && unshifted <= ours.after) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << fmt::format(
             "the child read {} ns; minus the expected offset {} ns that is {}, outside our "
             "readings [{}, {}] (off by {:+.3f} s)",
             seen, offset, unshifted, ours.before, ours.after,
             static_cast<double>(unshifted < ours.before ? unshifted - ours.before
                                                         : unshifted - ours.after) /
                 kNsPerSec);
}

// A signed decimal at the start of `p`. Async-signal-safe.
std::int64_t ParseLong(const char* p) {
  bool negative = *p == '-';
  if (negative) ++p;
  std::int64_t v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return negative ? -v : v;
}

// The number after "btime " in /proc/stat (seconds since the epoch at boot).
// Async-signal-safe.
std::int64_t ReadBtime() {
  char buf[16384];
  int fd = ::open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t got = 0, n;
  while (got < static_cast<ssize_t>(sizeof buf) - 1 &&
         (n = ::read(fd, buf + got, sizeof buf - 1 - static_cast<std::size_t>(got))) > 0)
    got += n;
  ::close(fd);
  buf[got < 0 ? 0 : got] = '\0';
  const char* at = std::strstr(buf, "\nbtime ");
  return at ? ParseLong(at + 7) : -1;
}

// /proc/uptime's first field in centiseconds ("2172.46 ..." -> 217246). Async-signal-safe.
std::int64_t ReadUptimeCentis() {
  char buf[128] = {};
  int fd = ::open("/proc/uptime", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  const char* dot = std::strchr(buf, '.');
  return dot ? ParseLong(buf) * 100 + ParseLong(dot + 1) : -1;
}

std::int64_t HostBtime() {
  std::string stat = ReadFile("/proc/stat");
  std::size_t at = stat.find("\nbtime ");
  return at == std::string::npos ? -1 : std::stoll(stat.substr(at + 7));
}

class TimeNamespace : public testing::KindTest<Kind::kTime> {
 protected:
  // Launches a child in a new time namespace with both offsets (the runtime's path: it
  // unshares, writes the offsets, enters by setns) and records every clock in it, with our
  // own readings around it.
  void LaunchAndReadClocks() {
    Spec spec = SpecFor(GetParam(), KindSet{Kind::kTime});
    spec.monotonic_offset = kMonotonicOffset;
    spec.boottime_offset = kBoottimeOffset;
    for (const ClockInfo& c : kClocks) brackets_[c.id].before = Now(c.id);
    btime_before_ = HostBtime();
    const ObservationWriter& w = w_;
    Child child = testing::Launch(spec, [&] {
      RecordClocks(w);
      w.Value("uptime_centis", ReadUptimeCentis());
      struct sysinfo info {};
      w.Result("sysinfo", ::sysinfo(&info));
      w.Value("sysinfo_uptime", info.uptime);
      w.Value("btime", ReadBtime());
      w.Link("ns", "/proc/self/ns/time");
      return 0;
    });
    ExitStatus st = child.Wait(std::chrono::seconds(10));
    for (const ClockInfo& c : kClocks) brackets_[c.id].after = Now(c.id);
    btime_after_ = HostBtime();
    obs_.Collect();
    ASSERT_TRUE(testing::Exited0(st));
    ASSERT_NE(obs_.Text("ns"), ReadNsLink(0, Kind::kTime)) << "the child shares our namespace";
  }

  std::map<clockid_t, Bracket> brackets_;
  std::int64_t btime_before_ = 0, btime_after_ = 0;
};

TEST_P(TimeNamespace, MonotonicOffsetShowsInVdsoAndSyscall) {
  ASSERT_NO_FATAL_FAILURE(LaunchAndReadClocks());
  for (const ClockInfo& c : kClocks) {
    if (!c.offset || c.boottime) continue;
    EXPECT_TRUE(Within(obs_.Value(c.vdso_key), Ns(kMonotonicOffset), brackets_[c.id]))
        << c.vdso_key;
    EXPECT_TRUE(Within(obs_.Value(c.syscall_key), Ns(kMonotonicOffset), brackets_[c.id]))
        << c.syscall_key;
  }
}

TEST_P(TimeNamespace, BoottimeOffsetShowsInClocksUptimeAndBtime) {
  ASSERT_NO_FATAL_FAILURE(LaunchAndReadClocks());
  const Bracket& boot = brackets_[CLOCK_BOOTTIME];
  EXPECT_TRUE(Within(obs_.Value("vdso_boottime"), Ns(kBoottimeOffset), boot));
  EXPECT_TRUE(Within(obs_.Value("sys_boottime"), Ns(kBoottimeOffset), boot));
  // /proc/uptime truncates to centiseconds, sysinfo() rounds up to whole seconds.
  const std::int64_t centi = kNsPerSec / 100;
  EXPECT_TRUE(Within(obs_.Value("uptime_centis") * centi, Ns(kBoottimeOffset),
                     {boot.before - centi, boot.after}))
      << "/proc/uptime";
  ASSERT_EQ(obs_.Err("sysinfo"), 0);
  EXPECT_TRUE(Within(obs_.Value("sysinfo_uptime") * kNsPerSec, Ns(kBoottimeOffset),
                     {boot.before, boot.after + kNsPerSec}))
      << "sysinfo().uptime";
  // The boot moment moves back by the offset, to within the second btime is printed in.
  EXPECT_GE(obs_.Value("btime"), btime_before_ - kBoottimeOffset.seconds - 1)
      << "ours: " << btime_before_ << ".." << btime_after_;
  EXPECT_LE(obs_.Value("btime"), btime_after_ - kBoottimeOffset.seconds)
      << "ours: " << btime_before_ << ".." << btime_after_;
}

TEST_P(TimeNamespace, RealtimeIsNotVirtualised) {
  ASSERT_NO_FATAL_FAILURE(LaunchAndReadClocks());
  EXPECT_TRUE(Within(obs_.Value("vdso_realtime"), 0, brackets_[CLOCK_REALTIME]));
  EXPECT_TRUE(Within(obs_.Value("sys_realtime"), 0, brackets_[CLOCK_REALTIME]));
  // Contrast in the same child: its monotonic clock did move.
  EXPECT_TRUE(
      Within(obs_.Value("sys_monotonic"), Ns(kMonotonicOffset), brackets_[CLOCK_MONOTONIC]));
}

// A program exec'd by the runtime enters the namespace at execve and keeps the offsets.
TEST_P(TimeNamespace, ExecKeepsTheOffsets) {
  Spec spec = SpecFor(GetParam(), KindSet{Kind::kTime});
  spec.boottime_offset = kBoottimeOffset;
  Pipe out = Pipe::Make();
  spec.fds = {{out.write.Get(), 1}};
  Bracket boot{Now(CLOCK_BOOTTIME), 0};
  Child child = testing::Launch(spec, std::vector<std::string>{"cat", "/proc/uptime"});
  out.write.Reset();
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  boot.after = Now(CLOCK_BOOTTIME);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(out.read.Get(), buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  ASSERT_TRUE(st.Success()) << st.Describe();
  double uptime = std::stod(text);
  EXPECT_TRUE(Within(static_cast<std::int64_t>(uptime * 100 + 0.5) * (kNsPerSec / 100),
                     Ns(kBoottimeOffset), {boot.before - kNsPerSec / 100, boot.after}))
      << "cat /proc/uptime printed " << text;
}

// Absolute sleeps and timers name namespace time: a deadline 20 ms after the namespace's
// "now" expires after 20 ms, not after the offset (ten days) had the kernel read it as ours.
TEST_P(TimeNamespace, AbsoluteSleepAndTimerfdUseNamespaceTime) {
  Spec spec = SpecFor(GetParam(), KindSet{Kind::kTime});
  spec.monotonic_offset = kMonotonicOffset;
  Bracket mono{Now(CLOCK_MONOTONIC), 0};
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(spec, [&] {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    w.Value("start", Ns(now));
    timespec deadline = now;
    deadline.tv_nsec += 20'000'000;
    if (deadline.tv_nsec >= kNsPerSec) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= kNsPerSec;
    }
    w.Value("sleep", ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr));
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    w.Value("after_sleep", Ns(now));
    int tfd = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    w.Result("timerfd_create", tfd);
    itimerspec spec_abs{};
    spec_abs.it_value = now;
    spec_abs.it_value.tv_nsec += 20'000'000;
    if (spec_abs.it_value.tv_nsec >= kNsPerSec) {
      spec_abs.it_value.tv_sec += 1;
      spec_abs.it_value.tv_nsec -= kNsPerSec;
    }
    w.Result("timerfd_settime", ::timerfd_settime(tfd, TFD_TIMER_ABSTIME, &spec_abs, nullptr));
    std::uint64_t expirations = 0;
    w.Result("timerfd_read", ::read(tfd, &expirations, sizeof expirations));
    w.Value("expirations", static_cast<std::int64_t>(expirations));
    ::close(tfd);
    return 0;
  });
  // Ten seconds is a bound for the wait, not a measurement: the deadlines are 20 ms away.
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  mono.after = Now(CLOCK_MONOTONIC);
  obs.Collect();
  ASSERT_FALSE(st.timed_out) << "an absolute deadline was read in the host's time";
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_TRUE(Within(obs.Value("start"), Ns(kMonotonicOffset), mono));
  EXPECT_THAT(obs["sleep"], HasValue(0));
  EXPECT_THAT(obs["after_sleep"], HasValue(Ge(obs.Value("start") + 20'000'000)));
  EXPECT_THAT(obs["timerfd_settime"], Succeeded());
  EXPECT_THAT(obs["timerfd_read"], HasValue(8));
  EXPECT_THAT(obs["expirations"], HasValue(1));
}

// The cases below drive unshare/setns/timens_offsets by hand inside a child of the mode's
// spec (a user namespace in the unprivileged mode).

// Offsets can be written only until the first process enters, by fork or by setns; after
// that the kernel answers EACCES, and the member keeps the first offset.
enum class Entry : std::uint8_t { kFork, kSetns };
void PrintTo(Entry entry, std::ostream* os) { *os << (entry == Entry::kFork ? "fork" : "setns"); }

class TimeNamespaceEntry : public testing::NoLeaksTest,
                           public ::testing::WithParamInterface<std::tuple<Mode, Entry>> {};

TEST_P(TimeNamespaceEntry, OffsetsAreFrozenOnceAProcessEntered) {
  auto [mode, entry] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kTime, mode);
  Bracket mono{Now(CLOCK_MONOTONIC), 0};
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode, {}), [&] {
    w.Result("unshare", testing::Unshare(CLONE_NEWTIME));
    int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    w.Result("open", fd);
    const char first[] = "monotonic 100 0";
    w.Result("write_first", ::write(fd, first, sizeof first - 1));
    if (entry == Entry::kFork) {
      long pid = testing::ForkInChild();
      if (pid == 0) {
        timespec ts{};
        ::clock_gettime(CLOCK_MONOTONIC, &ts);
        w.Value("member_monotonic", Ns(ts));
        ::_exit(0);
      }
      if (pid > 0) testing::WaitInChild(pid);
    } else {
      int ns = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
      w.Result("setns", ::setns(ns, CLONE_NEWTIME));
      timespec ts{};
      ::clock_gettime(CLOCK_MONOTONIC, &ts);
      w.Value("member_monotonic", Ns(ts));
    }
    const char second[] = "monotonic 200 0";
    w.Result("write_second", ::write(fd, second, sizeof second - 1));
    int again = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    w.Result("write_reopened", ::write(again, second, sizeof second - 1));
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  mono.after = Now(CLOCK_MONOTONIC);
  ASSERT_THAT(obs["unshare"], Succeeded());
  EXPECT_THAT(obs["write_first"], Succeeded()) << "before anyone entered";
  if (entry == Entry::kSetns) {
    ASSERT_THAT(obs["setns"], Succeeded());
  }
  EXPECT_THAT(obs["write_second"], FailedWith(EACCES));
  EXPECT_THAT(obs["write_reopened"], FailedWith(EACCES));
  EXPECT_TRUE(Within(obs.Value("member_monotonic"), 100 * kNsPerSec, mono));
}

INSTANTIATE_TEST_SUITE_P(ModesAndEntries, TimeNamespaceEntry,
                         ::testing::Combine(testing::kBothModes,
                                            ::testing::Values(Entry::kFork, Entry::kSetns)),
                         [](const auto& param_info) {
                           return fmt::format(
                               "{}_{}", ModeName(std::get<0>(param_info.param)),
                               std::get<1>(param_info.param) == Entry::kFork ? "fork" : "setns");
                         });

// LTP timens01's table: malformed lines give EINVAL, offsets that overflow the kernel's
// 64-bit nanosecond clocks give ERANGE; a well-formed line to the same file then succeeds.
TEST_P(TimeNamespace, MalformedOffsetLinesAreRejected) {
  struct Case {
    const char* what;
    const char* line;
    int err;
  };
  static constexpr Case kCases[] = {
      {"garbage", "not an offset", EINVAL},
      {"missing nanoseconds", "1 10", EINVAL},
      {"negative nanoseconds", "1 10 -10", EINVAL},
      {"nanoseconds over a second", "1 10 1000000001", EINVAL},
      {"CLOCK_REALTIME", "0 10 0", EINVAL},
      {"junk on the second line", "1 10 0\na", EINVAL},
      {"overflow", "1 9223372036 0", ERANGE},
      {"negative overflow", "1 -9223372036 0", ERANGE},
  };
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), {}), [&] {
    w.Result("unshare", testing::Unshare(CLONE_NEWTIME));
    int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    w.Result("open", fd);
    for (const Case& c : kCases) w.Result(c.what, ::write(fd, c.line, std::strlen(c.line)));
    const char good[] = "1 10 0";
    w.Result("well-formed", ::write(fd, good, sizeof good - 1));
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["open"], Succeeded());
  for (const Case& c : kCases)
    EXPECT_THAT(obs[c.what], FailedWith(c.err))
        << c.what << ": write(\"" << c.line << "\") returned " << obs.Value(c.what);
  EXPECT_THAT(obs["well-formed"], Succeeded());
}

// unshare(CLONE_NEWTIME) leaves the caller where it was and changes only
// time_for_children: the caller's clocks have no offset, its next child's do.
TEST_P(TimeNamespace, UnshareMovesChildrenNotTheCaller) {
  Bracket mono{Now(CLOCK_MONOTONIC), 0};
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), {}), [&] {
    w.Link("time_before", "/proc/self/ns/time");
    w.Result("unshare", testing::Unshare(CLONE_NEWTIME));
    int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    const char offset[] = "monotonic 86400 0";
    w.Result("write", ::write(fd, offset, sizeof offset - 1));
    w.Link("time_after", "/proc/self/ns/time");
    w.Link("for_children_after", "/proc/self/ns/time_for_children");
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    w.Value("caller_monotonic", Ns(ts));
    long pid = testing::ForkInChild();
    if (pid == 0) {
      w.Link("child_time", "/proc/self/ns/time");
      ::clock_gettime(CLOCK_MONOTONIC, &ts);
      w.Value("child_monotonic", Ns(ts));
      ::_exit(0);
    }
    if (pid > 0) testing::WaitInChild(pid);
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  mono.after = Now(CLOCK_MONOTONIC);
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["write"], Succeeded());
  EXPECT_THAT(obs["time_after"], HasText(obs.Text("time_before")));
  EXPECT_THAT(obs["for_children_after"], HasText(Ne(obs.Text("time_before"))));
  EXPECT_THAT(obs["child_time"], HasText(obs.Text("for_children_after")));
  EXPECT_TRUE(Within(obs.Value("caller_monotonic"), 0, mono)) << "the caller";
  EXPECT_TRUE(Within(obs.Value("child_monotonic"), kDay * kNsPerSec, mono)) << "its child";
}

// setns() into a time namespace moves the caller itself (unlike pid): the offset shows at
// once in the vDSO and the syscall, and going back to an outer namespace removes it. The
// outer namespace is one the child made (offset 0), so setns is allowed in both modes.
TEST_P(TimeNamespace, SetnsMovesTheCaller) {
  Bracket mono{Now(CLOCK_MONOTONIC), 0};
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), {}), [&] {
    w.Result("unshare_outer", testing::Unshare(CLONE_NEWTIME));
    int outer = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    w.Result("setns_outer", ::setns(outer, CLONE_NEWTIME));
    w.Link("outer", "/proc/self/ns/time");
    w.Result("unshare_inner", testing::Unshare(CLONE_NEWTIME));
    int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    const char offset[] = "monotonic 86400 0";
    w.Result("write", ::write(fd, offset, sizeof offset - 1));
    int inner = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    w.Link("inner_for_children", "/proc/self/ns/time_for_children");
    w.Result("setns_inner", ::setns(inner, CLONE_NEWTIME));
    w.Link("inner", "/proc/self/ns/time");
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    w.Value("inner_vdso", Ns(ts));
    ::syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    w.Value("inner_syscall", Ns(ts));
    w.Result("setns_back", ::setns(outer, CLONE_NEWTIME));
    w.Link("back", "/proc/self/ns/time");
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    w.Value("back_vdso", Ns(ts));
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  mono.after = Now(CLOCK_MONOTONIC);
  for (const char* key :
       {"unshare_outer", "setns_outer", "unshare_inner", "write", "setns_inner", "setns_back"})
    ASSERT_THAT(obs[key], Succeeded()) << key;
  EXPECT_THAT(obs["inner"], HasText(obs.Text("inner_for_children")));
  EXPECT_THAT(obs["inner"], HasText(Ne(obs.Text("outer"))));
  EXPECT_THAT(obs["back"], HasText(obs.Text("outer")));
  EXPECT_TRUE(Within(obs.Value("inner_vdso"), kDay * kNsPerSec, mono)) << "vDSO after setns";
  EXPECT_TRUE(Within(obs.Value("inner_syscall"), kDay * kNsPerSec, mono)) << "syscall";
  EXPECT_TRUE(Within(obs.Value("back_vdso"), 0, mono)) << "vDSO after setns back";
}

// clone3() can carry CLONE_NEWTIME (clone() cannot: 0x80 lies in its exit-signal bits): the
// child starts inside the new namespace, so its offsets are already frozen at zero.
TEST_P(TimeNamespace, Clone3StartsTheChildInANamespaceWithFrozenZeroOffsets) {
  NSPROBE_SKIP_UNLESS_CLONE3();
  struct CloneArgs {
    std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  };
  Bracket mono{Now(CLOCK_MONOTONIC), 0};
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), {}), [&] {
    CloneArgs args{};
    args.flags = testing::Seamed(CLONE_NEWTIME);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
      w.Link("child_time", "/proc/self/ns/time");
      timespec ts{};
      ::clock_gettime(CLOCK_MONOTONIC, &ts);
      w.Value("child_monotonic", Ns(ts));
      int fd = ::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      const char offset[] = "monotonic 86400 0";
      w.Result("write", ::write(fd, offset, sizeof offset - 1));
      ::_exit(0);
    }
    w.Result("clone3", pid);
    if (pid > 0) testing::WaitInChild(pid);
    w.Link("parent_time", "/proc/self/ns/time");
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  mono.after = Now(CLOCK_MONOTONIC);
  ASSERT_THAT(obs["clone3"], Succeeded());
  EXPECT_THAT(obs["child_time"], HasText(Ne(obs.Text("parent_time"))));
  EXPECT_THAT(obs["write"], FailedWith(EACCES));
  EXPECT_TRUE(Within(obs.Value("child_monotonic"), 0, mono));
}

INSTANTIATE_TEST_SUITE_P(Modes, TimeNamespace, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
