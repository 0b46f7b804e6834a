// nsprobe run and nsprobe report as a person or CI types them: what they write, what they
// print, their exit status, and how they refuse bad input. The suites are stand-ins (shell
// scripts speaking gtest's protocol) plus the real kind_test, so the run is quick and its
// verdicts are known.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <thread>

#include "ci/record/record.hpp"
#include "ci/report/render.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "runtime/launch.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::record {

// The tests read the record layer and the layers on top of it together.
using namespace nsprobe::report;  // NOLINT(google-build-using-namespace)
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Nsprobe;

// Lists three cases, reports one pass, one failure with the value seen and one probe skip,
// and exits 1 as gtest does when a case failed.
constexpr const char* kFakeSuite = R"sh(#!/bin/sh
out=
for a in "$@"; do
  case "$a" in
    --gtest_list_tests)
      printf 'Running main()\nModes/Fake.\n  Passes/privileged  # GetParam() = 0\n'
      printf '  Fails/unprivileged  # GetParam() = 1\n  Skips/unprivileged  # GetParam() = 1\n'
      exit 0 ;;
    --gtest_output=json:*) out="${a#--gtest_output=json:}" ;;
  esac
done
cat <<'EOT'
[ RUN      ] Modes/Fake.Passes/privileged
[       OK ] Modes/Fake.Passes/privileged (1 ms)
[ RUN      ] Modes/Fake.Fails/unprivileged
fake.cpp:7: Failure
Expected equality of these values:
  seen
    Which is: 4711
[  FAILED  ] Modes/Fake.Fails/unprivileged, where GetParam() = 1 (2 ms)
[ RUN      ] Modes/Fake.Skips/unprivileged
fake.cpp:9: Skipped
unsupported: fake kernel lacks it (ENOTTY)
[  SKIPPED ] Modes/Fake.Skips/unprivileged (0 ms)
EOT
cat > "$out" <<'EOT'
{"testsuites": [{"name": "Modes/Fake", "testsuite": [
 {"name": "Passes/privileged", "status": "RUN", "result": "COMPLETED", "time": "0.001s"},
 {"name": "Fails/unprivileged", "status": "RUN", "result": "COMPLETED", "time": "0.002s",
  "failures": [{"failure": "fake.cpp:7\nExpected equality of these values:\n  seen\n    Which is: 4711", "type": ""}]},
 {"name": "Skips/unprivileged", "status": "RUN", "result": "SKIPPED", "time": "0s"}]}]}
EOT
exit 1
)sh";

// What the one-case suites below share: `one_case SUITE CASE` answers --gtest_list_tests and
// finds the JSON path; `verdict [FAILURE]` prints the case's lines and writes its JSON, then
// exits as gtest would (0 passed, 1 failed).
constexpr const char* kOneCasePrelude = R"sh(#!/bin/sh
one_case() {
  suite=$1 name=$2
  case "$*" in *--gtest_list_tests*) printf '%s.\n  %s\n' "$suite" "$name"; exit 0 ;; esac
}
for a in "$@"; do case "$a" in --gtest_output=json:*) out="${a#--gtest_output=json:}" ;; esac; done
verdict() {
  echo "[ RUN      ] $suite.$name"
  head="{\"testsuites\": [{\"name\": \"$suite\", \"testsuite\": [{\"name\": \"$name\", \"status\": \"RUN\", \"result\": \"COMPLETED\", \"time\": \"0s\""
  if [ -z "$1" ]; then
    echo "[       OK ] $suite.$name (0 ms)"
    echo "$head}]}]}" > "$out"
    exit 0
  fi
  echo "[  FAILED  ] $suite.$name (0 ms)"
  echo "$head, \"failures\": [{\"failure\": \"$1\", \"type\": \"\"}]}]}]}" > "$out"
  exit 1
}
)sh";

// One case that passes on odd runs and fails on even ones (a counter beside the script).
constexpr const char* kFlakySuite = R"sh(one_case Flaky Sometimes "$@"
n=$(($(cat "$0.count" 2>/dev/null || echo 0) + 1)); echo $n > "$0.count"
if [ $((n % 2)) -eq 1 ]; then verdict; else verdict "x.cpp:1 raced"; fi
)sh";

