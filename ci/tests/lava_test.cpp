// The LAVA engine's parts that need no guest: the case-id mapping, the result lines of
// `nsprobe run --lava`, lava-run's log read back into a record (a real log as the fixture),
// and the job and device files made concrete for one kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "ci/lava/lava_id.hpp"
#include "ci/lava/lava_job.hpp"
#include "ci/lava/lava_results.hpp"
#include "ci/matrix/initramfs.hpp"
#include "ci/matrix/kernel_record.hpp"
#include "ci/matrix/process.hpp"
#include "ci/record/input_error.hpp"
#include "runtime/fd.hpp"
#include "suites/support/paths.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe::lava {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

// LAVA's charset for a test case name.
bool InLavaCharset(const std::string& id) {
  static const std::regex kCharset("[-_a-zA-Z0-9.]+");
  return std::regex_match(id, kCharset);
}

TEST(CaseId, ReadsAsTheGtestNameWithSlashesAsDashes) {
  EXPECT_EQ(CaseId("pid", "Modes/PidNamespace.SeesItselfAsPid1/privileged"),
            "pid.Modes-PidNamespace.SeesItselfAsPid1-privileged");
  EXPECT_EQ(CaseId("pid-uid65534", "Modes/PidNamespace.SeesItselfAsPid1/unprivileged"),
            "pid-uid65534.Modes-PidNamespace.SeesItselfAsPid1-unprivileged");
  EXPECT_EQ(CaseId("join_by", "A_B.C"), "join__by.A__B.C");
}

TEST(CaseId, NamesThatASimpleReplacementWouldMergeGetDistinctIds) {
  // Each group would collapse to one id if '/', '-', '_' and '.' were replaced by one
  // character, or if the suite's '.' and the name's '.' were not told apart.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"pid", "A/B"},  {"pid", "A-B"},   {"pid", "A_B"},   {"pid", "A.B"},  {"pid", "A_2FB"},
      {"pid", "A__B"}, {"pid", "A_-B"},  {"pid", "A B"},   {"pid", "A\tB"}, {"pid", "A\xc3\xa9"},
      {"pid.A", "B"},  {"pid", "A.B/C"}, {"pid.A", "B/C"}, {"pid_A", "B"},  {"pid-A", "B"},
      {"pid", "_A.B"}, {"pid_", "A.B"},  {"p", "id.A.B"},  {"pid", ""},     {"pid", "/"},
      {"pid", "-"},    {"pid", "_"},     {"pid", "_2D"},   {"pid", "\x7f"}, {"pid", "\x01"}};
  std::map<std::string, std::pair<std::string, std::string>> seen;
  for (const auto& [suite, name] : cases) {
    const std::string id = CaseId(suite, name);
    EXPECT_TRUE(InLavaCharset(id)) << id;
    auto [it, fresh] = seen.emplace(id, std::make_pair(suite, name));
    EXPECT_TRUE(fresh) << "'" << suite << "' '" << name << "' and '" << it->second.first << "' '"
                       << it->second.second << "' both map to " << id;
    EXPECT_THAT(CaseOfId(id), ::testing::Optional(Pair(suite, name))) << id;
  }
}

TEST(CaseId, EveryShortNameOverTheTrickyCharactersHasItsOwnId) {
  // Exhaustive over an alphabet of the characters the escaping is about: 73 suites x 585
  // names, every id distinct, in the charset, and read back.
  const std::string alphabet = "a_-/.2F ";
  std::vector<std::string> words = {""};
  for (std::size_t n = 0, from = 0; n < 3; ++n) {
    const std::size_t to = words.size();
    for (std::size_t i = from; i < to; ++i)
      for (char ch : alphabet) words.push_back(words[i] + ch);
    from = to;
  }
  std::set<std::string> ids;
  int pairs = 0;
  for (const std::string& suite : words) {
    if (suite.empty() || suite.size() > 2) continue;
    for (const std::string& name : words) {
      const std::string id = CaseId(suite, name);
      ASSERT_TRUE(InLavaCharset(id)) << id;
      ASSERT_TRUE(ids.insert(id).second) << "'" << suite << "' '" << name << "' -> " << id;
      ASSERT_THAT(CaseOfId(id), ::testing::Optional(Pair(suite, name))) << id;
      ++pairs;
    }
  }
  EXPECT_EQ(pairs, 72 * 585);
}

