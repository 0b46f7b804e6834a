// The fingerprint claims a kernel configuration only from a file that is one: a corrupt
// /proc/config.gz or a /boot/config-* that is something else is named "unreadable", with why,
// and gives no CONFIG_* value at all (an "n" for each would say the kernel lacks them).
#include "runtime/fingerprint.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "suites/support/paths.hpp"

namespace nsprobe {
namespace {

using ::testing::Contains;
using ::testing::Key;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

// The fixture directories of tests/fixtures/config: `proc` holds a config.gz standing for
// /proc/config.gz, `boot` a config-6.1.0-test standing for /boot's ("none": no such file).
ConfigPaths Fixture(const std::string& proc, const std::string& boot) {
  const std::string dir = testing::SelfDir() + "/fixtures/config/";
  return {.proc_config = dir + proc + "/config.gz",
          .boot_config = dir + boot + "/config-6.1.0-test"};
}

std::string ValueOf(const Fingerprint& fp, const std::string& key) {
  for (const auto& [k, v] : fp)
    if (k == key) return v;
  return "(absent)";
}

TEST(KernelConfig, AGoodProcConfigIsReadWithItsValues) {
  const KernelConfig c = ReadKernelConfig(Fixture("good", "none"));
  EXPECT_THAT(c.source, ::testing::EndsWith("/good/config.gz"));
  const Fingerprint fp = TakeFingerprint(Fixture("good", "none"));
  EXPECT_EQ(ValueOf(fp, "config.CONFIG_USER_NS"), "y");
  EXPECT_EQ(ValueOf(fp, "config.CONFIG_HZ"), "250");
  EXPECT_EQ(ValueOf(fp, "config.CONFIG_PREEMPT_RT"), "n") << "'# ... is not set' is a real n";
}

TEST(KernelConfig, ACorruptProcConfigIsUnreadableAndClaimsNothing) {
  const Fingerprint fp = TakeFingerprint(Fixture("corrupt", "none"));
  EXPECT_THAT(ValueOf(fp, "config.source"),
              MatchesRegex("unreadable: .*/corrupt/config.gz: corrupt gzip stream \\(.+\\)"));
  EXPECT_THAT(fp, Not(Contains(Key(StartsWith("config.CONFIG_")))));
}

TEST(KernelConfig, AGzipThatIsNotAConfigIsUnreadable) {
  const KernelConfig c = ReadKernelConfig(Fixture("not-a-config", "none"));
  EXPECT_THAT(c.source, MatchesRegex("unreadable: .*/not-a-config/config.gz: not a kernel "
                                     "config \\(line 'echo this is not a kernel config' .*\\)"));
  EXPECT_EQ(c.text, "");
}

TEST(KernelConfig, APlainFileCalledConfigGzIsUnreadable) {
  const KernelConfig c = ReadKernelConfig(Fixture("plain", "none"));
  EXPECT_THAT(c.source, MatchesRegex("unreadable: .*/plain/config.gz: not gzip-compressed"));
}

TEST(KernelConfig, ABootConfigThatIsNotOneIsUnreadableAndClaimsNothing) {
  const Fingerprint fp = TakeFingerprint(Fixture("none", "boot-not-a-config"));
  EXPECT_THAT(ValueOf(fp, "config.source"),
              MatchesRegex("unreadable: .*/boot-not-a-config/config-[^:]+: not a kernel config "
                           "\\(line 'GRUB_DEFAULT=0' .*\\)"));
  EXPECT_THAT(fp, Not(Contains(Key(StartsWith("config.CONFIG_")))));
}

// The contrast: a corrupt /proc/config.gz does not hide a good /boot config, and each failure
// of both is named.
TEST(KernelConfig, TheBootConfigStandsInForACorruptProcConfig) {
  const KernelConfig c = ReadKernelConfig(Fixture("corrupt", "boot-good"));
  EXPECT_THAT(c.source, ::testing::EndsWith("/boot-good/config-6.1.0-test"));
  EXPECT_THAT(ReadKernelConfig(Fixture("corrupt", "boot-not-a-config")).source,
              MatchesRegex("unreadable: .*/corrupt/config.gz: corrupt gzip stream .*; "
                           ".*/boot-not-a-config/config-6.1.0-test: not a kernel config .*"));
}

TEST(KernelConfig, NeitherFileIsUnavailable) {
  const Fingerprint fp = TakeFingerprint(Fixture("none", "none"));
  EXPECT_EQ(ValueOf(fp, "config.source"), "unavailable");
  EXPECT_THAT(fp, Not(Contains(Key(StartsWith("config.CONFIG_")))));
  EXPECT_THAT(fp, Contains(Pair("cgroup.version", Not(""))));
}

}  // namespace
}  // namespace nsprobe
