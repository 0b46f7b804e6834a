// nsprobe history: runs stored in SQLite come back as they went in, a new run is checked
// against the last ones from its machine, and a damaged or foreign database is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "ci/compare/history.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/hygiene.hpp"

namespace nsprobe::record {

// The tests read the record layer and the layers on top of it together.
using namespace nsprobe::compare;  // NOLINT(google-build-using-namespace)
namespace {

using ::testing::HasSubstr;
using testing::Noisy;
using testing::Nsprobe;
using testing::SampleRecord;

class RecordHistory : public nsprobe::testing::NoLeaksTest {
 protected:
  // A record made `minutes` after the sample, with nine repetitions of two benchmarks; the
  // net one scaled by `net_factor`.
  std::string WriteRun(const std::string& name, int minutes, double net_factor = 1,
                       bool fail_pid = false) {
    Record r = SampleRecord();
    r.created = fmt::format("2026-01-02T03:{:02d}:05Z", minutes);
    r.benchmarks = {
        {"BM_CreateNamespace/uts/real_time", Noisy(2000, 9, minutes), {}, false},
        {"BM_CreateNamespace/net/real_time", Noisy(380000 * net_factor, 9, minutes), {}, false}};
    if (fail_pid) {
      r.cases[0].verdict = Verdict::kFail;
      r.cases[0].failures = {"saw 4711"};
    }
    std::string path = dir_ / name;
    testing::WriteText(path, ToJson(r).dump());
    return path;
  }
  std::string Db() const { return dir_ / "history.sqlite"; }
  int Rows(const std::string& table) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(Db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }
  testing::TempDir dir_;
};

TEST_F(RecordHistory, StoredRunComesBackWhole) {
  std::string path = WriteRun("r1.json", 1);
  Record original = LoadRecord(path);
  std::int64_t id;
  {
    History h(Db(), true);
    id = h.Add(original, path);
  }
  History h(Db(), false);
  std::vector<RunRow> runs = h.Runs("", 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].machine, MachineKey(original.fingerprint));
  EXPECT_EQ(runs[0].kernel, "6.18.44-test");
  EXPECT_EQ(runs[0].totals, (Totals{3, 1, 3, 1}));
  EXPECT_EQ(runs[0].benchmarks, 2);
  Record back = h.Load(id);
  EXPECT_EQ(back.fingerprint, original.fingerprint);
  ASSERT_EQ(back.cases.size(), original.cases.size());
  for (std::size_t i = 0; i < back.cases.size(); ++i) {
    EXPECT_EQ(back.cases[i].Key(), original.cases[i].Key());
    EXPECT_EQ(back.cases[i].verdict, original.cases[i].verdict);
    EXPECT_EQ(back.cases[i].reason, original.cases[i].reason);
    EXPECT_EQ(back.cases[i].failures, original.cases[i].failures);
  }
  ASSERT_EQ(back.benchmarks.size(), 2u);
  EXPECT_EQ(back.benchmarks[1].real_ns, original.benchmarks[1].real_ns);
}

TEST_F(RecordHistory, CommandLineAddShowCheck) {
  for (int i = 1; i <= 3; ++i) {
    ToolResult add =
        Nsprobe({"history", "add", "--db", Db(), WriteRun(fmt::format("r{}.json", i), i)});
    ASSERT_EQ(add.exit_code, 0) << add.Describe();
    EXPECT_THAT(add.out, HasSubstr(fmt::format("stored run {} (8 cases, 2 benchmarks)", i)));
  }
  ToolResult show = Nsprobe({"history", "show", "--db", Db()});
  EXPECT_EQ(show.exit_code, 0) << show.Describe();
  EXPECT_THAT(show.out,
              ::testing::ContainsRegex("\n +3 +2026-01-02T03:03:05Z +testhost-[0-9a-f]{8} "
                                       "+6.18.44-test +3 +1 +3 +1 +2\n"));
  ToolResult same = Nsprobe({"history", "check", "--db", Db(), WriteRun("same.json", 4)});
  EXPECT_EQ(same.exit_code, 0) << same.Describe();
  EXPECT_THAT(same.out, HasSubstr("last 3 run(s) in the history"));
  ToolResult slow = Nsprobe({"history", "check", "--db", Db(), WriteRun("slow.json", 5, 1.3)});
  EXPECT_EQ(slow.exit_code, 1) << slow.Describe();
  EXPECT_THAT(slow.out,
              ::testing::ContainsRegex("BM_CreateNamespace/net/real_time[^\n]*REGRESSION"));
  ToolResult broke =
      Nsprobe({"history", "check", "--db", Db(), WriteRun("broke.json", 6, 1, true)});
  EXPECT_EQ(broke.exit_code, 1) << broke.Describe();
  EXPECT_THAT(broke.out, ::testing::ContainsRegex("newly failing +pid: "));
  // Another machine has no history to check against.
  Record elsewhere = LoadRecord(dir_ / "same.json");
  elsewhere.fingerprint[5].second = "otherhost";
  testing::WriteText(dir_ / "elsewhere.json", ToJson(elsewhere).dump());
  ToolResult none = Nsprobe({"history", "check", "--db", Db(), dir_ / "elsewhere.json"});
  EXPECT_EQ(none.exit_code, 0) << none.Describe();
  EXPECT_THAT(none.out, HasSubstr("no earlier run from machine otherhost-"));
}

TEST_F(RecordHistory, BadDatabasesExitTwoAndStayUntouched) {
  std::string run = WriteRun("r1.json", 1);
  ASSERT_EQ(Nsprobe({"history", "add", "--db", Db(), run}).exit_code, 0);
  auto expect_refused = [&](const std::vector<std::string>& args, const std::string& says) {
    ToolResult r = Nsprobe(args);
    EXPECT_EQ(r.exit_code, 2) << r.Describe();
    EXPECT_THAT(r.err, HasSubstr(says)) << r.Describe();
    EXPECT_THAT(r.err, ::testing::StartsWith("nsprobe history " + args[1] + ": "));
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  };
  // The same run twice: refused, nothing added.
  expect_refused({"history", "add", "--db", Db(), run}, Db() + ": the run of 2026-01-02T03:01:05Z");
  EXPECT_EQ(Rows("runs"), 1);
  EXPECT_EQ(Rows("cases"), 8);

  // Locked: another connection holds an exclusive transaction while nsprobe adds.
  {
    sqlite3* locker = nullptr;
    ASSERT_EQ(sqlite3_open(Db().c_str(), &locker), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(locker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    expect_refused({"history", "add", "--db", Db(), WriteRun("r2.json", 2)},
                   Db() + ": database is locked");
    sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(locker);
  }
  EXPECT_EQ(Rows("runs"), 1) << "the locked add stored nothing";

  // From a newer nsprobe.
  {
    sqlite3* db = nullptr;
    sqlite3_open(Db().c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  expect_refused({"history", "show", "--db", Db()},
                 Db() + ": history schema version 99 is newer than this nsprobe's (1)");
  expect_refused({"history", "add", "--db", Db(), WriteRun("r3.json", 3)}, "version 99 is newer");

  // Not a database at all, and a database that is not there.
  std::string corrupt = dir_ / "corrupt.sqlite";
  testing::WriteText(corrupt, std::string(4096, 'x'));
  expect_refused({"history", "add", "--db", corrupt, run}, corrupt + ": file is not a database");
  EXPECT_EQ(testing::ReadText(corrupt), std::string(4096, 'x')) << "left as it was";
  expect_refused({"history", "show", "--db", dir_ / "absent.sqlite"},
                 dir_ / "absent.sqlite: no history database");
  // A foreign SQLite database.
  std::string foreign = dir_ / "foreign.sqlite";
  {
    sqlite3* db = nullptr;
    sqlite3_open(foreign.c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  expect_refused({"history", "add", "--db", foreign, run}, "not an nsprobe history");
}

}  // namespace
}  // namespace nsprobe::record