// Passes only when its partner (meet_a_test and meet_b_test) runs at the same time: each
// leaves a marker and waits up to 3 s for the other's.
constexpr const char* kMeetingSuite = R"sh(one_case Meet Partner "$@"
me=$(basename "$0"); dir=$(dirname "$0")
case "$me" in meet_a_test) other=meet_b_test ;; *) other=meet_a_test ;; esac
touch "$dir/$me.here"
i=0
while [ ! -e "$dir/$other.here" ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
if [ -e "$dir/$other.here" ]; then verdict; else verdict "x.cpp:1 alone"; fi
)sh";

// Lists two cases, starts the first and dies of SIGSEGV.
constexpr const char* kCrashingSuite = R"sh(#!/bin/sh
case "$*" in *--gtest_list_tests*) printf 'Crash.\n  First\n  Second\n'; exit 0 ;; esac
echo '[ RUN      ] Crash.First'
ulimit -c 0  # a deliberate crash: no core file in anyone's directory
kill -SEGV $$
)sh";

// Lists one case and never finishes it.
constexpr const char* kHangingSuite = R"sh(#!/bin/sh
case "$*" in *--gtest_list_tests*) printf 'Hang.\n  Forever\n'; exit 0 ;; esac
echo '[ RUN      ] Hang.Forever'
exec sleep 60
)sh";

class RecordCli : public nsprobe::testing::NoLeaksTest {
 protected:
  void AddScript(const std::string& name, const char* text) {
    testing::WriteText(suites_ / name, text);
    ::chmod((suites_ / name).c_str(), 0755);
  }
  // A suite of one case, its body after kOneCasePrelude.
  void AddOneCaseScript(const std::string& name, const char* body) {
    AddScript(name, (std::string(kOneCasePrelude) + body).c_str());
  }
  // The real kind_test, one of the runtime's own tests (built beside this one): a suite that
  // passes. In a directory without a manifest, every *_test is labelled by its name.
  void AddKindTest() {
    fs::create_symlink(fs::path(nsprobe::testing::SelfDir()) / "kind_test", suites_ / "kind_test");
  }
  std::vector<std::string> DirEntries(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  testing::TempDir suites_, out_;
};

TEST_F(RecordCli, RunWritesEveryFileAndExitsOneOnAFailure) {
  AddScript("fake_test", kFakeSuite);
  AddKindTest();
  std::string out = out_ / "run";
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(DirEntries(out), (std::vector<std::string>{"junit.xml", "record.json", "report.html",
                                                       "results.ktap", "summary.md"}))
      << "the five files and no temporary left behind";
  EXPECT_THAT(r.out,
              ContainsRegex("\nfake +1 +1 +1 +0 +0\nkind +4 +0 +0 +0 +0\ntotal +5 +1 +1 +0 +0\n"));
  EXPECT_THAT(r.out, HasSubstr("FAIL  fake: Modes/Fake.Fails/unprivileged\n    Expected equality"));
  EXPECT_THAT(r.out, HasSubstr("1 × unsupported: fake kernel lacks it (ENOTTY)"));
  EXPECT_THAT(r.out, HasSubstr("Report: " + out + "/report.html"));

  Record rec = LoadRecord(out + "/record.json");
  ASSERT_EQ(rec.cases.size(), 7u);
  const Case& fails = rec.cases[1];
  EXPECT_EQ(fails.name, "Modes/Fake.Fails/unprivileged");
  EXPECT_EQ(fails.suite, "fake");
  EXPECT_EQ(fails.label, "fake");
  EXPECT_EQ(fails.mode, "unprivileged");
  EXPECT_EQ(fails.verdict, Verdict::kFail);
  ASSERT_EQ(fails.failures.size(), 1u);
  EXPECT_THAT(fails.failures[0], HasSubstr("Which is: 4711"));
  EXPECT_DOUBLE_EQ(fails.duration_s, 0.002);
  const Case& skips = rec.cases[2];
  EXPECT_EQ(skips.verdict, Verdict::kSkip);
  EXPECT_EQ(skips.skip_category, "unsupported");
  EXPECT_EQ(skips.reason, "unsupported: fake kernel lacks it (ENOTTY)");
  EXPECT_EQ(rec.cases[0].mode, "privileged");
  EXPECT_EQ(rec.cases[3].label, "kind") << "no manifest here: labelled by its name";
  EXPECT_EQ(rec.cases[3].mode, "");
  EXPECT_FALSE(rec.probe.empty());
  EXPECT_EQ(rec.Fact("kernel.release"), TakeFingerprint().front().second);

  // report re-renders the record into what run wrote.
  for (auto [format, file] :
       std::vector<std::pair<std::string, std::string>>{{"ktap", "results.ktap"},
                                                        {"junit", "junit.xml"},
                                                        {"md", "summary.md"},
                                                        {"html", "report.html"}}) {
    ToolResult again = Nsprobe({"report", out + "/record.json", "--format", format});
    EXPECT_EQ(again.exit_code, 0) << again.Describe();
    EXPECT_EQ(again.out, testing::ReadText(out + "/" + file)) << format;
  }
  ToolResult kcidb = Nsprobe({"report", out + "/record.json", "--format", "kcidb"});
  EXPECT_EQ(kcidb.exit_code, 0) << kcidb.Describe();
  EXPECT_THAT(kcidb.out, HasSubstr("\"path\": \"nsprobe.fake.Modes.Fake.Fails.unprivileged\""));
}

TEST_F(RecordCli, CrashAndTimeoutBecomeErrorsThatSayHowTheBinaryEnded) {
  AddScript("crash_test", kCrashingSuite);
  AddScript("hang_test", kHangingSuite);
  std::string out = out_ / "run";
  // As under `ulimit -c unlimited`, from a directory of our own: the crash leaves no core.
  testing::TempDir cwd;
  const fs::path old_cwd = fs::current_path();
  fs::current_path(cwd.Path());
  rlimit old_core{};
  ::getrlimit(RLIMIT_CORE, &old_core);
  rlimit core = old_core;
  core.rlim_cur = core.rlim_max;
  ::setrlimit(RLIMIT_CORE, &core);
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out, "--timeout", "1"});
  ::setrlimit(RLIMIT_CORE, &old_core);
  fs::current_path(old_cwd);
  EXPECT_EQ(DirEntries(cwd.Path()), std::vector<std::string>{}) << "a core file was left";
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  Record rec = LoadRecord(out + "/record.json");
  ASSERT_EQ(rec.cases.size(), 3u);
  EXPECT_EQ(rec.cases[0].verdict, Verdict::kError);
  EXPECT_EQ(rec.cases[0].reason, "crash_test ended while running this case: signal 11 (SIGSEGV)");
  EXPECT_EQ(rec.cases[1].verdict, Verdict::kError);
  EXPECT_THAT(rec.cases[1].reason,
              HasSubstr("crash_test ended (signal 11 (SIGSEGV)) before reporting this case"));
  EXPECT_EQ(rec.cases[2].verdict, Verdict::kError);
  EXPECT_THAT(rec.cases[2].reason, HasSubstr("hang_test ended while running this case: timed out"));
  ASSERT_EQ(rec.binaries.size(), 2u);
  EXPECT_FALSE(rec.binaries[0].ok);
  EXPECT_THAT(rec.binaries[0].output_tail, HasSubstr("[ RUN      ] Crash.First"));
  EXPECT_THAT(r.out, HasSubstr("crash_test did not end cleanly: signal 11 (SIGSEGV)"));
}

