// The probe says what this machine allows; its answers must agree with what actually works.
#include "runtime/probe.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "runtime/identity.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ProbeTest : public testing::NoLeaksTest {};

// Ground truth taken independently of the probe: a kind whose /proc/self/ns entry exists is
// not "unsupported"; privileged mode without root is "privilege"; an available kind launches.
TEST_F(ProbeTest, AgreesWithWhatTheKernelDoes) {
  ProbeReport report = Probe({.unprivileged = testing::kNobody});
  ASSERT_EQ(report.results.size(), 16u);
  EXPECT_EQ(Clone3Reason().empty(), report.clone3)
      << "the runtime used clone3 exactly where the probe says it can: " << Clone3Reason();
  for (const ProbeResult& r : report.results) {
    SCOPED_TRACE(std::string(Name(r.kind)) + "/" + std::string(ModeName(r.mode)) + ": " + r.reason);
    bool present = IdentityOf(0, r.kind).has_value();
    if (!present) {
      EXPECT_EQ(r.verdict, Verdict::kUnsupported);
    }
    if (r.mode == Mode::kPrivileged && ::geteuid() != 0) {
      EXPECT_EQ(r.verdict, Verdict::kPrivilege);
    }
    if (r.verdict == Verdict::kAvailable) {
      EXPECT_TRUE(r.reason.empty());
      Spec spec = testing::SpecFor(r.mode, KindSet{r.kind});
      EXPECT_NO_THROW(Launch(spec, [] { return 0; }).Wait());
    } else {
      EXPECT_THAT(r.reason, StartsWith(std::string(VerdictName(r.verdict)) + ": "));
    }
  }
}

TEST(Classify, LimitOfZeroIsPolicyNamingTheKnob) {
  PolicyKnobs knobs;
  knobs.max_namespaces[static_cast<int>(Kind::kNet)] = 0;
  ProbeResult r = Classify(Kind::kNet, Mode::kPrivileged, Step::kClone, ENOSPC, knobs, 0);
  EXPECT_EQ(r.verdict, Verdict::kPolicy);
  EXPECT_EQ(r.reason, "policy: user.max_net_namespaces=0");
}

TEST(Classify, NonRootWithoutUserNamespaceIsPrivilege) {
  ProbeResult r = Classify(Kind::kUts, Mode::kPrivileged, Step::kClone, EPERM, PolicyKnobs{}, 1000);
  EXPECT_EQ(r.verdict, Verdict::kPrivilege);
  EXPECT_THAT(r.reason, HasSubstr("CAP_SYS_ADMIN"));
}

TEST(Classify, EinvalFromCloneIsUnsupported) {
  ProbeResult r = Classify(Kind::kTime, Mode::kPrivileged, Step::kClone, EINVAL, PolicyKnobs{}, 0);
  EXPECT_EQ(r.verdict, Verdict::kUnsupported);
  EXPECT_THAT(r.reason, HasSubstr("CONFIG_TIME_NS"));
}

TEST(Rootless, OnlyRootWithAMapOtherThanTheIdentityIs) {
  EXPECT_EQ(RootlessReason(0, "         0          0 4294967295\n"), "");
  EXPECT_EQ(RootlessReason(0, "         0       1000          1\n"),
            "rootless: root only inside a user namespace (uid_map '0 1000 1')");
  EXPECT_EQ(RootlessReason(0, "0 0 1\n1 100000 65536\n"),
            "rootless: root only inside a user namespace (uid_map '0 0 1, 1 100000 65536')");
  EXPECT_EQ(RootlessReason(1000, "0 1000 1\n"), "") << "not root at all: not rootless either";
}

TEST(Rootless, TheDropToTheUnprivilegedUidSaysSo) {
  PolicyKnobs knobs;
  knobs.rootless = RootlessReason(0, "0 65534 1\n");
  ProbeResult r =
      Classify(Kind::kUts, Mode::kUnprivileged, Step::kDropToCreator, EPERM, knobs, 65534);
  EXPECT_EQ(r.verdict, Verdict::kPrivilege);
  EXPECT_THAT(r.reason, StartsWith("privilege: rootless: root only inside a user namespace "
                                   "(uid_map '0 65534 1'): the unprivileged mode runs as uid "
                                   "65534"));
}

