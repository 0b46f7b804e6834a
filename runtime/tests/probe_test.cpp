// The probe says what this machine allows; its answers must agree with what actually works.
#include "runtime/probe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "runtime/identity.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"

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

}  // namespace
}  // namespace nsprobe