class RecordCliInterrupted : public RecordCli, public ::testing::WithParamInterface<int> {};

TEST_P(RecordCliInterrupted, WritesNothingCleansUpAndExitsAsTheSignal) {
  AddScript("hang_test", kHangingSuite);
  testing::TempDir tmp;  // nsprobe's TMPDIR, to see that its work directory goes away
  std::string out = out_ / "run";
  ::setenv("TMPDIR", tmp.Path().c_str(), 1);
  Child run = Launch(Spec{}, std::vector<std::string>{nsprobe::testing::NsprobeCommand(), "run",
                                                      "--suites", suites_.Path(), "--out", out});
  ::unsetenv("TMPDIR");
  // The hanging suite has started once its console file exists in nsprobe's work directory.
  auto started = [&] {
    for (const auto& d : fs::directory_iterator(tmp.Path()))
      if (fs::exists(d.path() / "hang_test.out")) return true;
    return false;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!started() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(started()) << "hang_test never started";
  ASSERT_TRUE(run.Signal(GetParam()));
  ExitStatus st = run.Wait(std::chrono::seconds(30));
  EXPECT_FALSE(st.timed_out) << "nsprobe stops at once instead of waiting for the suite";
  EXPECT_TRUE(st.exited && st.code == 128 + GetParam())
      << "as a shell reports the signal, not 1 (a case failed): " << st.Describe();
  EXPECT_FALSE(fs::exists(out)) << "no output directory, not even an empty one";
  EXPECT_EQ(DirEntries(tmp.Path()), std::vector<std::string>{}) << "work directory removed";
}

INSTANTIATE_TEST_SUITE_P(Signals, RecordCliInterrupted, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& param_info) {
                           return std::string(::sigabbrev_np(param_info.param));
                         });