TEST(CaseId, StringsItCannotHaveMadeAreRefused) {
  for (const char* bad : {"nodot", ".name", "pid.A_", "pid.A_2", "pid.A_zz", "pid.A_41", "pid.A_2F",
                          "pi d.A", "pid.A B", "pid_.A", "pid.A_2E", "pid_2D.A"})
    EXPECT_EQ(CaseOfId(bad), std::nullopt) << bad;
}

record::Case Case(const std::string& suite, const std::string& name, record::Verdict v) {
  record::Case c;
  c.suite = suite;
  c.label = suite;
  c.name = name;
  c.verdict = v;
  return c;
}

TEST(ResultLines, OneLinePerCaseAnErrorIsAFailAndBenchmarksHaveUnits) {
  record::Record rec;
  rec.cases = {Case("uts", "Modes/Uts.Hostname/privileged", record::Verdict::kPass),
               Case("ipc", "Ipc.Limits", record::Verdict::kFail),
               Case("time", "Time.Offsets", record::Verdict::kSkip),
               Case("pid", "Pid.Crashed", record::Verdict::kError)};
  record::Benchmark b;
  b.name = "BM_CreateNamespace/uts/real_time";
  b.real_ns = {300, 100, 200};
  rec.benchmarks.push_back(b);
  EXPECT_EQ(ResultLines(rec),
            "nsprobe-result: uts.Modes-Uts.Hostname-privileged pass\n"
            "nsprobe-result: ipc.Ipc.Limits fail\n"
            "nsprobe-result: time.Time.Offsets skip\n"
            "nsprobe-result: pid.Pid.Crashed fail\n"
            "nsprobe-result: bench.BM__CreateNamespace-uts-real__time 200.0 ns\n");
}

// The real log of a lava-run (lava-dispatcher 2023.01) of nsprobe's device and job, whose
// guest printed four cases and its fingerprint and probe.
std::string Fixture() {
  std::string text;
  const std::string path =
      (fs::path(nsprobe::testing::SelfDir()) / "fixtures" / "lava-run.log").string();
  EXPECT_TRUE(TryReadFile(path, text)) << path;
  return text;
}

TEST(LavaLog, ARealLogBecomesARecordWithTheGuestsFingerprint) {
  LavaLog log = ReadLavaLog(Fixture(), "lava-run.log");
  EXPECT_EQ(log.job_result, "pass");
  record::Record rec = RecordFromLava(log);
  std::vector<std::string> got;
  for (const record::Case& c : rec.cases)
    got.push_back(c.suite + " " + c.name + " " + std::string(record::VerdictName(c.verdict)) + " " +
                  c.label + " " + c.mode);
  EXPECT_THAT(got,
              ElementsAre("uts Modes/UtsNamespace.HostnameChangeInvisibleToParent/privileged "
                          "pass uts privileged",
                          "uts-uid65534 Modes/UtsNamespace.HostnameChangeInvisibleToParent/"
                          "unprivileged pass uts unprivileged",
                          "identity NsGetId.ReturnsTheNamespaceId skip identity ",
                          "ipc Modes/IpcNamespace.Objects_Vanish/privileged fail ipc privileged"));
  EXPECT_EQ(rec.Fact("kernel.release"), "6.1.0-57-cloud-amd64");
  EXPECT_EQ(rec.probe["ns_get_id"], false);
  EXPECT_THAT(LavaProblems(rec), IsEmpty());
}

TEST(LavaLog, AServersOutputYamlListReadsTheSame) {
  // A LAVA server keeps the same records as a YAML list: "- " before each.
  const std::string text = Fixture();
  std::string listed;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    listed += "- " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  EXPECT_EQ(RecordFromLava(ReadLavaLog(listed, "output.yaml")).cases.size(), 4u);
}

TEST(LavaLog, AFailedJobWithoutCasesSaysWhatLavaSaid) {
  // lava-run's two lines for a device dictionary it cannot use.
  const std::string text =
      R"({"dt": "2026-12-02T13:25:50.978722", "lvl": "error", "msg": "ConfigurationError: The LAVA instance is not configured correctly. Please report this error to LAVA admins."}
{"dt": "2026-12-02T13:25:50.979008", "lvl": "results", "msg": {"case": "job", "definition": "lava", "error_msg": "Constant boot_retry does not exist in the device config 'constants' section.", "error_type": "Configuration", "result": "fail"}}
)";
  record::Record rec = RecordFromLava(ReadLavaLog(text, "lava.log"));
  EXPECT_THAT(rec.cases, IsEmpty());
  EXPECT_THAT(LavaProblems(rec), AllOf(Contains(HasSubstr("Constant boot_retry does not exist")),
                                       Contains(HasSubstr("ConfigurationError")),
                                       Contains(HasSubstr("sent no fingerprint"))));
}

