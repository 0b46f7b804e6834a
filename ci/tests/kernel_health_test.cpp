// The kernel health check around each suite binary: the kmsg parser and the trouble filter on
// recorded lines, the before/after diff on fixture files standing in for /proc/sys/kernel/
// tainted and /dev/kmsg, and for real: a stand-in suite that writes a WARNING line to the
// kernel log fails `nsprobe run` with that line in every rendering, and one that writes a
// quiet line does not.
#include "ci/run/kernel_health.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "ci/record/record.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::run {
namespace {

using record::testing::Nsprobe;
using record::testing::ReadText;
using record::testing::TempDir;
using record::testing::WriteText;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Records as /dev/kmsg gives them (one kernel WARN with its continuation lines, a process's
// line, a quiet driver line).
constexpr const char* kLog =
    "4,812,9630001,-;------------[ cut here ]------------\n"
    "4,813,9630010,-;WARNING: CPU: 1 PID: 4711 at fs/namespace.c:1234 put_mnt_ns+0x3c/0x50\n"
    " SUBSYSTEM=fs\n"
    " DEVICE=+fs:namespace\n"
    "6,814,9630500,-;usb 1-1: new high-speed USB device number 2 using xhci_hcd\n"
    "12,815,9631000,-;WARNING: planted by a test\n"
    "garbage without a header\n";

TEST(Kmsg, ParsesRecordsAndSkipsContinuationLinesAndGarbage) {
  std::vector<KmsgLine> lines = ParseKmsg(kLog);
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_EQ(lines[1].seq, 813U);
  EXPECT_EQ(lines[1].level, 4);
  EXPECT_EQ(lines[1].facility, 0) << "the kernel's own";
  EXPECT_EQ(lines[3].facility, 1) << "12 = LOG_USER (1) << 3 | 4: written by a process";
  EXPECT_THAT(lines[1].message, HasSubstr("put_mnt_ns"));
}

TEST(Kmsg, TroubleIsWarnBugRefcountAndLeakAsWordsNotInsideOthers) {
  for (const char* bad : {"WARNING: CPU: 0 PID: 1 at kernel/nsproxy.c:1",
                          "BUG: KASAN: use-after-free", "refcount_t: underflow; use-after-free.",
                          "kmemleak: 2 new suspected memory leaks", "Memory LEAK in ns"})
    EXPECT_TRUE(LooksLikeTrouble(bad)) << bad;
  for (const char* fine : {"usb 1-1: new device", "DEBUG: all is well", "eth0: link up",
                           "SWARNING is not a word of its own"})
    EXPECT_FALSE(LooksLikeTrouble(fine)) << fine;
}

TEST(Taint, LettersAsTheKernelDocumentsThem) {
  EXPECT_EQ(TaintLetters(512), "W");
  EXPECT_EQ(TaintLetters(1 | 512 | 4096), "P W O");
  EXPECT_EQ(TaintLetters(std::uint64_t{1} << 40), "bit 40");
}

TEST(HealthProblems, ATaintChangeAndEachTroubleLineAreProblemsAndNothingElseIs) {
  std::vector<KmsgLine> trouble = ParseKmsg(kLog);
  trouble.erase(std::remove_if(trouble.begin(), trouble.end(),
                               [](const KmsgLine& l) { return !LooksLikeTrouble(l.message); }),
                trouble.end());
  EXPECT_THAT(HealthProblems(0, 0, {}), IsEmpty());
  EXPECT_THAT(HealthProblems(4096, 4096, {}), IsEmpty()) << "tainted before: not this suite";
  EXPECT_THAT(HealthProblems(std::nullopt, 512, {}), IsEmpty()) << "unreadable is no failure";
  EXPECT_THAT(HealthProblems(0, 512, {}),
              ElementsAre("kernel.tainted went from 0 (untainted) to 512 (W)"));
  EXPECT_THAT(HealthProblems(0, 0, trouble),
              ElementsAre(HasSubstr("kernel log: WARNING: CPU: 1 PID: 4711"),
                          "kernel log: (written by a process) WARNING: planted by a test"));
}

// Fixture files: a "kmsg" that grows after the mark and a "tainted" that changes.
class HealthFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    sources_.tainted = dir_ / "tainted";
    sources_.kmsg = dir_ / "kmsg";
    sources_.dmesg_restrict = dir_ / "dmesg_restrict";
    sources_.listns = false;
    WriteText(sources_.tainted, "0\n");
    WriteText(sources_.kmsg, "4,1,1,-;WARNING: logged before the suite started\n");
  }
  void Append(const std::string& text) { WriteText(sources_.kmsg, ReadText(sources_.kmsg) + text); }
  TempDir dir_;
  HealthSources sources_;
};

TEST_F(HealthFiles, OnlyWhatCameAfterTheMarkCounts) {
  HealthMark mark = MarkHealth(sources_);
  Append("6,2,2,-;eth0: link up\n4,3,3,-;refcount_t: saturated; leaking memory.\n");
  WriteText(sources_.tainted, "512\n");
  Health h = CheckHealth(mark, sources_);
  EXPECT_EQ(h.new_lines, 2);
  EXPECT_THAT(h.problems, ElementsAre(HasSubstr("0 (untainted) to 512 (W)"),
                                      "kernel log: refcount_t: saturated; leaking memory."));
  nlohmann::ordered_json j = HealthToJson(h);
  EXPECT_EQ(j["taint"]["after"], 512);
  EXPECT_EQ(j["kmsg"]["new_lines"], 2);
  EXPECT_EQ(j["namespaces"], "skip: listns(2) not tried");
}

