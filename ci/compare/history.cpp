#include "ci/compare/history.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ci/record/input_error.hpp"

namespace nsprobe::compare {

using record::Benchmark;
using record::Case;
using record::Record;
using record::Totals;
using record::Verdict;
using record::VerdictName;

namespace {

using Json = nlohmann::ordered_json;

constexpr int kBusyTimeoutMs = 2000;

constexpr const char* kSchema = R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  machine TEXT NOT NULL,
  created TEXT NOT NULL,
  kernel TEXT NOT NULL,
  nsprobe_version TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  source TEXT NOT NULL,
  pass INTEGER NOT NULL, fail INTEGER NOT NULL, skip INTEGER NOT NULL, error INTEGER NOT NULL,
  UNIQUE(machine, created));
CREATE TABLE cases(
  run_id INTEGER NOT NULL REFERENCES runs(id),
  suite TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, mode TEXT NOT NULL,
  verdict TEXT NOT NULL, skip_category TEXT NOT NULL, reason TEXT NOT NULL,
  failures TEXT NOT NULL, duration_s REAL NOT NULL);
CREATE TABLE benchmarks(
  run_id INTEGER NOT NULL REFERENCES runs(id),
  name TEXT NOT NULL, repetition INTEGER NOT NULL, aggregates_only INTEGER NOT NULL,
  real_ns REAL NOT NULL, cpu_ns REAL NOT NULL);
CREATE INDEX runs_by_machine ON runs(machine, created);
CREATE INDEX cases_by_run ON cases(run_id);
CREATE INDEX benchmarks_by_run ON benchmarks(run_id);
)sql";

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

// A prepared statement; column and bind indices as SQLite counts them.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::function<void(std::string_view)>& fail)
      : fail_(fail) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail_(sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, std::string_view text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // True while there is a row.
  bool Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail_(sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    return false;
  }
  void Run() {
    Step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int i) const {
    auto* p = sqlite3_column_text(stmt_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t Int(int i) const { return sqlite3_column_int64(stmt_, i); }
  double Real(int i) const { return sqlite3_column_double(stmt_, i); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::function<void(std::string_view)> fail_;
};

// What SQLite would call "unable to open database file", in words: the --db path is a
// directory or not a file, its directory is missing, or the place is not writable (SQLite
// writes its journal beside the database, so the directory must be writable too).
void CheckPlace(const std::string& path, const struct stat* st, bool create) {
  if (st != nullptr && S_ISDIR(st->st_mode))
    throw record::InputError(fmt::format(
        "{}: a directory, not a history database; give --db a file path, e.g. {}/history.sqlite",
        path, path));
  if (st != nullptr && !S_ISREG(st->st_mode))
    throw record::InputError(fmt::format(
        "{}: not a regular file, so not a history database; give --db a file path", path));
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))
    throw record::InputError(fmt::format(
        "{}: its directory {} does not exist; create it (mkdir -p {}) or give --db another path",
        path, dir, dir));
  if (!create) return;  // show and check only read: SQLite opens a read-only file read-only
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw record::InputError(fmt::format(
        "{}: cannot write in {} ({}); SQLite needs a writable directory for its journal: give "
        "--db a path in one",
        path, dir, std::strerror(errno)));
  if (st != nullptr && ::access(path.c_str(), R_OK | W_OK) != 0)
    throw record::InputError(fmt::format("{}: cannot write it ({}); give --db a writable file",
                                         path, std::strerror(errno)));
}

}  // namespace

std::string MachineKey(const Fingerprint& fingerprint) {
  std::string host = "unknown", identity;
  for (const char* key : {"host", "arch", "cpu.model", "cpu.count", "virtualization"}) {
    for (const auto& [k, v] : fingerprint)
      if (k == key) {
        identity.append(k).append("=").append(v).append("\n");
        if (k == "host") host = v;
      }
  }
  return fmt::format("{}-{:08x}", host, Fnv1a(identity) & 0xffffffffu);
}

