// The kernel matrix's parts that need no guest: the initramfs archive, the ldd and
// modules.dep readers, /init, the qemu command line, the serial framing, per-kernel records,
// the report, and the CI workflow template. Booting a kernel is opt-in: matrix/guest_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "ci/matrix/guest_image.hpp"
#include "ci/matrix/initramfs.hpp"
#include "ci/matrix/kernel_record.hpp"
#include "ci/matrix/kernels.hpp"
#include "ci/matrix/matrix_report.hpp"
#include "ci/matrix/process.hpp"
#include "ci/matrix/qemu.hpp"
#include "ci/matrix/serial.hpp"
#include "runtime/fd.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;

// A file of share/nsprobe/ in this test's tree (tests/../share/nsprobe/), as installed.
std::string ShareFile(const std::string& name) {
  return (fs::path(nsprobe::testing::SelfDir()).parent_path() / "share" / "nsprobe" / name)
      .string();
}
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A fresh directory under /tmp, removed when the test ends: tests run in parallel and as
// different users, so no fixed names.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "nsprobe-matrix-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::system_error(errno, std::generic_category());
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A newc member as read back from the archive bytes.
struct Member {
  std::string name;
  unsigned mode = 0, rmajor = 0, rminor = 0;
  std::string data;
};

unsigned Hex(const std::string& s, std::size_t at) {
  return static_cast<unsigned>(std::stoul(s.substr(at, 8), nullptr, 16));
}

// Reads what the kernel's unpacker reads: headers, names and data on 4-byte boundaries.
std::vector<Member> ReadNewc(const std::string& bytes) {
  std::vector<Member> out;
  std::size_t at = 0;
  while (at + 110 <= bytes.size()) {
    EXPECT_EQ(bytes.substr(at, 6), "070701") << "at offset " << at;
    Member m;
    m.mode = Hex(bytes, at + 6 + 8);
    unsigned size = Hex(bytes, at + 6 + 6 * 8);
    m.rmajor = Hex(bytes, at + 6 + 9 * 8);
    m.rminor = Hex(bytes, at + 6 + 10 * 8);
    unsigned namesize = Hex(bytes, at + 6 + 11 * 8);
    m.name = bytes.substr(at + 110, namesize - 1);
    at += 110 + namesize;
    at = (at + 3) & ~std::size_t{3};
    m.data = bytes.substr(at, size);
    at += size;
    at = (at + 3) & ~std::size_t{3};
    if (m.name == "TRAILER!!!") {
      EXPECT_EQ(bytes.size() % 512, 0u) << "cpio pads the archive to whole 512-byte blocks";
      EXPECT_EQ(bytes.find_first_not_of('\0', at), std::string::npos) << "data after the trailer";
      return out;
    }
    out.push_back(m);
  }
  ADD_FAILURE() << "no TRAILER!!! member";
  return out;
}

TEST(Initramfs, ArchiveHoldsParentsBeforeChildrenWithModesAndData) {
  ScratchDir scratch;
  std::string tmp = scratch / "src";
  { std::ofstream(tmp) << "copied from the host\n"; }
  Image image;
  image.File("/usr/bin/tool", tmp, 0755);
  image.Data("/init", "#!/bin/sh\n", 0755);
  image.Symlink("/bin/sh", "busybox");
  image.CharDev("/dev/console", 5, 1);
  image.Dir("/tmp", 01777);
  std::ostringstream out;
  image.WriteCpio(out);
  std::vector<Member> m = ReadNewc(out.str());
  std::vector<std::string> names;
  for (const Member& x : m) names.push_back(x.name);
  EXPECT_THAT(names, ElementsAre("bin", "bin/sh", "dev", "dev/console", "init", "tmp", "usr",
                                 "usr/bin", "usr/bin/tool"));
  EXPECT_EQ(m[1].mode, 0120777u) << "symlink";
  EXPECT_EQ(m[1].data, "busybox");
  EXPECT_EQ(m[3].mode, 020600u) << "character device";
  EXPECT_EQ(m[3].rmajor, 5u);
  EXPECT_EQ(m[3].rminor, 1u);
  EXPECT_EQ(m[4].mode, 0100755u);
  EXPECT_EQ(m[4].data, "#!/bin/sh\n");
  EXPECT_EQ(m[5].mode, 041777u) << "sticky /tmp";
  EXPECT_EQ(m[8].data, "copied from the host\n");
}