TEST(LavaLog, AResultWhoseIdNsprobeCannotHaveMadeIsAProblemNotACase) {
  const std::string text =
      R"({"dt": "x", "lvl": "results", "msg": {"case": "x", "definition": "nsprobe", "extra": {"test_case_id": "nodot"}, "level": "3.1", "result": "pass"}}
{"dt": "x", "lvl": "results", "msg": {"case": "job", "definition": "lava", "result": "pass"}}
)";
  record::Record rec = RecordFromLava(ReadLavaLog(text, "lava.log"));
  EXPECT_THAT(rec.cases, IsEmpty());
  EXPECT_THAT(LavaProblems(rec), Contains(HasSubstr("'nodot': not an id nsprobe makes")));
}

TEST(LavaLog, TextThatIsNotALavaLogIsRefusedNamingTheLine) {
  EXPECT_THROW(ReadLavaLog("", "empty.log"), record::InputError);
  try {
    ReadLavaLog("{\"dt\": \"x\", \"lvl\": \"info\", \"msg\": \"ok\"}\n[unclosed\n", "bad.log");
    ADD_FAILURE() << "no error";
  } catch (const record::InputError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("bad.log: line 2"), HasSubstr("lava-run")));
  }
  EXPECT_THROW(ReadLavaLog("just: a mapping\n", "plain.yaml"), record::InputError);
}

// share/nsprobe/lava/ in this test's tree, as installed.
std::string ShareLava() {
  return (fs::path(nsprobe::testing::SelfDir()).parent_path() / "share" / "nsprobe" / "lava")
      .string();
}

TEST(JobFiles, TheKernelAndInitramfsGoInByFileUrlWithTheTimeouts) {
  nsprobe::testing::TempDir dir("lava-job");
  WriteJobFiles(
      {ShareLava(), "/c/vmlinuz-6.1", "/c/initrd.cpio", "console=ttyS0 panic=-1", 1800, 4, "2G"},
      dir.Path());
  YAML::Node job = YAML::LoadFile(dir.Sub("job.yaml"));
  YAML::Node deploy = job["actions"][0]["deploy"];
  EXPECT_EQ(deploy["to"].as<std::string>(), "tmpfs");
  EXPECT_EQ(deploy["images"]["kernel"]["url"].as<std::string>(), "file:///c/vmlinuz-6.1");
  EXPECT_EQ(deploy["images"]["kernel"]["image_arg"].as<std::string>(),
            "-kernel {kernel} -append \"console=ttyS0 panic=-1\"");
  EXPECT_EQ(deploy["images"]["ramdisk"]["url"].as<std::string>(), "file:///c/initrd.cpio");
  EXPECT_EQ(job["timeouts"]["connection"]["minutes"].as<int>(), 30);
  YAML::Node monitor = job["actions"][2]["test"]["monitors"][0];
  EXPECT_EQ(monitor["name"].as<std::string>(), kDefinition);
  // The monitor's pattern (Python's re; its named groups unnamed for std::regex) takes the
  // lines `nsprobe run --lava` prints, id and verdict as they are.
  const std::regex pattern(
      std::regex_replace(monitor["pattern"].as<std::string>(), std::regex(R"(\?P<[a-z_]+>)"), ""));
  record::Record rec;
  rec.cases = {Case("pid-uid65534", "Modes/Pid.A_b/unprivileged", record::Verdict::kSkip),
               Case("uts", "Uts.B", record::Verdict::kError)};
  std::vector<std::string> seen;
  const std::string lines = ResultLines(rec);
  for (auto it = std::sregex_iterator(lines.begin(), lines.end(), pattern);
       it != std::sregex_iterator(); ++it)
    seen.push_back((*it)[1].str() + " " + (*it)[2].str());
  EXPECT_THAT(seen, ElementsAre("pid-uid65534.Modes-Pid.A__b-unprivileged skip", "uts.Uts.B fail"));
  YAML::Node device = YAML::LoadFile(dir.Sub("device.yaml"));
  std::vector<std::string> options;
  for (const auto& o : device["actions"]["boot"]["methods"]["qemu"]["parameters"]["options"])
    options.push_back(o.as<std::string>());
  EXPECT_THAT(options,
              AllOf(Contains("-m 2G"), Contains("-smp 4"), Contains(HasSubstr("-accel tcg")),
                    ::testing::Not(Contains(HasSubstr("kvm")))));
}

