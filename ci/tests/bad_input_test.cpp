// Bad input across every subcommand, as a table: each input must give one line on stderr
// that names the problem (the fragment below), nothing on stdout, exit status 2, and leave
// nothing behind: no file in the working directory, none in $TMPDIR (both private to the
// case, so ctest -j is safe), no --out directory, no process.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ci/tests/record_fixtures.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"

namespace nsprobe::record {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

struct Bad {
  std::vector<std::string> args;  // "@W" stands for the case's private working directory
  std::string says;               // a fragment of the one line; "@W" as in args
  bool as_nobody = false;         // run as uid 65534 (root may write anywhere)
};

void PrintTo(const Bad& bad, std::ostream* os) {
  *os << "nsprobe";
  for (const std::string& a : bad.args) *os << " '" << a << "'";
}

std::string Substituted(std::string text, const std::string& work) {
  for (std::size_t at; (at = text.find("@W")) != std::string::npos;) text.replace(at, 2, work);
  return text;
}

// Every path under `root` with its type and size: what "nothing created" compares.
std::map<std::string, std::string> Tree(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::end(it); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    out[it->path().string()] =
        fmt::format("mode {:o} size {}", st.st_mode, S_ISREG(st.st_mode) ? st.st_size : 0);
  }
  return out;
}

// Lists one case (none under a filter naming NoSuch) and, should it ever be run, leaves a
// file beside itself, which "nothing created" sees.
constexpr const char* kFakeSuite = R"sh(#!/bin/sh
case "$*" in
  *--gtest_list_tests*NoSuch* | *NoSuch*--gtest_list_tests*) exit 0 ;;
  *--gtest_list_tests*) printf 'Fake.\n  Case\n'; exit 0 ;;
esac
echo ran > "$(dirname "$0")/ran"
exit 1
)sh";

class BadInput : public nsprobe::testing::NoLeaksTest, public ::testing::WithParamInterface<Bad> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    // Orphans of nsprobe come to us, so that "no process left" sees them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    ::chmod(root_.Path().c_str(), 0755);
    work_ = root_ / "w";
    tmp_ = root_ / "t";
    fs::create_directories(work_ + "/dir");
    fs::create_directories(tmp_);
    fs::create_directories(work_ + "/ro");
    ::chmod(work_.c_str(), 0755);
    ::chmod((work_ + "/ro").c_str(), 0555);
    ::mkfifo((work_ + "/fifo").c_str(), 0644);
    testing::WriteText(work_ + "/empty.json", "");
    testing::WriteText(work_ + "/text.txt", "not JSON at all\n");
    testing::WriteText(work_ + "/gtest.json", R"({"testsuites": []})");
    nlohmann::ordered_json rec = ToJson(testing::SampleRecord());
    testing::WriteText(work_ + "/record.json", rec.dump(2));
    rec["version"] = 1.5;
    testing::WriteText(work_ + "/fraction.json", rec.dump(2));
    // A stand-in suite of one case: bad input must be refused before it ever runs.
    fs::create_directories(work_ + "/suites");
    testing::WriteText(work_ + "/suites/fake_test", kFakeSuite);
    ::chmod((work_ + "/suites/fake_test").c_str(), 0755);
    old_cwd_ = fs::current_path();
    fs::current_path(work_);
    const char* tmpdir = std::getenv("TMPDIR");
    if (tmpdir != nullptr) old_tmpdir_ = tmpdir;
    ::setenv("TMPDIR", tmp_.c_str(), 1);
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    if (old_tmpdir_.empty()) {
      ::unsetenv("TMPDIR");
    } else {
      ::setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    }
    NoLeaksTest::TearDown();
  }

  testing::TempDir root_;
  std::string work_, tmp_, old_tmpdir_;
  fs::path old_cwd_;
};