TEST(Initramfs, ArchiveUnpacksWithTheCpioTool) {
  // The kernel's unpacker is not reachable from here; GNU cpio reads the same format.
  if (!fs::exists("/usr/bin/cpio")) GTEST_SKIP() << "unsupported: /usr/bin/cpio is not installed";
  Image image;
  image.Data("/etc/greeting", "hello\n");
  image.Symlink("/etc/link", "greeting");
  ScratchDir scratch;
  const std::string dir = scratch / "cpio";
  fs::create_directories(dir);
  {
    std::ofstream out(dir + "/a.cpio", std::ios::binary);
    image.WriteCpio(out);
  }
  std::string listing = Capture({"cpio", "-itv", "-F", dir + "/a.cpio"});
  EXPECT_THAT(listing, AllOf(HasSubstr(" 6 "), HasSubstr(" etc/greeting\n"),
                             HasSubstr(" etc/link -> greeting\n"), HasSubstr("1 block")));
}

TEST(Initramfs, RejectsRelativePathsAndFilesAsParents) {
  Image image;
  EXPECT_THROW(image.Data("etc/x", ""), std::invalid_argument);
  EXPECT_THROW(image.Data("/etc/../x", ""), std::invalid_argument);
  image.Data("/etc", "a file");
  EXPECT_THROW(image.Data("/etc/x", ""), std::invalid_argument);
}

TEST(Ldd, ListsLibrariesAndLoaderButNotTheVdso) {
  const std::string text =
      "\tlinux-vdso.so.1 (0x00007ffd5a3f6000)\n"
      "\tlibfmt.so.9 => /lib/x86_64-linux-gnu/libfmt.so.9 (0x00007f3c1a000000)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3c19e00000)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f3c1a2a0000)\n";
  EXPECT_THAT(ParseLdd(text),
              ElementsAre("/lib/x86_64-linux-gnu/libfmt.so.9", "/lib/x86_64-linux-gnu/libc.so.6",
                          "/lib64/ld-linux-x86-64.so.2"));
}

TEST(Ldd, MissingLibraryIsAnErrorNamingIt) {
  try {
    ParseLdd("\tlibgone.so.3 => not found\n");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("libgone.so.3"));
  }
}

TEST(Ldd, ReadsTheRealLddOutputOfThisTest) {
  // Not /proc/self/exe in ldd's own argv: ldd is a shell script and would read its shell.
  std::vector<std::string> libs = ParseLdd(Capture({"ldd", fs::read_symlink("/proc/self/exe")}));
  EXPECT_THAT(libs, Contains(HasSubstr("libc.so.6")));
  for (const std::string& lib : libs) EXPECT_TRUE(fs::exists(lib)) << lib;
}

TEST(Modules, ClosureLoadsDependenciesFirstAndSkipsBuiltins) {
  auto deps = ParseModulesDep(
      "kernel/fs/overlayfs/overlay.ko.xz:\n"
      "kernel/drivers/net/veth.ko:\n"
      "kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/netfs/netfs.ko\n"
      "kernel/net/9p/9pnet.ko: kernel/fs/netfs/netfs.ko\n"
      "kernel/fs/netfs/netfs.ko:\n"
      "kernel/drivers/net/mac-vlan.ko:\n");
  EXPECT_EQ(deps.size(), 6u);
  EXPECT_TRUE(deps.contains("mac_vlan")) << "dashes read as underscores";
  EXPECT_THAT(ModuleClosure(deps, {"9p", "veth", "builtin_thing"}),
              ElementsAre("kernel/fs/netfs/netfs.ko", "kernel/net/9p/9pnet.ko",
                          "kernel/fs/9p/9p.ko", "kernel/drivers/net/veth.ko"));
  EXPECT_EQ(ModuleName("kernel/fs/overlayfs/overlay.ko.xz"), "overlay");
}