TEST(JobFiles, APathLavaCannotFetchAndAMissingInstallAreRefused) {
  EXPECT_THROW(FileUrl("/home/a b/vmlinuz"), std::invalid_argument);
  EXPECT_EQ(FileUrl("/c/vmlinuz-6.1.0+1"), "file:///c/vmlinuz-6.1.0+1");
  nsprobe::testing::TempDir dir("lava-job");
  EXPECT_THROW(WriteJobFiles({dir.Path(), "/v", "/i", "", 60, 1, "1G"}, dir.Path()),
               record::InputError);
}

// What LAVA makes of a console: every line a "target" record, and a "results" record for each
// line the monitor's pattern (Python's re, named groups dropped for std::regex) matches.
std::string AsLavaSawIt(const std::string& console, const std::string& python_pattern) {
  const std::regex pattern(std::regex_replace(python_pattern, std::regex(R"(\?P<[a-z_]+>)"), ""));
  std::string log;
  for (std::string_view line : matrix::Lines(console)) {
    const std::string l(line);
    log += R"({"dt": "x", "lvl": "target", "msg": )" + nlohmann::json(l).dump() + "}\n";
    std::smatch m;
    if (std::regex_search(l, m, pattern))
      log += R"({"dt": "x", "lvl": "results", "msg": {"case": "lowered", "definition": "nsprobe", )"
             R"("extra": {"test_case_id": )" +
             nlohmann::json(m[1].str()).dump() + R"(}, "level": "3.1", "result": ")" + m[2].str() +
             "\"}}\n";
  }
  return log +
         R"({"dt": "x", "lvl": "results", "msg": {"case": "job", "definition": "lava", "result": "pass"}})"
         "\n";
}

TEST(LavaGuest, TheGuestsReportThroughTheMonitorIsTheRecordTheMatrixWouldWrite) {
  nsprobe::testing::TempDir o("lava-guest-report");
  record::Record root, unpriv;
  root.cases = {Case("uts", "Modes/UtsNamespace.Hostname/privileged", record::Verdict::kPass),
                Case("ipc", "Ipc.Limits_Per_Namespace", record::Verdict::kFail)};
  unpriv.cases = {Case("uts", "Modes/UtsNamespace.Hostname/unprivileged", record::Verdict::kSkip)};
  std::ofstream(o.Sub("root.log")) << "  uts_test ... ok\nReport: /tmp/x\n" << ResultLines(root);
  std::ofstream(o.Sub("unpriv.log")) << ResultLines(unpriv) << "nsprobe-result: not a line\n";
  std::ofstream(o.Sub("fingerprint.json")) << R"({"kernel.release": "6.1.0-57-cloud-amd64"})";
  std::ofstream(o.Sub("probe-root.json")) << R"({"ns_get_id": false})";
  const std::string console = matrix::Capture(
      {"sh", "-c",
       "O=" + nsprobe::testing::ShellQuoted(o.Path()) + "\n" + matrix::LavaReport(65534)});
  EXPECT_TRUE(console.ends_with("nsprobe-lava: end\n")) << console;

  YAML::Node job = YAML::LoadFile(ShareLava() + "/" + kJobFile);
  const std::string pattern = job["actions"][2]["test"]["monitors"][0]["pattern"].as<std::string>();
  record::Record rec = RecordFromLava(ReadLavaLog(AsLavaSawIt(console, pattern), "simulated"));
  std::vector<std::string> got;
  for (const record::Case& c : rec.cases)
    got.push_back(c.suite + " " + c.name + " " + std::string(record::VerdictName(c.verdict)));
  EXPECT_THAT(got, ElementsAre("uts Modes/UtsNamespace.Hostname/privileged pass",
                               "ipc Ipc.Limits_Per_Namespace fail",
                               matrix::UnprivilegedSuite("uts", 65534) +
                                   " Modes/UtsNamespace.Hostname/unprivileged skip"));
  EXPECT_EQ(rec.Fact("kernel.release"), "6.1.0-57-cloud-amd64");
  EXPECT_EQ(rec.probe["ns_get_id"], false);
  EXPECT_THAT(LavaProblems(rec), IsEmpty());
}

