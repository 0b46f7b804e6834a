#include "ci/compare/compare.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ci/compare/utest.hpp"
#include "ci/record/gbench.hpp"
#include "ci/record/input_error.hpp"
#include "runtime/fingerprint.hpp"

namespace nsprobe::compare {

using record::BenchFile;
using record::Benchmark;
using record::Case;
using record::FromJson;
using record::LooksLikeGbench;
using record::LooksLikeRecord;
using record::Median;
using record::ParseGbench;
using record::ReadJsonFile;
using record::Record;
using record::Verdict;
using record::VerdictName;

namespace {

// Fewer repetitions than this make the U test unreliable (compare.py's warning).
constexpr std::size_t kMinReliableRepetitions = 9;

bool Failing(const Case* c) {
  return c != nullptr && (c->verdict == Verdict::kFail || c->verdict == Verdict::kError);
}

std::string Describe(const Case* c) {
  if (c == nullptr) return "absent";
  std::string v(VerdictName(c->verdict));
  return c->verdict == Verdict::kSkip || c->verdict == Verdict::kByDesign
             ? fmt::format("{} ({})", v, c->reason)
             : v;
}

std::map<std::string, const Case*> ByKey(const Record& r) {
  std::map<std::string, const Case*> m;
  for (const Case& c : r.cases) m.emplace(c.Key(), &c);
  return m;
}

// The facts a benchmark's speed depends on, from the record's fingerprint and from the
// Google Benchmark context.
std::map<std::string, std::string> PerformanceFacts(const Record& r) {
  std::map<std::string, std::string> facts;
  for (const auto& [k, v] : r.fingerprint)
    if (IsPerformanceKey(k)) facts[k] = v;
  const auto& ctx = r.bench_context;
  // scripts/bench stamps the fingerprint's own keys into the context.
  for (auto it = ctx.begin(); it != ctx.end(); ++it)
    if (it.value().is_string() && IsPerformanceKey(it.key()) && !facts.contains(it.key()))
      facts[it.key()] = it.value().get<std::string>();
  auto take = [&](const char* from, const char* key) {
    if (ctx.contains(from) && !facts.contains(key))
      facts[key] = ctx[from].is_string() ? ctx[from].get<std::string>() : ctx[from].dump();
  };
  take("kernel", "kernel.release");
  take("num_cpus", "cpu.count");
  take("mhz_per_cpu", "cpu.mhz");
  take("cpu_scaling_enabled", "cpu.scaling");
  take("library_build_type", "benchmark.build");
  return facts;
}

}  // namespace

Input LoadInput(const std::string& path, std::string label) {
  nlohmann::ordered_json json = ReadJsonFile(path);
  Input in{path, std::move(label), false, {}};
  if (LooksLikeRecord(json)) {
    in.record = FromJson(json, path);
    return in;
  }
  if (!LooksLikeGbench(json))
    throw record::InputError(
        fmt::format("{}: neither an nsprobe record nor Google Benchmark JSON", path));
  BenchFile bench = ParseGbench(json, path);
  in.gbench_only = true;
  in.record.bench_context = bench.context;
  in.record.benchmarks = std::move(bench.benchmarks);
  in.record.created = bench.context.value("date", std::string());
  return in;
}

std::vector<BenchDelta> CompareBenchmarks(const std::vector<Benchmark>& base,
                                          const std::vector<Benchmark>& other,
                                          const CompareOptions& options, bool paired) {
  std::vector<BenchDelta> deltas;
  for (const Benchmark& o : other) {
    auto b = std::find_if(base.begin(), base.end(),
                          [&](const Benchmark& x) { return x.name == o.name; });
    if (b == base.end()) continue;
    BenchDelta d;
    d.name = o.name;
    d.base_median = b->Median();
    d.other_median = o.Median();
    d.change = d.base_median > 0 ? (d.other_median - d.base_median) / d.base_median : 0;
    d.base_reps = static_cast<int>(b->real_ns.size());
    d.other_reps = static_cast<int>(o.real_ns.size());
    d.tested = !b->aggregates_only && !o.aggregates_only && d.base_reps >= 2 && d.other_reps >= 2;
    d.paired = paired && d.tested && d.base_reps == d.other_reps;
    if (d.paired) {
      std::vector<double> log_ratios;
      for (std::size_t i = 0; i < o.real_ns.size(); ++i)
        if (b->real_ns[i] > 0 && o.real_ns[i] > 0)
          log_ratios.push_back(std::log(o.real_ns[i] / b->real_ns[i]));
      d.paired = log_ratios.size() == o.real_ns.size();
      if (d.paired) {
        d.change = std::expm1(Median(log_ratios));
        d.p = WilcoxonSignedRank(log_ratios).p;
        d.detectable = PairedDetectableChange(log_ratios, options.alpha);
      }
    }
    if (d.tested && !d.paired) {
      d.p = MannWhitneyU(b->real_ns, o.real_ns).p;
      d.detectable = DetectableChange(b->real_ns, o.real_ns, options.alpha);
    }
    d.threshold = options.threshold.value_or(d.paired ? kPairedThreshold : kUnpairedThreshold);
    bool significant = d.tested && d.p < options.alpha &&
                       std::fabs(d.other_median - d.base_median) >= options.floor_ns;
    d.regression = significant && d.change >= d.threshold;
    d.improvement = significant && d.change <= -d.threshold;
    deltas.push_back(d);
  }
  return deltas;
}

bool PairedRounds(const Input& base, const Input& other) {
  auto id = [](const Input& in) {
    const auto& ctx = in.record.bench_context;
    auto it = ctx.find("nsprobe.bench.ab");
    return it != ctx.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return !id(base).empty() && id(base) == id(other);
}

std::string_view ChangeName(Change change) {
  switch (change) {
    case Change::kNewFailure:
      return "newly failing";
    case Change::kFixed:
      return "newly passing";
    case Change::kNewSkip:
      return "newly skipped";
    case Change::kSkipReasonChanged:
      return "skip reason changed";
    case Change::kUnskipped:
      return "no longer skipped";
  }
  return "changed";
}

std::vector<CaseChange> CompareCases(const Record& base, const Record& other) {
  std::map<std::string, const Case*> before = ByKey(base);
  std::vector<CaseChange> changes;
  for (const Case& c : other.cases) {
    auto it = before.find(c.Key());
    const Case* b = it == before.end() ? nullptr : it->second;
    std::optional<Change> change;
    if (Failing(&c) && !Failing(b))
      change = Change::kNewFailure;
    else if (!Failing(&c) && Failing(b))
      change = c.verdict == Verdict::kSkip ? Change::kNewSkip : Change::kFixed;
    else if (c.verdict == Verdict::kSkip && b != nullptr && b->verdict != Verdict::kSkip)
      change = Change::kNewSkip;
    else if (c.verdict == Verdict::kSkip && b != nullptr && b->reason != c.reason)
      change = Change::kSkipReasonChanged;
    else if (c.verdict == Verdict::kPass && b != nullptr && b->verdict == Verdict::kSkip)
      change = Change::kUnskipped;
    if (change) changes.push_back({*change, c.suite, c.name, Describe(b), Describe(&c)});
  }
  return changes;
}

std::vector<std::string> BenchWarnings(const Input& base, const Input& other,
                                       const std::vector<BenchDelta>& deltas) {
  std::vector<std::string> warnings;
  std::vector<std::string> few;
  for (const BenchDelta& d : deltas)
    if (static_cast<std::size_t>(std::min(d.base_reps, d.other_reps)) < kMinReliableRepetitions)
      few.push_back(d.name);
  if (!few.empty())
    warnings.push_back(
        fmt::format("{} vs {}: {} benchmark(s) with fewer than {} repetitions, results unreliable "
                    "(e.g. {}); use --benchmark_repetitions={}",
                    base.label, other.label, few.size(), kMinReliableRepetitions, few.front(),
                    kMinReliableRepetitions));
  if (deltas.empty()) return warnings;
  std::map<std::string, std::string> a = PerformanceFacts(base.record),
                                     b = PerformanceFacts(other.record);
  std::vector<std::string> differ;
  for (const auto& [k, v] : a)
    if (b.contains(k) && b[k] != v) differ.push_back(fmt::format("{} ({} vs {})", k, v, b[k]));
  if (!differ.empty())
    warnings.push_back(
        fmt::format("{} vs {}: the machines differ in performance-relevant facts: {}", base.label,
                    other.label, fmt::join(differ, ", ")));
  return warnings;
}

int Comparison::NewFailures() const {
  int n = 0;
  for (const auto& list : changes)
    for (const CaseChange& c : list) n += c.change == Change::kNewFailure ? 1 : 0;
  return n;
}

int Comparison::Regressions() const {
  int n = 0;
  for (const auto& list : bench)
    for (const BenchDelta& d : list) n += d.regression ? 1 : 0;
  return n;
}

Comparison Compare(std::vector<Input> inputs, const CompareOptions& options) {
  if (inputs.size() < 2) throw record::InputError("compare needs at least two files");
  Comparison cmp;
  cmp.options = options;
  const Input& base = inputs.front();
  std::map<std::string, const Case*> base_cases = ByKey(base.record);
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const Input& other = inputs[i];
    bool common_case = std::any_of(other.record.cases.begin(), other.record.cases.end(),
                                   [&](const Case& c) { return base_cases.contains(c.Key()); });
    std::vector<BenchDelta> deltas = CompareBenchmarks(
        base.record.benchmarks, other.record.benchmarks, options, PairedRounds(base, other));
    if (!common_case && deltas.empty())
      throw record::InputError(
          fmt::format("{} and {}: no case and no benchmark in common", base.path, other.path));
    // Against benchmarks alone there is no conformance to compare: every case would look new.
    bool both_have_cases = !base.record.cases.empty() && !other.record.cases.empty();
    cmp.changes.push_back(both_have_cases ? CompareCases(base.record, other.record)
                                          : std::vector<CaseChange>{});
    std::vector<std::string> w = BenchWarnings(base, other, deltas);
    cmp.warnings.insert(cmp.warnings.end(), w.begin(), w.end());
    cmp.bench.push_back(std::move(deltas));
    cmp.runtimes.push_back(CompareRuntimes(base.record, other.record));
  }
  // The matrix: every case key in first-seen order across inputs.
  std::vector<std::string> order;
  std::map<std::string, MatrixRow> rows;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (const Case& c : inputs[i].record.cases) {
      auto [it, fresh] = rows.try_emplace(c.Key());
      if (fresh) {
        order.push_back(c.Key());
        it->second = {c.suite, c.name, std::vector<const Case*>(inputs.size(), nullptr)};
      }
      it->second.cells[i] = &c;
    }
  }
  for (const std::string& key : order) {
    const MatrixRow& row = rows[key];
    std::set<std::string> seen;
    for (const Case* c : row.cells) seen.insert(Describe(c));
    if (options.all || seen.size() > 1) cmp.matrix.push_back(row);
  }
  cmp.inputs = std::move(inputs);
  return cmp;
}

}  // namespace nsprobe::compare