TEST(Init, ScriptIsValidShellThatRunsBothUsersAndPowersOff) {
  GuestPlan plan;
  plan.nsprobe = "/w/build/bin/nsprobe";
  plan.suites_dir = "/w/build/bin";
  plan.modules = {"veth", "overlay"};
  std::string script = InitScript(plan);
  EXPECT_THAT(
      script,
      AllOf(HasSubstr("for m in veth overlay; do modprobe"), HasSubstr("N=/w/build/bin/nsprobe\n"),
            HasSubstr("$N run --suites /w/build/bin --out"),
            HasSubstr("AS_USER=\"/usr/bin/setpriv --reuid 65534 --regid 65534 --clear-groups\""),
            HasSubstr("$AS_USER $N run"), HasSubstr("> /dev/ttyS1"), HasSubstr("poweroff -f")));
  EXPECT_TRUE(script.starts_with("#!/bin/busybox sh\n"));
  // dash -n parses without running: a quoting slip in the template fails here, not in a guest.
  ScratchDir scratch;
  std::string path = scratch / "init.sh";
  { std::ofstream(path) << script; }
  Ran ran = RunLogged({"sh", "-n", path}, "/dev/null", 30);
  EXPECT_TRUE(ran.status.Success()) << ran.status.Describe();
}

TEST(Qemu, CommandLineBootsWithTwoSerialFilesAndNoReboot) {
  QemuOptions o;
  o.vmlinuz = "/k/vmlinuz-6.1";
  o.initrd = "/k/initrd.cpio";
  o.cmdline = KernelCmdline();
  o.console_log = "/o/console.log";
  o.results = "/o/serial.txt";
  std::vector<std::string> argv = QemuArgv(o);
  std::string joined;
  for (const std::string& a : argv) joined += a + " ";
  EXPECT_THAT(joined,
              AllOf(HasSubstr("-accel tcg,thread=multi -cpu max -smp 2"), HasSubstr("-no-reboot"),
                    HasSubstr("-kernel /k/vmlinuz-6.1 -initrd /k/initrd.cpio"),
                    HasSubstr("-serial file:/o/console.log -serial file:/o/serial.txt")));
  EXPECT_THAT(argv, Not(Contains("-bios")));
  EXPECT_THAT(KernelCmdline(), AllOf(HasSubstr("console=ttyS0"), HasSubstr("panic=-1")));
  o.kvm = true;
  EXPECT_THAT(QemuArgv(o), AllOf(Contains("kvm"), Contains("host")));
}

TEST(Qemu, FirmwareIsGivenOnlyWhenNamedAndQbootOnlyWhenInstalled) {
  QemuOptions o;
  o.vmlinuz = "/k/vmlinuz";
  o.bios = "/usr/share/qemu/qboot.rom";
  std::vector<std::string> argv = QemuArgv(o);
  ASSERT_GE(argv.size(), 3u);
  EXPECT_EQ(argv[1], "-bios");
  EXPECT_EQ(argv[2], "/usr/share/qemu/qboot.rom");
  ScratchDir scratch;
  const std::string dir = scratch / "share";
  fs::create_directories(dir);
  EXPECT_EQ(FindQboot(dir), "");
  { std::ofstream(dir + "/qboot.rom") << "rom"; }
  EXPECT_EQ(FindQboot(dir), dir + "/qboot.rom");
}

// What the guest's busybox sends for the output of `command`: the host's gzip and base64
// write the same formats.
std::string Encoded(const std::string& command) {
  return Capture({"sh", "-c", command + " | gzip -c | base64"});
}

TEST(Serial, FilesSurviveNoiseCarriageReturnsAndBusyboxEncoding) {
  // The guest side uses busybox gzip and base64; the host's tools make the same formats.
  std::string encoded = Encoded("printf 'record\\n'");
  std::string text =
      "[    1.2] kernel noise\r\n@@NSPROBE PHASE init 2.50\r\n"
      "@@NSPROBE MODULES veth\r\n@@NSPROBE FILE record-root.json\r\n" +
      encoded + "@@NSPROBE END record-root.json\r\n" + "@@NSPROBE FILE big.txt\n" +
      Encoded("head -c 100000 /dev/zero | tr '\\0' x") +
      "\n@@NSPROBE END big.txt\n@@NSPROBE PHASE collect 9.25\n@@NSPROBE DONE 10.5\n";
  SerialReport r = ParseSerial(text);
  EXPECT_THAT(r.problems, IsEmpty());
  EXPECT_EQ(r.files["record-root.json"], "record\n");
  EXPECT_EQ(r.files["big.txt"], std::string(100000, 'x'));
  ASSERT_EQ(r.phases.size(), 2u);
  EXPECT_EQ(r.phases[0].first, "init");
  EXPECT_DOUBLE_EQ(r.phases[0].second, 2.5);
  EXPECT_THAT(r.modules, ElementsAre("veth"));
  EXPECT_TRUE(r.done);
  EXPECT_DOUBLE_EQ(r.done_uptime, 10.5);
  EXPECT_EQ(LastPhase(text), "collect");
}