History::History(const std::string& path, bool create) : path_(path) {
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT)
    throw record::InputError(
        fmt::format("{}: cannot use it as the history database: {}; give "
                    "--db a file path",
                    path, std::strerror(errno)));
  if (!exists && !create)
    throw record::InputError(
        fmt::format("{}: no history database (add a run first: nsprobe history add RECORD)", path));
  CheckPlace(path, exists ? &st : nullptr, create);
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw record::InputError(fmt::format("{}: cannot open: {}", path, msg));
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  try {
    Statement version(db_, "PRAGMA user_version", [this](std::string_view m) { Fail(m); });
    version.Step();
    std::int64_t v = version.Int(0);
    Statement tables(db_, "SELECT count(*) FROM sqlite_master",
                     [this](std::string_view m) { Fail(m); });
    tables.Step();
    if (v > kHistorySchemaVersion)
      throw record::InputError(fmt::format(
          "{}: history schema version {} is newer than this nsprobe's ({}); update nsprobe", path,
          v, kHistorySchemaVersion));
    if (v == 0 && tables.Int(0) > 0)
      throw record::InputError(
          fmt::format("{}: an SQLite database, but not an nsprobe history", path));
    if (v == 0) {
      Exec("BEGIN IMMEDIATE");
      Exec(kSchema);
      Exec(fmt::format("PRAGMA user_version = {}", kHistorySchemaVersion).c_str());
      Exec("COMMIT");
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

History::~History() { sqlite3_close(db_); }

void History::Fail(std::string_view what) const {
  int code = sqlite3_errcode(db_);
  std::string hint;
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    hint = fmt::format(" (another process holds it for more than {} ms)", kBusyTimeoutMs);
  else if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    hint = " (corrupt, or not an nsprobe history)";
  throw record::InputError(fmt::format("{}: {}{}", path_, what, hint));
}

void History::Exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    Fail(msg);
  }
}

