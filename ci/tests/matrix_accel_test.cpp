// The kernel matrix's choice of accelerator (a trial boot under KVM, against a stand-in qemu
// that aborts, hangs, or boots) and what a whole matrix exits with.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ci/matrix/kernel_record.hpp"
#include "ci/matrix/qemu.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A stand-in qemu-system-x86_64 in a scratch directory, with a stand-in /dev/kvm (any file
// this process may open read-write) beside it. `behaviour` is the shell run once the script
// has found its console file ($console, the first -serial file:) and checked that it was
// asked for KVM with the host's CPU.
class FakeQemu : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(dir_ / "kvm") << ""; }

  std::string Qemu(const std::string& behaviour) {
    const fs::path path = dir_ / "qemu-system-x86_64";
    std::ofstream(path) << "#!/bin/sh\n"
                           "console=\n"
                           "case \" $* \" in *' -accel kvm -cpu host '*) ;; *) echo 'not asked "
                           "for kvm' >&2; exit 3;; esac\n"
                           "for a in \"$@\"; do case $a in file:*) [ -n \"$console\" ] || "
                           "console=${a#file:};; esac; done\n"
                        << behaviour << "\n";
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }
  Accelerator Choose(const std::string& qemu, double timeout_s = 120) {
    return ChooseAccelerator(qemu, "/k/vmlinuz", (dir_ / "scratch").string(), timeout_s,
                             (dir_ / "kvm").string());
  }

  nsprobe::testing::TempDir temp_{"fake-qemu"};
  fs::path dir_ = temp_.Path();
};

TEST_F(FakeQemu, KvmIsChosenWhenTheTrialBootPrintsTheKernelBanner) {
  // The boot would go on for far longer than the trial's timeout: the banner ends it.
  Accelerator a = Choose(Qemu(
      "echo 'SeaBIOS (version 1.16.2)' > $console\n"
      "echo 'Linux version 6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org)' >> $console\n"
      "exec sleep 600"));
  EXPECT_TRUE(a.kvm) << a.why;
  EXPECT_EQ(a.Name(), "kvm");
  EXPECT_THAT(a.why, HasSubstr("reached the kernel"));
}

TEST_F(FakeQemu, AnAbortingKvmFallsBackToTcgAndSaysWhatQemuSaid) {
  Accelerator a =
      Choose(Qemu("echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000e1' >&2\n"
                  "kill -ABRT $$"));
  EXPECT_FALSE(a.kvm);
  EXPECT_EQ(a.Name(), "tcg");
  EXPECT_THAT(a.why, AllOf(HasSubstr("did not reach the kernel"), HasSubstr("SIGABRT"),
                           HasSubstr("failed to set MSR 0x10a"), HasSubstr("TCG")));
}

TEST_F(FakeQemu, AGuestThatHangsAfterTheBiosFallsBackToTcg) {
  Accelerator a =
      Choose(Qemu("echo 'SeaBIOS (version 1.16.2)' > $console\nexec sleep 600"), /*timeout_s=*/1);
  EXPECT_FALSE(a.kvm);
  EXPECT_THAT(a.why, AllOf(HasSubstr("no kernel line within 1 s"), HasSubstr("TCG")));
}

TEST_F(FakeQemu, AKernelLineThatIsNotTheBannerIsNotEnough) {
  Accelerator a = Choose(Qemu("echo 'Booting from ROM...' > $console; exit 0"));
  EXPECT_FALSE(a.kvm) << a.why;
  EXPECT_THAT(a.why, HasSubstr("exit 0"));
}

TEST_F(FakeQemu, NoUsableKvmDeviceMeansTcgWithoutATrial) {
  // The script would fail the test if it ran: it refuses to be asked for anything.
  Accelerator a =
      ChooseAccelerator(Qemu("echo ran > " + (dir_ / "ran").string()), "/k/vmlinuz",
                        (dir_ / "scratch").string(), 120, (dir_ / "no-such-kvm").string());
  EXPECT_FALSE(a.kvm);
  EXPECT_THAT(a.why, HasSubstr("cannot be opened"));
  EXPECT_FALSE(fs::exists(dir_ / "ran"));
}

TEST(Qemu, TheTrialBootHasNoInitrdAndTheProgramIsTheOneFound) {
  QemuOptions o;
  o.vmlinuz = "/k/vmlinuz";
  o.program = "/opt/qemu/bin/qemu-system-x86_64";
  std::vector<std::string> argv = QemuArgv(o);
  EXPECT_EQ(argv.front(), "/opt/qemu/bin/qemu-system-x86_64");
  EXPECT_THAT(argv, ::testing::Not(::testing::Contains("-initrd")));
}

record::Case SuiteCase(const std::string& name, record::Verdict v) {
  record::Case c;
  c.suite = "uts";
  c.label = "uts";
  c.name = name;
  c.verdict = v;
  return c;
}

record::Record ProblemOnly(const std::string& label, const std::string& problem) {
  KernelRun run;
  run.label = label;
  run.emulation = "kvm";
  run.problems.push_back(problem);
  return CombineRuns(run);
}

TEST(MatrixOutcome, AKernelWithoutCasesFailsTheMatrixAndIsNamed) {
  record::Record good;
  good.cases = {SuiteCase("A.B", record::Verdict::kPass), SuiteCase("A.C", record::Verdict::kSkip)};
  record::Record empty = ProblemOnly("6.1.0-56-cloud-amd64", "qemu: signal 6 (SIGABRT)");
  EXPECT_EQ(SuiteCases(empty), 0);
  EXPECT_EQ(SuiteCases(good), 2);

  MatrixOutcome only_good = JudgeMatrix({{"host", good}});
  EXPECT_EQ(only_good.exit_status, 0);
  EXPECT_THAT(only_good.messages, IsEmpty());

  MatrixOutcome o = JudgeMatrix({{"host", good}, {"6.1.0-56-cloud-amd64", empty}});
  EXPECT_EQ(o.exit_status, 1);
  ASSERT_THAT(o.messages, SizeIs(1));
  EXPECT_THAT(o.messages[0], AllOf(HasSubstr("kernel 6.1.0-56-cloud-amd64"), HasSubstr("no case"),
                                   HasSubstr("SIGABRT")));
}

TEST(MatrixOutcome, AFailedCaseFailsTheMatrixAndNamesItsKernel) {
  record::Record bad;
  bad.cases = {SuiteCase("A.B", record::Verdict::kFail)};
  MatrixOutcome o = JudgeMatrix({{"6.12.0-cloud", bad}});
  EXPECT_EQ(o.exit_status, 1);
  ASSERT_THAT(o.messages, SizeIs(1));
  EXPECT_THAT(o.messages[0], HasSubstr("kernel 6.12.0-cloud: 1 case(s) failed"));
}

TEST(MatrixOutcome, TheRecordSaysWhichAcceleratorAndWhy) {
  KernelRun run;
  run.label = "6.1";
  run.emulation = "tcg";
  run.accelerator = "KVM trial boot did not reach the kernel (qemu: signal 6 (SIGABRT)): QEMU TCG";
  record::Record rec = CombineRuns(run);
  EXPECT_EQ(rec.Fact("emulation"), "tcg");
  EXPECT_EQ(rec.options["matrix"]["accelerator"], run.accelerator);
}

}  // namespace
}  // namespace nsprobe::matrix