// A killed run (SIGKILL) leaves its work directory; the next run removes it, and only it:
// not one whose owner still runs, not one of another name.
TEST_F(RecordCli, StaleWorkDirectoriesOfKilledRunsAreRemoved) {
  AddKindTest();
  testing::TempDir tmp;
  Child gone = Launch(Spec{}, [] { return 0; });
  const pid_t dead = gone.Pid();
  gone.Wait(std::chrono::seconds(10));
  const std::string stale = tmp / fmt::format("nsprobe-run-{}-AbC123", dead);
  const std::string alive = tmp / fmt::format("nsprobe-run-{}-XyZ789", ::getpid());
  const std::string other = tmp / fmt::format("nsprobe-run-{}-toolong", dead);
  for (const std::string& d : {stale, alive, other}) {
    fs::create_directories(d + "/guard");
    testing::WriteText(d + "/kind_test.out", "left by a killed run");
  }
  ::setenv("TMPDIR", tmp.Path().c_str(), 1);
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "r"});
  ::unsetenv("TMPDIR");
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_FALSE(fs::exists(stale)) << "its owner " << dead << " is gone";
  EXPECT_TRUE(fs::exists(alive + "/kind_test.out")) << "its owner (this test) still runs";
  EXPECT_TRUE(fs::exists(other)) << "not a name nsprobe gives";
}

// The five files are replaced as a set: a second run into the same --out leaves only its own
// five (never some old, some new), keeps what else was there, and an entry in the way (here
// a directory where summary.md goes) does not stop the swap half-way.
TEST_F(RecordCli, TheFiveFilesAreReplacedAsOneSet) {
  AddScript("fake_test", kFakeSuite);
  AddKindTest();
  const std::string out = out_ / "set";
  fs::create_directories(out + "/summary.md/in-the-way");
  for (const char* name : {"record.json", "junit.xml", "results.ktap", "report.html"})
    testing::WriteText(out + "/" + name, "old");
  testing::WriteText(out + "/notes.txt", "the user's own");
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out, "--kinds", "kind"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(DirEntries(out),
            (std::vector<std::string>{"junit.xml", "notes.txt", "record.json", "report.html",
                                      "results.ktap", "summary.md"}));
  for (const char* name :
       {"record.json", "junit.xml", "results.ktap", "report.html", "summary.md"}) {
    EXPECT_TRUE(fs::is_regular_file(out + "/" + name)) << name;
    EXPECT_NE(testing::ReadText(out + "/" + name), "old") << name << " is from the old set";
  }
  EXPECT_EQ(testing::ReadText(out + "/notes.txt"), "the user's own");
  EXPECT_EQ(LoadRecord(out + "/record.json").options["kinds"], "kind");
  std::vector<std::string> beside = DirEntries(out_.Path());
  EXPECT_EQ(beside, std::vector<std::string>{"set"}) << "no sibling set left behind";
}

TEST_F(RecordCli, KindsFilterAndRepeatSelectWhatRuns) {
  AddScript("fake_test", kFakeSuite);
  AddKindTest();
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "a", "--kinds", "kind",
                          "--filter", "Kind.Parses*", "--repeat", "2", "--shuffle"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  Record rec = LoadRecord(out_ / "a/record.json");
  ASSERT_EQ(rec.cases.size(), 2u) << "two Kind.Parses* cases, merged over both repeats";
  EXPECT_EQ(rec.options["repeat"], 2);
  EXPECT_NE(rec.options["seed"], 0) << "the shuffle seed is recorded";
  ToolResult unknown = Nsprobe({"run", "--suites", suites_.Path(), "--kinds", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.Describe();
  EXPECT_THAT(unknown.err, HasSubstr("--kinds: no conformance suite 'nosuch'"));
  for (const char* empty : {"", ",", "kind,"}) {
    ToolResult refused = Nsprobe({"run", "--suites", suites_.Path(), "--kinds", empty});
    EXPECT_EQ(refused.exit_code, 2) << empty << ": " << refused.Describe();
    EXPECT_THAT(refused.err, HasSubstr("an empty name in the list")) << empty;
  }
}

// A suite binary that was listed but is gone when its turn comes is named, with where a new
// one comes from, not "give an executable file".
TEST_F(RecordCli, ASuiteThatVanishedAfterListingIsNamed) {
  AddScript("vanish_test", R"sh(#!/bin/sh
case "$*" in *--gtest_list_tests*) rm -f "$0"; printf 'Vanish.\n  Gone\n'; exit 0 ;; esac
exit 3
)sh");
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "v"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("suite binary " + suites_.Path() +
                               "/vanish_test is not there any more (No such file or directory); "
                               "rebuild (scripts/test) or reinstall nsprobe"));
}

