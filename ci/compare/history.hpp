// The regression history: an SQLite database of runs, their cases and benchmark repetitions,
// keyed by the machine they ran on, so a new run can be checked against the last ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ci/record/record.hpp"

struct sqlite3;

namespace nsprobe::compare {

using record::Record;
using record::Totals;

// Stored in PRAGMA user_version; a database from a newer nsprobe is refused.
inline constexpr int kHistorySchemaVersion = 1;

// "vm-3f2a9c1d": the host name and a hash of the facts that make a machine the same machine
// (host, arch, CPU model and count, virtualisation) — not the kernel, which is what changes.
std::string MachineKey(const Fingerprint& fingerprint);

struct RunRow {
  std::int64_t id = 0;
  std::string machine, created, kernel, source;
  Totals totals;
  int benchmarks = 0;
};

class History {
 public:
  // Opens the database; with `create`, makes it (and its schema) when it does not exist.
  // Throws record::InputError naming the file: missing, not a database, corrupt, locked, or
  // from a newer schema.
  History(const std::string& path, bool create);
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // Adds a run in one transaction: on any failure nothing of it is stored. Throws
  // record::InputError when the same run (machine and time) is already there.
  std::int64_t Add(const Record& record, const std::string& source);
  // Newest first; only `machine`'s when not empty; at most `limit` when > 0.
  std::vector<RunRow> Runs(const std::string& machine, int limit) const;
  // The stored run as a record: fingerprint, cases, benchmarks.
  Record Load(std::int64_t id) const;

 private:
  [[noreturn]] void Fail(std::string_view what) const;
  void Exec(const char* sql) const;

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace nsprobe::compare
