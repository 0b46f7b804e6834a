// What namespaces do not isolate by design: the boot id, the kernel log, the keyrings of
// namespaces that share a user namespace, and a shared tty's input queue (TIOCSTI). Each case
// runs its child in new uts, ipc, net, pid, mnt and cgroup namespaces (and a user namespace
// when unprivileged) and reports one of three outcomes:
//   - pass: the thing is not reachable from there (a knob closes it, or a user namespace does);
//   - "not isolated by design": GTEST_SKIP() << "by-design: <what> (closed by <knob>)", which
//     nsprobe run records as its own outcome, neither pass nor fail;
//   - fail: a knob says it is closed and the child still reached it.
// Every case carries the same contrast: the child's sethostname stays inside, so the child
// really was in namespaces of its own when it reached the shared thing.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "runtime/fd.hpp"
#include "runtime/launch.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe {
namespace {

using testing::HasText;
using testing::LaunchInNew;
using testing::Observations;
using testing::ObservationWriter;
using testing::Succeeded;

constexpr const char* kInsideName = "nsprobe-by-design";
constexpr const char* kBootId = "/proc/sys/kernel/random/boot_id";

// Every kind but user (the mode adds it) and time (nothing here reads a clock).
const KindSet kKinds{Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid, Kind::kMnt, Kind::kCgroup};

std::string Hostname() {
  utsname u{};
  ::uname(&u);
  return u.nodename;
}

// The contrast every case records. Async-signal-safe.
void RenameInChild(const ObservationWriter& w) {
  w.Result("sethostname", ::sethostname(kInsideName, std::strlen(kInsideName)));
  utsname u{};
  ::uname(&u);
  w.Text("hostname", u.nodename);
}

// A sysctl's first line, or "" when it cannot be read (absent on this kernel).
std::string Knob(const std::string& path) {
  std::string text;
  if (!TryReadFile(path, text)) return "";
  return text.substr(0, text.find('\n'));
}

class ByDesign : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    std::string reason = testing::UnavailableReason(kKinds, mode());
    if (reason.empty() && mode() == Mode::kUnprivileged)
      reason = testing::UnavailableReason(Kind::kUser, mode());
    if (!reason.empty()) GTEST_SKIP() << reason;
    host_ = Hostname();
  }
  Mode mode() const { return GetParam(); }
  // The contrast: the child renamed its own uts namespace and ours kept its name.
  void ExpectHostnameIsolated(const Observations& obs) const {
    EXPECT_THAT(obs["sethostname"], Succeeded());
    EXPECT_THAT(obs["hostname"], HasText(kInsideName));
    EXPECT_EQ(Hostname(), host_) << "the child's hostname reached us: not in a uts namespace";
  }
  std::string host_;
};

TEST_P(ByDesign, BootIdIsTheHostsInEveryNamespace) {
  const std::string ours = Knob(kBootId);
  if (ours.empty()) GTEST_SKIP() << "unsupported: " << kBootId << " is absent (CONFIG_SYSCTL=n)";
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), kKinds, [&] {
    RenameInChild(w);
    w.File("boot_id", kBootId);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ExpectHostnameIsolated(obs);
  const std::string theirs = obs.Text("boot_id").substr(0, obs.Text("boot_id").find('\n'));
  if (theirs == ours)
    GTEST_SKIP() << "by-design: " << kBootId
                 << " is the host's inside new namespaces too (closed by no sysctl: a mount "
                    "over it, as container runtimes place one)";
  EXPECT_FALSE(theirs.empty()) << obs.Dump();
}