// The manifest CMake writes beside the suites says which are conformance suites; the tool's
// own tests listed there are never run, and naming one says where it belongs.
TEST_F(RecordCli, AManifestListsTheSuitesAndTheToolsOwnTestsAreNotRun) {
  AddScript("fake_test", kFakeSuite);
  AddKindTest();
  testing::WriteText(suites_ / "suites.json", R"({"format": 1, "suites": [
    {"name": "fake_test", "label": "fakekind", "type": "conformance", "path": "fake_test",
     "needs": []},
    {"name": "kind_test", "label": "runtime", "type": "tool", "path": "kind_test", "needs": []}
  ]})");
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "m"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  Record rec = LoadRecord(out_ / "m/record.json");
  std::set<std::string> labels;
  for (const Case& c : rec.cases) labels.insert(c.label);
  EXPECT_EQ(labels, std::set<std::string>{"fakekind"}) << "kind_test is a tool test: not run";
  ToolResult tool = Nsprobe({"run", "--suites", suites_.Path(), "--kinds", "runtime"});
  EXPECT_EQ(tool.exit_code, 2) << tool.Describe();
  EXPECT_THAT(tool.err, HasSubstr("'runtime' is one of nsprobe's own tests, not a conformance "
                                  "suite; run it with scripts/test -L runtime"));
  testing::WriteText(suites_ / "suites.json", R"({"format": 1, "suites": [
    {"name": "gone_test", "label": "gone", "type": "conformance", "path": "gone_test"}]})");
  ToolResult gone = Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "g"});
  EXPECT_EQ(gone.exit_code, 2) << gone.Describe();
  EXPECT_THAT(gone.err, HasSubstr("lists gone_test, but " + suites_.Path() + "/gone_test is not"));
  EXPECT_FALSE(fs::exists(out_ / "g")) << "refused before anything was created";
}

TEST_F(RecordCli, RepeatsNameACaseWhoseVerdictChanges) {
  AddOneCaseScript("flaky_test", kFlakySuite);
  ToolResult r = Nsprobe(
      {"run", "--suites", suites_.Path(), "--out", out_ / "f", "--repeat", "3", "--shuffle"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_THAT(r.out, HasSubstr("Flaky: 1 case(s) changed verdict between repeats:\n  "
                               "flaky:Flaky.Sometimes: pass, fail, pass\n"));
  Record rec = LoadRecord(out_ / "f/record.json");
  EXPECT_EQ(rec.flaky, std::vector<std::string>{"flaky:Flaky.Sometimes: pass, fail, pass"});
  EXPECT_EQ(rec.cases.at(0).verdict, Verdict::kFail) << "a case fails when any run failed";
}

TEST_F(RecordCli, JobsRunsBinariesAtOnceAndKeepsTheirOrder) {
  AddOneCaseScript("meet_a_test", kMeetingSuite);
  AddOneCaseScript("meet_b_test", kMeetingSuite);
  AddKindTest();
  // Contrast: one at a time, meet_a waits alone and fails (meet_b then finds its marker).
  ToolResult one =
      Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "one", "--jobs", "1"});
  EXPECT_EQ(one.exit_code, 1) << one.Describe();
  EXPECT_EQ(LoadRecord(out_ / "one/record.json").CountTotals().fail, 1);
  for (const char* name : {"meet_a_test.here", "meet_b_test.here"})
    fs::remove(fs::path(suites_.Path()) / name);

  ToolResult r =
      Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "three", "--jobs", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  Record rec = LoadRecord(out_ / "three/record.json");
  EXPECT_EQ(rec.CountTotals().fail, 0);
  std::vector<std::string> names;
  for (const auto& b : rec.binaries) names.push_back(b.name);
  EXPECT_THAT(names, ElementsAre("kind_test", "meet_a_test", "meet_b_test"))
      << "the record keeps the suites' order, not the order they finished in";
}