TEST_F(HealthFiles, AQuietRunHasNoProblem) {
  HealthMark mark = MarkHealth(sources_);
  Append("6,2,2,-;eth0: link up\n");
  Health h = CheckHealth(mark, sources_);
  EXPECT_EQ(h.new_lines, 1);
  EXPECT_THAT(h.problems, IsEmpty());
}

TEST_F(HealthFiles, AnUnreadableLogOrTaintIsRecordedWithItsReasonNeverAFailure) {
  sources_.kmsg = dir_ / "no-such-kmsg";
  sources_.tainted = dir_ / "no-such-tainted";
  WriteText(sources_.dmesg_restrict, "1\n");
  HealthMark mark = MarkHealth(sources_);
  Health h = CheckHealth(mark, sources_);
  EXPECT_THAT(h.problems, IsEmpty());
  nlohmann::ordered_json j = HealthToJson(h);
  EXPECT_THAT(j["kmsg"].get<std::string>(),
              AllOf(HasSubstr("unreadable: open("), HasSubstr("No such file")));
  EXPECT_THAT(j["taint"].get<std::string>(), HasSubstr("unreadable: "));
}

TEST(HealthListns, SkipsNamingTheKernelWhereListnsIsAbsent) {
  HealthMark mark = MarkHealth();
  if (mark.namespaces) GTEST_SKIP() << "listns(2) exists here: counted " << *mark.namespaces;
  EXPECT_THAT(mark.listns_skip, HasSubstr("listns(2) needs Linux 6.19; this kernel is "));
}

// For real: `nsprobe run` over the stand-in suite.
class HealthRun : public ::testing::Test {
 protected:
  std::string suites_ = nsprobe::testing::SelfDir() + "/fixtures/health";
  TempDir out_;
  record::Record Run(const std::string& filter, int expected_status) {
    const std::string dir = out_ / "r";
    ToolResult r = Nsprobe({"run", "--suites", suites_, "--out", dir, "--filter", filter});
    // A host change made meanwhile by something else on this machine also exits 1; it is not
    // what these tests look at.
    const bool host_changed = r.err.find("the host changed during the run") != std::string::npos;
    EXPECT_TRUE(r.exit_code == expected_status || (r.exit_code == 1 && host_changed))
        << r.Describe();
    return record::LoadRecord(dir + "/record.json");
  }
  static bool KmsgWritable() {
    int fd = ::open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
    return fd >= 0;
  }
};

TEST_F(HealthRun, ASuiteThatLogsAWarningFailsWithTheLineInEveryRendering) {
  if (!KmsgWritable()) GTEST_SKIP() << "privilege: writing /dev/kmsg needs root";
  record::Record rec = Run("Fixture.WritesAWarningToTheKernelLog", 1);
  ASSERT_THAT(rec.binaries, SizeIs(1));
  const nlohmann::ordered_json& health = rec.binaries[0].health;
  if (health["kmsg"].is_string()) GTEST_SKIP() << "the log is " << health["kmsg"];
  ASSERT_THAT(rec.cases, SizeIs(2));
  const record::Case& c = rec.cases[1];
  EXPECT_EQ(c.name, kHealthCaseName);
  EXPECT_EQ(c.verdict, record::Verdict::kFail);
  ASSERT_THAT(c.failures, SizeIs(1));
  EXPECT_THAT(c.failures[0], HasSubstr("WARNING: nsprobe health fixture planted this line"));
  for (const char* file : {"junit.xml", "results.ktap", "summary.md", "report.html"})
    EXPECT_THAT(ReadText(out_ / "r/" + file), HasSubstr("nsprobe health fixture planted")) << file;
  ToolResult text = Nsprobe({"report", out_ / "r/record.json", "--format", "text"});
  EXPECT_THAT(text.out, AllOf(HasSubstr("Kernel health"), HasSubstr("FAIL fixture_test: kernel "
                                                                    "log: (written by a process) "
                                                                    "WARNING: nsprobe health")));
}

TEST_F(HealthRun, AQuietLineIsCountedAndFailsNothing) {
  if (!KmsgWritable()) GTEST_SKIP() << "privilege: writing /dev/kmsg needs root";
  record::Record rec = Run("Fixture.WritesAQuietLineToTheKernelLog", 0);
  ASSERT_THAT(rec.binaries, SizeIs(1));
  const nlohmann::ordered_json& health = rec.binaries[0].health;
  ASSERT_THAT(rec.cases, SizeIs(1)) << "no health case";
  if (health["kmsg"].is_string()) GTEST_SKIP() << "the log is " << health["kmsg"];
  EXPECT_GE(health["kmsg"]["new_lines"].get<int>(), 1) << health.dump();
  EXPECT_THAT(health["problems"], IsEmpty());
}

}  // namespace
}  // namespace nsprobe::run