TEST(Serial, CutOffTransferIsReportedNotInvented) {
  std::string body = Encoded("echo whole file");
  SerialReport r = ParseSerial("@@NSPROBE FILE a.json\n" + body.substr(0, body.size() / 2) +
                               "\n@@NSPROBE END a.json\n@@NSPROBE FILE b.json\n" + body);
  EXPECT_THAT(r.files, IsEmpty());
  EXPECT_THAT(r.problems, ElementsAre(HasSubstr("a.json: gunzip"), HasSubstr("b.json: cut off")));
  EXPECT_FALSE(r.done);
}

TEST(Kernels, ArgumentsNameTheHostAPathOrAPackage) {
  EXPECT_EQ(ParseKernelArg("host"), (KernelRequest{KernelRequest::Source::kHost, "host"}));
  EXPECT_EQ(ParseKernelArg("./boot/vmlinuz-6.1.0-56-amd64").source, KernelRequest::Source::kPath);
  EXPECT_EQ(ParseKernelArg("linux-image-6.12.117+deb12-cloud-amd64").source,
            KernelRequest::Source::kPackage);
  EXPECT_THROW(ParseKernelArg(""), std::invalid_argument);
  EXPECT_THROW(ParseKernelArg("Linux Image"), std::invalid_argument);
  EXPECT_EQ(ReleaseOfVmlinuz("/x/boot/vmlinuz-6.1.0-56-cloud-amd64"), "6.1.0-56-cloud-amd64");
  EXPECT_THROW(ReleaseOfVmlinuz("/x/bzImage"), std::invalid_argument);
  EXPECT_EQ(ImageDependency("linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)"),
            "linux-image-6.1.0-56-cloud-amd64");
  EXPECT_EQ(ImageDependency("initramfs-tools | linux-initramfs-tool"), "");
}

TEST(Kernels, DefaultsAreTheHostAndTheKernelsTheArchiveHas) {
  auto names = [](const std::vector<KernelRequest>& ks) {
    std::vector<std::string> v;
    for (const auto& k : ks) v.push_back(k.value);
    return v;
  };
  auto all = [](const std::string&) { return true; };
  auto no_612 = [](const std::string& p) { return p.find("6.12") == std::string::npos; };
  EXPECT_THAT(names(DefaultKernels(false, all)),
              ElementsAre("host", "linux-image-amd64", "linux-image-cloud-amd64",
                          "linux-image-6.12-cloud-amd64"));
  EXPECT_THAT(names(DefaultKernels(false, no_612)),
              ElementsAre("host", "linux-image-amd64", "linux-image-cloud-amd64"));
  EXPECT_THAT(names(DefaultKernels(true, all)), Contains("linux-image-rt-amd64"));
}

record::Case MakeCase(std::string suite, std::string name, record::Verdict v,
                      std::string reason = "") {
  record::Case c;
  c.suite = suite;
  c.label = suite;
  c.name = name;
  c.verdict = v;
  c.reason = reason;
  if (v == record::Verdict::kSkip) c.skip_category = reason.substr(0, reason.find(':'));
  return c;
}

MatrixColumn Column(std::string label, std::string emulation, bool ns_get_id) {
  KernelRun run;
  run.label = label;
  run.source = label;
  run.emulation = emulation;
  record::Record root;
  root.fingerprint = {{"kernel.release", label}, {"cgroup.version", "2"}, {"host", label}};
  root.probe = {
      {"clone3", true}, {"ns_get_id", ns_get_id}, {"results", nlohmann::ordered_json::array()}};
  root.probe["results"].push_back(
      {{"kind", "time"}, {"mode", "privileged"}, {"verdict", "available"}, {"reason", ""}});
  root.cases = {MakeCase("uts", "Uts.HostnameIsolated", record::Verdict::kPass),
                ns_get_id ? MakeCase("identity", "Identity.NsGetId", record::Verdict::kPass)
                          : MakeCase("identity", "Identity.NsGetId", record::Verdict::kSkip,
                                     "unsupported: NS_GET_ID needs Linux 6.18 (ENOTTY)")};
  record::Record unpriv;
  unpriv.cases = {MakeCase("uts", "Uts.HostnameIsolated", record::Verdict::kPass)};
  run.root = root;
  run.unprivileged = unpriv;
  return {run, CombineRuns(run)};
}