TEST_P(BadInput, OneLineExit2NothingCreated) {
  const Bad& bad = GetParam();
  std::vector<std::string> args = {nsprobe::testing::NsprobeCommand()};
  for (const std::string& a : bad.args) args.push_back(Substituted(a, work_));
  if (bad.as_nobody) {
    // Root, and uid 65534 mapped here: not so inside a rootless sandbox (unshare -Ur).
    if (std::string why = nsprobe::testing::CannotBecomeReason(nsprobe::testing::kNobody.uid);
        !why.empty())
      GTEST_SKIP() << why;
    args.insert(args.begin(),
                {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"});
  }
  const auto before = Tree(root_.Path());
  char host_before[128] = {};
  ::gethostname(host_before, sizeof host_before);
  ToolResult r = RunTool(0, {}, args, std::chrono::seconds(60));
  char host_after[128] = {};
  ::gethostname(host_after, sizeof host_after);
  EXPECT_STREQ(host_before, host_after) << "the host's hostname changed";
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr(Substituted(bad.says, work_))) << r.Describe();
  EXPECT_THAT(r.err, MatchesRegex("nsprobe[^\n]+\n")) << "not one line: " << r.Describe();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Tree(root_.Path()), before) << "a file was created, changed or removed";
  EXPECT_FALSE(fs::exists(work_ + "/out"));
  EXPECT_TRUE(fs::is_empty(tmp_)) << "left in $TMPDIR";
}

const std::string kUid = "give a uid or gid from 0 to 4294967294";
const std::string kPid = "give a pid from 1 to 4194304";
const std::string kSeconds = "give a number of seconds from 0.001 to 604800";
const std::string kFile = "not a file; give the path of a regular file";
const std::string kRun = "@W/suites";  // the stand-in suite: fake_test

