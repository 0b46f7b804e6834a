// The probe says what this machine allows; its answers must agree with what actually works.
#include "runtime/probe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>

#include "runtime/identity.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ProbeTest : public testing::NoLeaksTest {};

// Ground truth taken independently of the probe: a kind whose /proc/self/ns entry exists is
// not "unsupported"; privileged mode without root is "privilege"; an available kind launches.
TEST_F(ProbeTest, AgreesWithWhatTheKernelDoes) {
  ProbeReport report = Probe({.unprivileged = testing::kNobody});
  ASSERT_EQ(report.results.size(), 16u);
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

}  // namespace
}  // namespace nsprobe