TEST(KernelRecord, FoldsTheUnprivilegedRunAndMarksEmulation) {
  MatrixColumn c = Column("6.1.0-56-cloud-amd64", "tcg", false);
  std::vector<std::string> keys;
  for (const record::Case& x : c.record.cases) keys.push_back(x.Key());
  EXPECT_THAT(keys, ElementsAre("uts:Uts.HostnameIsolated", "identity:Identity.NsGetId",
                                "uts-uid65534:Uts.HostnameIsolated"));
  EXPECT_EQ(c.record.Fact("emulation"), "tcg");
  EXPECT_THAT(c.record.Fact("virtualization"), HasSubstr("emulated (QEMU TCG)"));
  EXPECT_EQ(c.record.options["matrix"]["kernel"], "6.1.0-56-cloud-amd64");

  KernelRun broken;
  broken.label = "6.12";
  broken.emulation = "tcg";
  broken.problems = {"the guest timed out after 600 s"};
  broken.console_log = "/o/6.12/console.log";
  record::Record r = CombineRuns(broken);
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].verdict, record::Verdict::kError);
  EXPECT_THAT(r.cases[0].reason, AllOf(HasSubstr("timed out"), HasSubstr("console.log")));
}

TEST(Report, DifferencesComeFirstWithKernelsAsColumns) {
  std::vector<MatrixColumn> cols = {Column("host", "none", true),
                                    Column("6.1.0-56-cloud-amd64", "tcg", false)};
  std::vector<MatrixRow> features = FeatureRows(cols);
  std::map<std::string, MatrixRow> by_name;
  for (const MatrixRow& r : features) by_name[r.name] = r;
  EXPECT_TRUE(std::is_partitioned(features.begin(), features.end(), [](const MatrixRow& r) {
    return r.differs;
  })) << "differing rows first";
  EXPECT_TRUE(by_name["ns_get_id"].differs);
  EXPECT_THAT(by_name["ns_get_id"].cells, ElementsAre("yes", "no"));
  EXPECT_TRUE(by_name["kernel.release"].differs);
  EXPECT_THAT(by_name["emulation"].cells, ElementsAre("none", "tcg"));
  EXPECT_FALSE(by_name["clone3"].differs);
  EXPECT_FALSE(by_name["cgroup.version"].differs);
  EXPECT_FALSE(by_name.contains("host")) << "per-host noise is left out";
  const MatrixRow& skipped = by_name["NS_GET_ID needs Linux 6.18 (ENOTTY)"];
  EXPECT_EQ(skipped.group, "unsupported") << "a suite's unsupported skip is a feature row";
  EXPECT_THAT(skipped.cells, ElementsAre("available", "unsupported"));
  EXPECT_TRUE(skipped.differs);

  std::vector<MatrixRow> cases = CaseRows(cols);
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].name, "identity:Identity.NsGetId");
  EXPECT_TRUE(cases[0].differs);
  EXPECT_THAT(cases[0].cells, ElementsAre("pass", "skip: unsupported"));
  EXPECT_FALSE(cases[1].differs);

  std::string md = RenderMatrixMarkdown(cols);
  EXPECT_THAT(md, AllOf(HasSubstr("| | host | 6.1.0-56-cloud-amd64 (TCG) |"),
                        HasSubstr("NS_GET_ID needs Linux 6.18"), HasSubstr("1 of 3 cases differ")));
  EXPECT_LT(md.find("ns_get_id"), md.find("cgroup.version")) << "differences first:\n" << md;
  std::string html = RenderMatrixHtml(cols);
  EXPECT_THAT(html, AllOf(HasSubstr("<th>6.1.0-56-cloud-amd64 (TCG)</th>"),
                          HasSubstr("class=\"differs\""), HasSubstr("</html>")));
}