// The kernel log is one for the whole machine. kernel.dmesg_restrict=1 closes it to anyone
// without CAP_SYSLOG in the initial user namespace, which root in a user namespace lacks.
TEST_P(ByDesign, KernelLogIsTheHostsUnlessDmesgRestrict) {
  const std::string restrict_value = Knob("/proc/sys/kernel/dmesg_restrict");
  UniqueFd ours(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!ours) GTEST_SKIP() << "privilege: open(/dev/kmsg): " << std::strerror(errno);
  char first[1024] = {};
  const ssize_t n = ::read(ours.Get(), first, sizeof first - 1);
  if (n <= 0) GTEST_SKIP() << "unsupported: /dev/kmsg gave no record to compare";
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), kKinds, [&] {
    RenameInChild(w);
    int fd = static_cast<int>(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    w.Result("open_kmsg", fd);
    if (fd >= 0) {
      char record[1024] = {};
      ssize_t got = ::read(fd, record, sizeof record - 1);
      w.Result("read_kmsg", got);
      // The first 150 bytes: its sequence number and time say which record it is.
      if (got > 0) w.Text("first", record, static_cast<std::size_t>(got));
      ::close(fd);
    }
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ExpectHostnameIsolated(obs);
  const bool restricted = restrict_value == "1";
  if (obs["open_kmsg"].value < 0) {
    EXPECT_TRUE(restricted || mode() == Mode::kUnprivileged)
        << "root outside any user namespace was refused the log: " << obs.Dump();
    return;  // closed: kernel.dmesg_restrict=1 (or file permissions) keep it in
  }
  const std::string theirs = obs.Text("first");
  ASSERT_FALSE(theirs.empty()) << obs.Dump();
  EXPECT_EQ(theirs, std::string(first, static_cast<std::size_t>(n)).substr(0, theirs.size()))
      << "a new namespace read another log's first record";
  if (mode() == Mode::kUnprivileged) {
    EXPECT_FALSE(restricted) << "kernel.dmesg_restrict=1 and root in a user namespace read the "
                                "host's kernel log";
  }
  GTEST_SKIP() << "by-design: the kernel log (/dev/kmsg) is the host's in new namespaces"
               << (restricted ? " to CAP_SYSLOG (closed by dropping CAP_SYSLOG; "
                                "kernel.dmesg_restrict=1 already closes it to everyone else)"
                              : " (closed by kernel.dmesg_restrict=1)");
}

// Keyrings belong to user namespaces (Linux 5.3, "keys: Move the user and user-session
// keyrings to the user_namespace"): namespaces of the other kinds share the user keyring.
TEST_P(ByDesign, UserKeyringIsSharedWithoutAUserNamespace) {
  const std::string description = "nsprobe-by-design-" + std::to_string(::getpid());
  const long key =
      ::syscall(__NR_add_key, "user", description.c_str(), "x", 1, -4 /* KEY_SPEC_USER_KEYRING */);
  if (key < 0 && errno == ENOSYS)
    GTEST_SKIP() << "unsupported: add_key: ENOSYS (a kernel without CONFIG_KEYS)";
  if (key < 0) GTEST_SKIP() << "policy: add_key: " << std::strerror(errno) << " (seccomp?)";
  Observations obs;
  auto w = obs.Writer();
  const char* desc = description.c_str();
  Child child = LaunchInNew(mode(), kKinds, [&] {
    RenameInChild(w);
    w.Result("search", ::syscall(__NR_keyctl, 10 /* KEYCTL_SEARCH */, -4, "user", desc, 0));
    return 0;
  });
  const bool finished = testing::Finished(child, obs);
  ::syscall(__NR_keyctl, 21 /* KEYCTL_INVALIDATE */, key);
  ASSERT_TRUE(finished);
  ExpectHostnameIsolated(obs);
  if (mode() == Mode::kUnprivileged) {
    // The control: a user namespace of its own has a user keyring of its own.
    EXPECT_THAT(obs["search"], testing::FailedWith(ENOKEY))
        << "the parent's user keyring was reached from a new user namespace";
    return;
  }
  ASSERT_THAT(obs["search"], Succeeded());
  GTEST_SKIP() << "by-design: the user keyring is shared by namespaces of one user namespace "
                  "(closed by a new user namespace, or a fresh session keyring: keyctl join)";
}

// TIOCSTI pushes input into a terminal. A child that shares our tty (its controlling terminal,
// as a shell's children share theirs) types into what we read, whatever namespaces it is in.
// dev.tty.legacy_tiocsti=0 (Linux 6.2) closes it to all but CAP_SYS_ADMIN.
TEST_P(ByDesign, TiocstiTypesIntoASharedTty) {
  const std::string legacy = Knob("/proc/sys/dev/tty/legacy_tiocsti");
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master || ::grantpt(master.Get()) != 0 || ::unlockpt(master.Get()) != 0)
    GTEST_SKIP() << "unsupported: no pseudo-terminal: " << std::strerror(errno);
  UniqueFd slave(::open(::ptsname(master.Get()), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  ASSERT_TRUE(slave) << "open(" << ::ptsname(master.Get()) << "): " << std::strerror(errno);
  termios raw{};
  ASSERT_EQ(::tcgetattr(slave.Get(), &raw), 0);
  ::cfmakeraw(&raw);
  ASSERT_EQ(::tcsetattr(slave.Get(), TCSANOW, &raw), 0);
  Observations obs;
  auto w = obs.Writer();
  const int tty = slave.Get();
  Child child = LaunchInNew(mode(), kKinds, [&] {
    RenameInChild(w);
    // Our tty becomes the child's controlling terminal: TIOCSTI needs that without
    // CAP_SYS_ADMIN.
    w.Result("setsid", ::setsid());
    w.Result("TIOCSCTTY", ::ioctl(tty, TIOCSCTTY, 0));
    const char c = 'Z';
    w.Result("TIOCSTI", ::ioctl(tty, TIOCSTI, &c));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ExpectHostnameIsolated(obs);
  char typed[8] = {};
  const ssize_t got = ::read(slave.Get(), typed, sizeof typed);
  if (obs["TIOCSTI"].value < 0) {
    // Closed: the knob (EIO), or no controlling terminal to type into (EPERM).
    EXPECT_LT(got, 1) << "TIOCSTI failed and yet input arrived";
    if (legacy == "0") {
      EXPECT_THAT(obs["TIOCSTI"], testing::FailedWith(EIO)) << "closed by another reason";
    }
    return;
  }
  ASSERT_EQ(got, 1) << "TIOCSTI succeeded but we read nothing: " << obs.Dump();
  EXPECT_EQ(typed[0], 'Z');
  if (mode() == Mode::kUnprivileged) {
    EXPECT_NE(legacy, "0") << "dev.tty.legacy_tiocsti=0 and a user namespace's root typed into "
                              "our tty";
  }
  GTEST_SKIP() << "by-design: a shared tty takes input (TIOCSTI) from new namespaces"
               << (legacy == "0" ? " from CAP_SYS_ADMIN (closed by dropping CAP_SYS_ADMIN; "
                                   "dev.tty.legacy_tiocsti=0 already closes it to everyone else)"
                                 : " (closed by dev.tty.legacy_tiocsti=0)");
}

INSTANTIATE_TEST_SUITE_P(Modes, ByDesign, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