// Ground truth made here: a directory shaped like /proc/sys, bound read-only in a private
// mount namespace as container runtimes bind /proc/sys; the same directory outside it is
// writable.
TEST_F(ProbeTest, TellsAReadOnlyProcSysFromAWritableOne) {
  Mode mode = Mode::kPrivileged;
  if (!testing::UnavailableReason(Kind::kMnt, mode).empty()) mode = Mode::kUnprivileged;
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode);
  const testing::TempDir dir("procsys");
  ASSERT_EQ(::mkdir(dir.Sub("kernel").c_str(), 0755), 0);
  std::ofstream(dir.Sub("kernel/domainname")) << "(none)\n";
  const std::string path = dir.Path();
  EXPECT_EQ(ProcSysReadOnlyInChild(path.c_str()), 0);
  EXPECT_EQ(ProcSysReadOnlyReason(path.c_str()), "");
  Child child = Launch(testing::SpecFor(mode, KindSet{Kind::kMnt}), [&] {
    if (::mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) return 90;
    if (::mount(nullptr, path.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
      return 91;
    return ProcSysReadOnlyInChild(path.c_str());
  });
  EXPECT_EQ(child.Wait().Describe(), "exit 1") << "1: statvfs gives ST_RDONLY";
  EXPECT_EQ(ProcSysReadOnlyReason("/nonexistent"), "") << "a missing directory is not read-only";
}

TEST(Clone3, OnlyEnosysMeansMissingAndSeccompIsNamed) {
  EXPECT_EQ(Clone3Reason(EINVAL, 0), "") << "clone3 exists: it refused the empty arguments";
  EXPECT_EQ(Clone3Reason(EINVAL, 2), "");
  EXPECT_THAT(Clone3Reason(ENOSYS, 2),
              StartsWith("policy: seccomp filter (Seccomp: 2) answers ENOSYS to clone3"));
  EXPECT_THAT(Clone3Reason(ENOSYS, 0), StartsWith("unsupported: this kernel has no clone3"));
}

TEST(FreshProc, ARefusalNamesWhatCoversProc) {
  const std::string mountinfo =
      "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
      "30 22 0:21 /sys /proc/sys ro,relatime - proc proc rw\n"
      "31 30 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
      "32 22 0:5 /null /proc/kcore rw - devtmpfs udev rw\n";
  EXPECT_EQ(FreshProcRefusedReason(EPERM, mountinfo),
            "policy: a fresh proc is refused in a user namespace (EPERM): /proc has something "
            "mounted over it (mount_too_revealing); here /proc/sys, /proc/kcore (e.g. /proc/sys "
            "bound read-only, as containers do)");
  EXPECT_THAT(FreshProcRefusedReason(EPERM, "22 27 0:21 / /proc rw - proc proc rw\n"),
              AllOf(StartsWith("policy: a fresh proc is refused"),
                    HasSubstr("or its mount flags are locked stricter")))
      << "nothing covers /proc: the other cause the kernel has";
  EXPECT_EQ(FreshProcRefusedReason(ENODEV, mountinfo),
            "unsupported: mounting a fresh proc in a new pid namespace fails with ENODEV");
}

// Ground truth made here: the trial mounts a fresh proc on this host, and is refused once
// /proc/sys is bound read-only over itself in a mount namespace of our own, as containers
// bind it. The root of the initial user namespace is never refused (the control).
TEST_F(ProbeTest, FreshProcRefusedOnceProcSysIsBoundOverItself) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "privilege: binding /proc/sys needs root (uid " << ::geteuid() << ")";
  // The refusal needs a user namespace between the bind and the trial's mount namespace:
  // the bind is locked only when the trial's mount namespace is copied into a less
  // privileged user namespace (copy_mnt_ns, CL_UNPRIVILEGED). Hence the unprivileged mode.
  const Mode mode = Mode::kUnprivileged;
  NSPROBE_SKIP_UNLESS_AVAILABLE((KindSet{Kind::kPid, Kind::kMnt}), mode);
  const ProbeOptions options{.unprivileged = testing::kNobody};
  if (std::string why = FreshProcReason(mode, options); !why.empty())
    GTEST_SKIP() << why << " (already here: nothing to contrast)";
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // A plain fork of a one-threaded test: the child may allocate before it exits.
    ::close(fds[0]);
    std::string out;
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("/proc/sys", "/proc/sys", nullptr, MS_BIND, nullptr) != 0 ||
        ::mount(nullptr, "/proc/sys", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0)
      out = std::string("setup: ") + std::strerror(errno);
    else
      out = FreshProcReason(mode, options) + "\n" + FreshProcReason(Mode::kPrivileged, options);
    const bool written = ::write(fds[1], out.data(), out.size()) == ssize_t(out.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << got;
  const std::string refused = got.substr(0, got.find('\n'));
  EXPECT_THAT(refused, StartsWith("policy: a fresh proc is refused in a user namespace (EPERM)"));
  EXPECT_THAT(refused, HasSubstr("here /proc/sys"));
  EXPECT_EQ(got.substr(got.find('\n') + 1), "")
      << "control: no user namespace between the bind and the trial, so nothing is locked";
}

}  // namespace
}  // namespace nsprobe