INSTANTIATE_TEST_SUITE_P(
    Table, BadInput,
    ::testing::Values(
        // exec: ids, durations, names, kinds, maps
        Bad{{"exec", "--ns", "user", "--as-user", "4294967295", "--", "true"},
            "'4294967295' is out of range; " + kUid},
        Bad{{"exec", "--as-user", "4294967296", "--", "true"}, "out of range; " + kUid},
        Bad{{"exec", "--as-user", "-5", "--", "true"}, "'-5' is negative; " + kUid},
        Bad{{"exec", "--as-user", "abc", "--", "true"}, "'abc' is not a whole number"},
        Bad{{"exec", "--as-user", "", "--", "true"}, "'' is not a whole number"},
        Bad{{"exec", "--as-user", "1000.5", "--", "true"}, "not a whole number"},
        Bad{{"exec", "--timeout", "1e16", "--", "true"}, "'1e16' is out of range; " + kSeconds},
        Bad{{"exec", "--timeout", "nan", "--", "true"}, "'nan' is not a finite number"},
        Bad{{"exec", "--timeout", "inf", "--", "true"}, "'inf' is not a finite number"},
        Bad{{"exec", "--timeout", "-1", "--", "true"}, "'-1' is out of range"},
        Bad{{"exec", "--timeout", "0", "--", "true"}, "'0' is out of range"},
        Bad{{"exec", "--timeout", "soon", "--", "true"}, "'soon' is not a number"},
        Bad{{"exec", "--ns", "uts", "--hostname", "", "--", "true"},
            "--hostname: empty; give a hostname"},
        Bad{{"exec", "--ns", "uts", "--domainname", "", "--", "true"},
            "--domainname: empty; give a domain name"},
        Bad{{"exec", "--ns", "uts", "--hostname", std::string(65, 'h'), "--", "true"},
            "hostname: 65 bytes"},
        Bad{{"exec", "--hostname", "x", "--", "true"}, "needs the uts namespace"},
        Bad{{"exec", "--ns", "pid,bogus", "--", "true"}, "unknown namespace kind 'bogus'"},
        Bad{{"exec", "--ns", "user", "--uid-map", "0 1000", "--", "true"}, "malformed"},
        Bad{{"exec", "--ns", "user", "--uid-map", "0 1000 1,0 2000 1", "--", "true"}, "overlap"},
        Bad{{"exec", "--setgroups", "maybe", "--", "true"}, "maybe"},
        Bad{{"exec", "--ns", "time", "--monotonic", "soon", "--", "true"}, "time offset 'soon'"},
        Bad{{"exec", "--ns", "net", "ip", "a"}, "put '--' before the command"},
        Bad{{"exec", "--ns", "net"}, "put '--'"},
        Bad{{"exec", "--", "nsprobe-no-such-program"}, "not found in PATH"},
        Bad{{"exec", "--no-such-option", "--", "true"}, "--no-such-option"},
        Bad{{"exec", "--ns", "user", "--as-user", "0", "--", "true"}, "create_as"},
        // enter: the pid is never cut to 32 bits
        Bad{{"enter", "--target", "4294967297", "--", "true"},
            "'4294967297' is out of range; " + kPid},
        Bad{{"enter", "--target", "4294967296", "--", "true"}, "out of range; " + kPid},
        Bad{{"enter", "--target", "0", "--", "true"}, "'0' is out of range; " + kPid},
        Bad{{"enter", "--target", "-1", "--", "true"}, "'-1' is negative; " + kPid},
        Bad{{"enter", "--target", "one", "--", "true"}, "'one' is not a whole number"},
        Bad{{"enter", "--target", "4194304", "--ns", "net", "--", "true"}, "no such process"},
        Bad{{"enter", "--ns", "net", "--", "true"}, "--target is required"},
        Bad{{"enter", "--target", "1", "--timeout", "nan", "--", "true"}, "not a finite number"},
        Bad{{"enter", "--target", "1", "--ns", "bogus", "--", "true"}, "unknown namespace kind"},
        Bad{{"enter", "--target", "1"}, "put '--'"},
        // probe, fingerprint, hygiene
        Bad{{"probe", "--no-such-option"}, "not expected: --no-such-option; see"},
        Bad{{"fingerprint", "extra"}, "not expected: extra; see"},
        Bad{{"report", "@W/record.json", "extra"}, "not expected: extra; see"},
        Bad{{"hygiene", "diff", "@W/dir", "@W/dir"}, "@W/dir: a directory, " + kFile},
        Bad{{"hygiene", "diff", "@W/fifo", "@W/fifo"}, "@W/fifo: a FIFO, " + kFile},
        Bad{{"hygiene", "diff", "/dev/zero", "/dev/zero"}, "/dev/zero: a character device"},
        Bad{{"hygiene", "diff", "@W/text.txt", "@W/text.txt"}, "@W/text.txt: not JSON"},
        Bad{{"hygiene", "diff", "@W/none", "@W/none"}, "@W/none: cannot open"},
        Bad{{"hygiene", "diff", "@W/text.txt"}, "2 required"},
        // run: lists, counts, durations, the output directory, inputs
        Bad{{"run", "--suites", kRun, "--kinds", ""}, "an empty name in the list"},
        Bad{{"run", "--suites", kRun, "--kinds", ","}, "an empty name in the list"},
        Bad{{"run", "--suites", kRun, "--negative-control", ""},
            "--negative-control: empty; give a comma list of kinds, or all"},
        Bad{{"run", "--suites", kRun, "--negative-control", "bogus"}, "unknown namespace kind"},
        Bad{{"run", "--suites", kRun, "--repeat", "0"},
            "--repeat: '0' is out of range; give a count from 1 to 10000"},
        Bad{{"run", "--suites", kRun, "--repeat", "-1"}, "'-1' is negative"},
        Bad{{"run", "--suites", kRun, "--jobs", "0"}, "give a count from 1 to 64"},
        Bad{{"run", "--suites", kRun, "--jobs", "65"}, "give a count from 1 to 64"},
        Bad{{"run", "--suites", kRun, "--seed", "0"}, "give a count from 1 to 99999"},
        Bad{{"run", "--suites", kRun, "--timeout", "nan"}, "'nan' is not a finite number"},
        Bad{{"run", "--suites", kRun, "--timeout", "1e16"}, "out of range; " + kSeconds},
        Bad{{"run", "--suites", kRun, "--out", "@W/out", "--filter", "NoSuchCase*"},
            "--filter 'NoSuchCase*' matches no case"},
        Bad{{"run", "--suites", kRun, "--out", "@W/out", "--kinds", "nosuch"},
            "no conformance suite 'nosuch'"},
        Bad{{"run", "--suites", kRun, "--out", "@W/text.txt"}, "@W/text.txt: not a directory"},
        Bad{{"run", "--suites", kRun, "--out", "@W/text.txt/out"},
            "@W/text.txt/out: cannot create directory"},
        Bad{{"run", "--suites", kRun, "--out", "/proc/nsprobe-out"},
            "/proc/nsprobe-out: cannot create directory"},
        Bad{{"run", "--suites", kRun, "--out", "@W/out", "--bench", "@W/dir"},
            "@W/dir: a directory, " + kFile},
        Bad{{"run", "--suites", kRun, "--out", "@W/out", "--bench", "/dev/zero"},
            "/dev/zero: a character device, " + kFile},
        Bad{{"run", "--suites", kRun, "--out", "@W/out", "--bench", "@W/gtest.json"},
            "not Google Benchmark JSON"},
        Bad{{"run", "--suites", "@W/dir", "--out", "@W/out"}, "no conformance suites there"},
        Bad{{"run", "--suites", kRun, "--", "true"}, "run takes no command after '--'"},
        // report: only regular files, read with a bound
        Bad{{"report", "/dev/zero"}, "/dev/zero: a character device, " + kFile},
        Bad{{"report", "@W/dir"}, "@W/dir: a directory, " + kFile},
        Bad{{"report", "@W/fifo"}, "@W/fifo: a FIFO, " + kFile},
        Bad{{"report", "@W/empty.json"}, "@W/empty.json: empty file, not JSON"},
        Bad{{"report", "@W/text.txt"}, "@W/text.txt: corrupt JSON"},
        Bad{{"report", "@W/gtest.json"}, "not an nsprobe record"},
        Bad{{"report", "@W/fraction.json"}, "version should be a whole number, is 1.5, a fraction"},
        Bad{{"report", "@W/none.json"}, "@W/none.json: cannot open: No such file or directory"},
        Bad{{"report", "@W/record.json", "--format", "pdf"}, "pdf"},
        Bad{{"report", "@W/record.json", "--out", "@W/dir"}, "@W/dir: cannot write"},
        // compare
        Bad{{"compare", "@W/record.json"}, "at least two"},
        Bad{{"compare", "@W/dir", "@W/record.json"}, "@W/dir: a directory, " + kFile},
        Bad{{"compare", "@W/record.json", "@W/record.json", "--threshold", "0"},
            "--threshold: '0' is out of range; give a number from 0.01 to 10000"},
        Bad{{"compare", "@W/record.json", "@W/record.json", "--alpha", "2"},
            "'2' is out of range; give a number from 0 to 1"},
        Bad{{"compare", "@W/record.json", "@W/record.json", "--floor-ns", "nan"},
            "not a finite number"},
        // history: the database's place named in words, not SQLite's
        Bad{{"history", "add", "@W/record.json", "--db", "@W/dir"},
            "@W/dir: a directory, not a history database"},
        Bad{{"history", "add", "@W/record.json", "--db", "@W/nodir/h.sqlite"},
            "its directory @W/nodir does not exist"},
        Bad{{"history", "add", "@W/record.json", "--db", "@W/ro/h.sqlite"},
            "@W/ro/h.sqlite: cannot write in @W/ro (Permission denied)",
            true},
        Bad{{"history", "add", "@W/dir", "--db", "@W/h.sqlite"}, "@W/dir: a directory, " + kFile},
        Bad{{"history", "show", "--db", "@W/none.sqlite"}, "no history database"},
        Bad{{"history", "show", "--db", "@W/dir"}, "@W/dir: a directory, not a history database"},
        Bad{{"history", "show", "--db", "@W/h.sqlite", "--last", "-1"}, "'-1' is negative"},
        Bad{{"history", "check", "@W/record.json", "--db", "@W/h.sqlite", "--last", "0"},
            "give a count from 1 to 1000000"},
        Bad{{"history"}, "subcommand"},
        // matrix: refused while parsing, before anything is downloaded or booted
        Bad{{"matrix", "--timeout", "nan"}, "'nan' is not a finite number"},
        Bad{{"matrix", "--suite-timeout", "1e16"}, "'1e16' is out of range; " + kSeconds},
        Bad{{"matrix", "--cpus", "0"}, "give a count from 1 to 64"},
        // the command itself
        Bad{{"frobnicate"}, "unknown subcommand 'frobnicate'"}, Bad{{}, "subcommand"}),
    [](const auto& param_info) { return "case" + std::to_string(param_info.index); });

}  // namespace
}  // namespace nsprobe::record