TEST_F(RecordCli, StressRunsAChurnLoadBesideTheSuitesAndCountsIt) {
  AddKindTest();
  ToolResult r = Nsprobe({"run", "--suites", suites_.Path(), "--out", out_ / "s", "--stress"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("stress: 2 workers created and tore down "));
  Record rec = LoadRecord(out_ / "s/record.json");
  const auto& load = rec.options["stress_load"];
  EXPECT_EQ(load.value("workers", 0), 2) << load.dump();
  EXPECT_GT(load.value("namespace_sets_created", 0), 0) << load.dump();
  EXPECT_EQ(load.value("other_errors", -1), 0) << load.dump();
  EXPECT_TRUE(rec.host["changes"].empty()) << rec.host.dump(2);
}

TEST_F(RecordCli, RunRefusesBadInputBeforeRunningAnything) {
  AddKindTest();
  std::string file = out_ / "a_file";
  testing::WriteText(file, "x");
  std::string not_gbench = out_ / "gtest.json";
  testing::WriteText(not_gbench, R"({"testsuites": []})");
  testing::TempDir empty;
  struct Bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {{"--out", file + "/sub"}, file + "/sub: cannot create directory"},
           {{"--out", "/proc/nsprobe-results"}, "/proc/nsprobe-results: cannot create directory"},
           {{"--out", out_ / "x", "--bench", not_gbench},
            not_gbench + ": not Google Benchmark JSON"},
           {{"--out", out_ / "x", "--bench", out_ / "none.json"}, out_ / "none.json: cannot open"},
           {{"--out", out_ / "x", "--suites", empty.Path()},
            empty.Path() + ": no conformance suites there"},
           {{"--out", out_ / "x", "--filter", "NoSuchCase*"}, "matches no case"},
       }) {
    std::vector<std::string> args = {"run"};
    if (std::find(bad.args.begin(), bad.args.end(), "--suites") == bad.args.end())
      args = {"run", "--suites", suites_.Path()};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    ToolResult r = Nsprobe(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(bad.says)) << r.Describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  }
  EXPECT_FALSE(fs::exists(out_ / "x/record.json")) << "nothing written for refused input";
}

TEST_F(RecordCli, ReportRefusesDamagedRecordsInOneLine) {
  std::string good = out_ / "good.json";
  nlohmann::ordered_json rec = ToJson(testing::SampleRecord());
  std::string text = rec.dump(2);
  testing::WriteText(good, text);
  struct Bad {
    std::string name, content, says;
  };
  nlohmann::ordered_json newer = rec, short_cases = rec, wrong_type = rec;
  newer["version"] = 2;
  short_cases["cases"].erase(short_cases["cases"].begin());
  wrong_type["cases"][0]["verdict"] = "maybe";
  for (const Bad& bad : std::vector<Bad>{
           {"truncated.json", text.substr(0, text.size() / 2), "truncated JSON"},
           {"corrupt.json", "{\"format\": nsprobe}", "corrupt JSON"},
           {"empty.json", "", "empty file, not JSON"},
           {"newer.json", newer.dump(),
            "record version 2 is not supported; this nsprobe reads "
            "version 1 (update nsprobe)"},
           {"gtest.json", R"({"testsuites": []})", "not an nsprobe record"},
           {"short.json", short_cases.dump(), "totals say 8 cases but the record holds 7"},
           {"verdict.json", wrong_type.dump(), "cases[0].verdict is 'maybe'"},
       }) {
    std::string path = out_ / bad.name;
    testing::WriteText(path, bad.content);
    ToolResult r = Nsprobe({"report", path});
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(path + ": " + bad.says)) << r.Describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_EQ(r.out, "");
  }
  // An unwritable --out leaves no file, temporary or final.
  ToolResult r = Nsprobe({"report", good, "--format", "html", "--out", "/proc/report.html"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("/proc/report.html: cannot write"));
  ToolResult ok = Nsprobe({"report", good, "--format", "ktap", "--out", out_ / "r.ktap"});
  EXPECT_EQ(ok.exit_code, 0) << ok.Describe();
  EXPECT_EQ(testing::ReadText(out_ / "r.ktap"), RenderKtap(LoadRecord(good)));
}

}  // namespace
}  // namespace nsprobe::record