TEST(Report, ACaseOneKernelDidNotRunIsNoDifference) {
  std::vector<MatrixColumn> cols = {Column("host", "none", false),
                                    Column("6.1.0-56-cloud-amd64", "tcg", false)};
  cols[0].record.cases.push_back(MakeCase("record_cli", "RecordCli.Run", record::Verdict::kPass));
  std::vector<MatrixRow> cases = CaseRows(cols);
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_THAT(cases.back().cells, ElementsAre("pass", "—"));
  EXPECT_FALSE(cases.back().differs) << "the guest leaves out nsprobe's tooling suites";
}

// The GitHub Actions template: parsed as YAML, with the jobs and steps CI relies on.
class Workflow : public ::testing::Test {
 protected:
  void SetUp() override { workflow_ = YAML::LoadFile(ShareFile("workflows/github/nsprobe.yml")); }
  YAML::Node Job(const std::string& name) { return workflow_["jobs"][name]; }
  // Every step's `uses` and `run`, one string per step.
  std::vector<std::string> Steps(const std::string& job) {
    std::vector<std::string> out;
    for (const auto& step : Job(job)["steps"])
      out.push_back(step["uses"].as<std::string>("") + " " + step["run"].as<std::string>(""));
    return out;
  }
  YAML::Node workflow_;
};

TEST_F(Workflow, ConformanceRunsOnBothUbuntuImagesAndUploadsRecords) {
  ASSERT_TRUE(Job("conformance")) << "no conformance job";
  std::vector<std::string> os;
  for (const auto& n : Job("conformance")["strategy"]["matrix"]["os"])
    os.push_back(n.as<std::string>());
  EXPECT_THAT(os, ElementsAre("ubuntu-22.04", "ubuntu-24.04"));
  EXPECT_EQ(Job("conformance")["runs-on"].as<std::string>(), "${{ matrix.os }}");
  EXPECT_THAT(Steps("conformance"), AllOf(Contains(HasSubstr("nsprobe run")),
                                          Contains(HasSubstr("actions/upload-artifact"))));
}

TEST_F(Workflow, KernelMatrixJobBootsKernelsAndUploadsTheirRecords) {
  ASSERT_TRUE(Job("kernel-matrix"));
  EXPECT_THAT(Steps("kernel-matrix"),
              AllOf(Contains(HasSubstr("qemu-system-x86")), Contains(HasSubstr("nsprobe matrix")),
                    Contains(HasSubstr("actions/upload-artifact"))));
}

TEST_F(Workflow, AggregateComparesEveryRecordIntoTheStepSummary) {
  ASSERT_TRUE(Job("aggregate"));
  std::vector<std::string> needs;
  for (const auto& n : Job("aggregate")["needs"]) needs.push_back(n.as<std::string>());
  EXPECT_THAT(needs, ElementsAre("conformance", "kernel-matrix"));
  EXPECT_THAT(
      Steps("aggregate"),
      AllOf(Contains(HasSubstr("actions/download-artifact")),
            Contains(AllOf(HasSubstr("nsprobe compare"), HasSubstr("GITHUB_STEP_SUMMARY")))));
}

TEST_F(Workflow, BenchmarksFeedGithubActionBenchmarkAsGooglecpp) {
  ASSERT_TRUE(Job("benchmarks"));
  bool found = false;
  for (const auto& step : Job("benchmarks")["steps"]) {
    if (step["uses"].as<std::string>("").rfind("benchmark-action/github-action-benchmark", 0) != 0)
      continue;
    found = true;
    EXPECT_EQ(step["with"]["tool"].as<std::string>(), "googlecpp");
    EXPECT_EQ(step["with"]["output-file-path"].as<std::string>(), "bench.json");
  }
  EXPECT_TRUE(found) << "no github-action-benchmark step";
  // The entry point a person uses, writing the one file the tracking step reads.
  EXPECT_THAT(Steps("benchmarks"), Contains(HasSubstr("scripts/bench --out bench.json")));
}

TEST(KernelCi, ReadmeShowsTheKtapToLavaPath) {
  std::string text = ReadFile(ShareFile("workflows/kernelci/README.md"));
  EXPECT_THAT(text, AllOf(HasSubstr("results.ktap"), HasSubstr("lava-test-case"),
                          HasSubstr("nsprobe report --format ktap")));
}

}  // namespace
}  // namespace nsprobe::matrix
