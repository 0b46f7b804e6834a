#include "ci/record/gbench.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "ci/record/input_error.hpp"

namespace nsprobe::record {
namespace {

using Json = nlohmann::ordered_json;

double NanosecondsPer(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

}  // namespace

bool LooksLikeGbench(const Json& json) {
  return json.is_object() && json.contains("benchmarks") && json["benchmarks"].is_array() &&
         json.contains("context") && json["context"].is_object();
}

BenchFile ParseGbench(const Json& json, const std::string& source) {
  if (!LooksLikeGbench(json))
    throw record::InputError(fmt::format(
        "{}: not Google Benchmark JSON (needs a \"context\" object and a \"benchmarks\" array; "
        "write it with --benchmark_out=FILE --benchmark_out_format=json)",
        source));
  BenchFile out;
  out.context = json["context"];
  std::map<std::string, std::size_t> index;  // run_name -> position in out.benchmarks
  std::map<std::string, double> medians;     // run_name -> its median aggregate, in ns
  const Json& entries = json["benchmarks"];
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Json& e = entries[i];
    auto bad = [&](std::string_view what) {
      return record::InputError(
          fmt::format("{}: not Google Benchmark JSON: benchmarks[{}] {}", source, i, what));
    };
    // The default when absent; another type than the default's is not gbench output (where
    // nlohmann's value() would throw a type_error naming neither the file nor the field).
    auto optional = [&]<typename T>(const char* key, T fallback) -> T {
      auto it = e.find(key);
      if (it == e.end()) return fallback;
      if (it->type() != Json(fallback).type())
        throw bad(fmt::format("has a \"{}\" that is a {}", key, it->type_name()));
      return it->template get<T>();
    };
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string())
      throw bad("has no \"name\"");
    if (optional("error_occurred", false)) continue;  // SkipWithError: no time to compare
    if (!e.contains("real_time") || !e["real_time"].is_number() || !e.contains("cpu_time") ||
        !e["cpu_time"].is_number())
      throw bad("has no numeric real_time/cpu_time");
    double scale = NanosecondsPer(optional("time_unit", std::string("ns")));
    if (scale == 0) throw bad("has an unknown time_unit");
    std::string run = optional("run_name", e["name"].get<std::string>());
    std::string type = optional("run_type", std::string("iteration"));
    double real = e["real_time"].get<double>() * scale, cpu = e["cpu_time"].get<double>() * scale;
    // A record writes infinity as null, which no longer loads.
    if (!std::isfinite(real) || !std::isfinite(cpu)) throw bad("has a time past 1.8e308 ns");
    if (type == "aggregate") {
      if (optional("aggregate_name", std::string()) == "median") medians[run] = real;
      continue;
    }
    auto [it, fresh] = index.try_emplace(run, out.benchmarks.size());
    if (fresh) out.benchmarks.push_back(Benchmark{run, {}, {}, false});
    out.benchmarks[it->second].real_ns.push_back(real);
    out.benchmarks[it->second].cpu_ns.push_back(cpu);
  }
  // --benchmark_report_aggregates_only leaves only the median: keep it, marked, so it is
  // shown but never rank-tested.
  for (const auto& [run, median] : medians)
    if (!index.contains(run)) out.benchmarks.push_back(Benchmark{run, {median}, {median}, true});
  if (out.benchmarks.empty())
    throw record::InputError(
        fmt::format("{}: Google Benchmark JSON without a single result", source));
  return out;
}

BenchFile LoadGbench(const std::string& path) { return ParseGbench(ReadJsonFile(path), path); }

}  // namespace nsprobe::record