TEST(LavaGuest, TheInitScriptRunsBothUsersWithLavaLinesAndNoSecondUart) {
  matrix::GuestPlan plan;
  plan.nsprobe = "/opt/nsprobe/bin/nsprobe";
  plan.suites_dir = "/opt/nsprobe/libexec/nsprobe";
  plan.lava = true;
  const std::string script = matrix::InitScript(plan);
  EXPECT_THAT(script, AllOf(HasSubstr("echo 'nsprobe-lava: start'\n($N run --jobs 2"),
                            HasSubstr("--timeout 300 --lava > $O/root.log"),
                            HasSubstr("--timeout 300 --lava \\\n  > $O/unpriv.log"),
                            HasSubstr(matrix::LavaReport(65534)), HasSubstr("poweroff -f")));
  EXPECT_THAT(script, ::testing::Not(HasSubstr("ttyS1")));
  nsprobe::testing::TempDir dir("lava-init");
  std::ofstream(dir.Sub("init.sh")) << script;
  EXPECT_NO_THROW(matrix::Capture({"sh", "-n", dir.Sub("init.sh")}));
}

// The test definition's steps as lava-test-shell runs them (one sh script, the params set
// first), with the tarball of a stand-in nsprobe and a lava-test-case that writes down its
// arguments. Returns those calls, one a line.
std::string RunTestDefinition(const nsprobe::testing::TempDir& dir, const std::string& prints) {
  fs::create_directories(dir.Sub("tree/nsprobe-0.1.0/bin"));
  fs::create_directories(dir.Sub("bin"));
  const std::string stub = dir.Sub("tree/nsprobe-0.1.0/bin/nsprobe");
  std::ofstream(stub) << "#!/bin/sh\n[ \"$1 $4\" = 'run --lava' ] || exit 2\n"
                      << prints << "exit 1\n";
  fs::permissions(stub, fs::perms::owner_all);
  const std::string tool = dir.Sub("bin/lava-test-case");
  std::ofstream(tool) << "#!/bin/sh\necho \"$*\" >> "
                      << nsprobe::testing::ShellQuoted(dir.Sub("calls")) << "\n";
  fs::permissions(tool, fs::perms::owner_all);
  matrix::Capture({"tar", "-czf", dir.Sub("nsprobe.tar.gz"), "-C", dir.Sub("tree"), "."});

  YAML::Node def = YAML::LoadFile(ShareLava() + "/nsprobe-test-definition.yaml");
  EXPECT_EQ(def["metadata"]["format"].as<std::string>(), "Lava-Test Test Definition 1.0");
  std::string script = "PATH=" + nsprobe::testing::ShellQuoted(dir.Sub("bin")) + ":$PATH\n";
  for (const auto& p : def["params"]) {
    std::string value = p.second.as<std::string>();
    if (p.first.as<std::string>() == "NSPROBE_TARBALL") value = dir.Sub("nsprobe.tar.gz");
    script += p.first.as<std::string>() + "=" + nsprobe::testing::ShellQuoted(value) + "\n";
  }
  // Where the steps unpack and write: this test's directory, not the machine's /opt and /tmp.
  for (const auto& step : def["run"]["steps"])
    script += std::regex_replace(step.as<std::string>(), std::regex("(/opt|/tmp)\\b"),
                                 dir.Path() + "$1") +
              "\n";
  fs::create_directories(dir.Sub("opt"));
  fs::create_directories(dir.Sub("tmp"));
  matrix::Capture({"sh", "-c", script});
  std::string calls;
  TryReadFile(dir.Sub("calls"), calls);
  return calls;
}

TEST(TestDefinition, EachResultLineBecomesALavaTestCase) {
  nsprobe::testing::TempDir dir("lava-testdef");
  EXPECT_EQ(RunTestDefinition(dir,
                              "echo 'some table'\n"
                              "echo 'nsprobe-result: uts.Modes-Uts.A-privileged pass'\n"
                              "echo 'nsprobe-result: ipc-uid65534.Ipc.B__c fail'\n"
                              "echo 'nsprobe-result: time.Time.C skip'\n"
                              "echo 'nsprobe-result: bench.BM__Create-uts 1234.5 ns'\n"),
            "uts.Modes-Uts.A-privileged --result pass\n"
            "ipc-uid65534.Ipc.B__c --result fail\n"
            "time.Time.C --result skip\n"
            "bench.BM__Create-uts --result pass --measurement 1234.5 --units ns\n");
}

TEST(TestDefinition, ARunWithoutResultLinesIsAFailedCaseNotNothing) {
  nsprobe::testing::TempDir dir("lava-testdef");
  EXPECT_EQ(RunTestDefinition(dir, "echo 'nsprobe run: no suites found' >&2\n"),
            "nsprobe-run --result fail\n");
}

}  // namespace
}  // namespace nsprobe::lava