std::int64_t History::Add(const Record& record, const std::string& source) {
  auto fail = [this](std::string_view m) { Fail(m); };
  const std::string machine = MachineKey(record.fingerprint);
  Exec("BEGIN IMMEDIATE");
  try {
    {
      Statement dup(db_, "SELECT id FROM runs WHERE machine = ?1 AND created = ?2", fail);
      dup.Bind(1, machine).Bind(2, record.created);
      if (dup.Step())
        throw record::InputError(fmt::format("{}: the run of {} on {} is already stored (run {})",
                                             path_, record.created, machine, dup.Int(0)));
    }
    Json fingerprint = Json::object();
    for (const auto& [k, v] : record.fingerprint) fingerprint[k] = v;
    Totals t = record.CountTotals();
    Statement run(db_,
                  "INSERT INTO runs(machine, created, kernel, nsprobe_version, fingerprint, "
                  "source, pass, fail, skip, error) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                  fail);
    run.Bind(1, machine).Bind(2, record.created).Bind(3, record.Fact("kernel.release"));
    run.Bind(4, record.nsprobe_version).Bind(5, fingerprint.dump()).Bind(6, source);
    run.Bind(7, std::int64_t{t.pass}).Bind(8, std::int64_t{t.fail});
    run.Bind(9, std::int64_t{t.skip}).Bind(10, std::int64_t{t.error});
    run.Run();
    const std::int64_t id = sqlite3_last_insert_rowid(db_);
    Statement cases(db_, "INSERT INTO cases VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)", fail);
    for (const Case& c : record.cases) {
      cases.Bind(1, id).Bind(2, c.suite).Bind(3, c.label).Bind(4, c.name).Bind(5, c.mode);
      cases.Bind(6, VerdictName(c.verdict)).Bind(7, c.skip_category).Bind(8, c.reason);
      cases.Bind(9, Json(c.failures).dump(-1, ' ', false, Json::error_handler_t::replace));
      cases.Bind(10, c.duration_s);
      cases.Run();
    }
    Statement bench(db_, "INSERT INTO benchmarks VALUES (?1,?2,?3,?4,?5,?6)", fail);
    for (const Benchmark& b : record.benchmarks)
      for (std::size_t i = 0; i < b.real_ns.size(); ++i) {
        bench.Bind(1, id).Bind(2, b.name).Bind(3, static_cast<std::int64_t>(i));
        bench.Bind(4, std::int64_t{b.aggregates_only ? 1 : 0}).Bind(5, b.real_ns[i]);
        bench.Bind(6, i < b.cpu_ns.size() ? b.cpu_ns[i] : 0.0);
        bench.Run();
      }
    Exec("COMMIT");
    return id;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<RunRow> History::Runs(const std::string& machine, int limit) const {
  Statement q(db_,
              "SELECT id, machine, created, kernel, source, pass, fail, skip, error, "
              "(SELECT count(DISTINCT name) FROM benchmarks b WHERE b.run_id = runs.id) "
              "FROM runs WHERE ?1 = '' OR machine = ?1 ORDER BY created DESC, id DESC LIMIT ?2",
              [this](std::string_view m) { Fail(m); });
  q.Bind(1, machine).Bind(2, std::int64_t{limit > 0 ? limit : -1});
  std::vector<RunRow> rows;
  while (q.Step()) {
    RunRow r;
    r.id = q.Int(0);
    r.machine = q.Text(1);
    r.created = q.Text(2);
    r.kernel = q.Text(3);
    r.source = q.Text(4);
    r.totals = {static_cast<int>(q.Int(5)), static_cast<int>(q.Int(6)), static_cast<int>(q.Int(7)),
                static_cast<int>(q.Int(8))};
    r.benchmarks = static_cast<int>(q.Int(9));
    rows.push_back(r);
  }
  return rows;
}

Record History::Load(std::int64_t id) const {
  auto fail = [this](std::string_view m) { Fail(m); };
  Record r;
  Statement run(db_, "SELECT created, nsprobe_version, fingerprint FROM runs WHERE id = ?1", fail);
  run.Bind(1, id);
  if (!run.Step()) Fail(fmt::format("no run {}", id));
  r.created = run.Text(0);
  r.nsprobe_version = run.Text(1);
  try {
    const Json fingerprint = Json::parse(run.Text(2));
    for (auto it = fingerprint.begin(); it != fingerprint.end(); ++it)
      r.fingerprint.emplace_back(it.key(), it.value().get<std::string>());
    Statement cases(db_,
                    "SELECT suite, kind, name, mode, verdict, skip_category, reason, failures, "
                    "duration_s FROM cases WHERE run_id = ?1 ORDER BY rowid",
                    fail);
    cases.Bind(1, id);
    while (cases.Step()) {
      Case c;
      c.suite = cases.Text(0);
      c.label = cases.Text(1);
      c.name = cases.Text(2);
      c.mode = cases.Text(3);
      std::string verdict = cases.Text(4);
      for (Verdict v :
           {Verdict::kPass, Verdict::kFail, Verdict::kSkip, Verdict::kError, Verdict::kByDesign})
        if (VerdictName(v) == verdict) c.verdict = v;
      c.skip_category = cases.Text(5);
      c.reason = cases.Text(6);
      c.failures = Json::parse(cases.Text(7)).get<std::vector<std::string>>();
      c.duration_s = cases.Real(8);
      r.cases.push_back(std::move(c));
    }
  } catch (const nlohmann::json::exception& e) {
    Fail(fmt::format("run {} holds damaged JSON: {}", id, e.what()));
  }
  Statement bench(db_,
                  "SELECT name, aggregates_only, real_ns, cpu_ns FROM benchmarks "
                  "WHERE run_id = ?1 ORDER BY rowid",
                  fail);
  bench.Bind(1, id);
  while (bench.Step()) {
    std::string name = bench.Text(0);
    if (r.benchmarks.empty() || r.benchmarks.back().name != name)
      r.benchmarks.push_back(Benchmark{name, {}, {}, bench.Int(1) != 0});
    r.benchmarks.back().real_ns.push_back(bench.Real(2));
    r.benchmarks.back().cpu_ns.push_back(bench.Real(3));
  }
  return r;
}

}  // namespace nsprobe::compare
