// `nsprobe history add|show|check`: the SQLite store of runs and the check of a new run
// against the last ones from the same machine.
#include <fmt/format.h>

#include <map>

#include "ci/commands/cli.hpp"
#include "ci/commands/numeric_options.hpp"
#include "ci/compare/compare.hpp"
#include "ci/compare/history.hpp"

namespace nsprobe::cli {
namespace {

constexpr const char* kDefaultDb = "results/history.sqlite";

// The baseline of a check: the newest earlier run's cases, and every repetition of each
// benchmark over the last runs pooled, so one noisy run does not decide.
compare::Input Baseline(const compare::History& db, const std::vector<compare::RunRow>& runs) {
  compare::Input base{"history", "history", false, db.Load(runs.front().id)};
  base.path = fmt::format("last {} run(s) in the history", runs.size());
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < base.record.benchmarks.size(); ++i)
    index[base.record.benchmarks[i].name] = i;
  for (std::size_t r = 1; r < runs.size(); ++r) {
    for (const record::Benchmark& b : db.Load(runs[r].id).benchmarks) {
      auto it = index.find(b.name);
      if (it == index.end()) {
        index[b.name] = base.record.benchmarks.size();
        base.record.benchmarks.push_back(b);
        continue;
      }
      record::Benchmark& into = base.record.benchmarks[it->second];
      into.real_ns.insert(into.real_ns.end(), b.real_ns.begin(), b.real_ns.end());
      into.cpu_ns.insert(into.cpu_ns.end(), b.cpu_ns.begin(), b.cpu_ns.end());
      into.aggregates_only = into.aggregates_only || b.aggregates_only;
    }
  }
  return base;
}

}  // namespace

void AddHistory(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand("history", "Keep runs in an SQLite history and check new ones");
  app->require_subcommand(1);
  auto db = std::make_shared<std::string>(kDefaultDb);
  auto record_path = std::make_shared<std::string>();
  auto last = std::make_shared<int>(5);
  auto machine = std::make_shared<std::string>();
  auto threshold_pct = std::make_shared<double>(10);
  auto compare = std::make_shared<compare::CompareOptions>();
  auto no_dashes = [](const std::vector<std::string>& after, bool dashes) {
    if (dashes || !after.empty()) throw UsageError("history takes no command after '--'");
  };

  auto* add = app->add_subcommand("add", "Store a record in the history");
  add->add_option("RECORD", *record_path, "A record.json written by nsprobe run")->required();
  add->add_option("--db", *db, "The history database")->capture_default_str();
  commands.push_back({add, [=](const std::vector<std::string>& after, bool dashes) {
                        no_dashes(after, dashes);
                        record::Record r = record::LoadRecord(*record_path);
                        compare::History h(*db, true);
                        std::int64_t id = h.Add(r, *record_path);
                        fmt::print("{}: stored run {} ({} cases, {} benchmarks) for machine {}\n",
                                   *db, id, r.cases.size(), r.benchmarks.size(),
                                   compare::MachineKey(r.fingerprint));
                        return 0;
                      }});

  auto* show = app->add_subcommand("show", "List the stored runs, newest first");
  show->add_option("--db", *db, "The history database")->capture_default_str();
  show->add_option("--machine", *machine, "Only this machine's runs");
  show->add_option("--last", *last, "At most this many runs (0: all)")
      ->check(CountValidator(0, kMaxRuns));
  commands.push_back(
      {show, [=](const std::vector<std::string>& after, bool dashes) {
         no_dashes(after, dashes);
         compare::History h(*db, false);
         fmt::print("{:>4}  {:<20}  {:<22}  {:<24} {:>5} {:>5} {:>5} {:>5} {:>6}\n", "run",
                    "created", "machine", "kernel", "pass", "fail", "skip", "error", "bench");
         for (const compare::RunRow& r : h.Runs(*machine, *last))
           fmt::print("{:>4}  {:<20}  {:<22}  {:<24} {:>5} {:>5} {:>5} {:>5} {:>6}\n", r.id,
                      r.created, r.machine, r.kernel, r.totals.pass, r.totals.fail, r.totals.skip,
                      r.totals.error, r.benchmarks);
         return 0;
       }});

  auto* check = app->add_subcommand(
      "check", "Compare a record with the last runs from the same machine; exit 1 on a regression");
  check->add_option("RECORD", *record_path, "A record.json written by nsprobe run")->required();
  check->add_option("--db", *db, "The history database")->capture_default_str();
  check->add_option("--last", *last, "How many earlier runs form the baseline")
      ->check(CountValidator(1, kMaxRuns))
      ->capture_default_str();
  check->add_option("--threshold", *threshold_pct, "Smallest median change that counts, in %")
      ->check(NumberValidator(kMinThresholdPct, kMaxThresholdPct));
  check->add_option("--alpha", compare->alpha, "Significance level of the U test")
      ->check(NumberValidator(0, 1));
  check->add_option("--floor-ns", compare->floor_ns, "Smallest absolute median change, in ns")
      ->check(NumberValidator(0, kMaxFloorNs));
  commands.push_back(
      {check, [=](const std::vector<std::string>& after, bool dashes) {
         no_dashes(after, dashes);
         record::Record r = record::LoadRecord(*record_path);
         compare::History h(*db, false);
         std::string key = compare::MachineKey(r.fingerprint);
         std::vector<compare::RunRow> runs;
         // The record itself may already be stored: never compare it with itself.
         for (const compare::RunRow& row : h.Runs(key, 0))
           if (row.created != r.created && static_cast<int>(runs.size()) < *last)
             runs.push_back(row);
         if (runs.empty()) {
           fmt::print("{}: no earlier run from machine {}; nothing to check against\n", *db, key);
           return 0;
         }
         compare::CompareOptions opts = *compare;
         opts.threshold = *threshold_pct / 100;
         std::vector<compare::Input> inputs;
         inputs.push_back(Baseline(h, runs));
         inputs.push_back({*record_path, "new", false, std::move(r)});
         compare::Comparison cmp = compare::Compare(std::move(inputs), opts);
         fmt::print("{}", compare::RenderCompareText(cmp));
         return cmp.Failed() ? 1 : 0;
       }});
}

}  // namespace nsprobe::cli
