// Shared by the record_*_test files: a sample record with every verdict, Google Benchmark
// JSON with repetitions, temporary directories, and running the nsprobe command.
#pragma once

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ci/record/record.hpp"
#include "runtime/temp_dir.hpp"
#include "runtime/tool.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::record::testing {

// A directory under /tmp removed with everything in it when the test ends. World-writable
// would be wrong: 0755 is enough for the uid-65534 runs, which create their own.
class TempDir : public nsprobe::TempDir {
 public:
  TempDir() : nsprobe::TempDir("nsprobe-rec-", 0755) {}
  std::string operator/(const std::string& name) const { return Sub(name); }
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline ToolResult Nsprobe(std::vector<std::string> args) {
  args.insert(args.begin(), nsprobe::testing::NsprobeCommand());
  return RunTool(0, {}, args, std::chrono::seconds(120));
}

// Every verdict, both modes, a skip of each category, a failure with the values seen, and
// text that needs escaping in every format ('<', '&', '"', '#', '|', a newline).
inline Record SampleRecord() {
  Record r;
  r.created = "2026-01-02T03:04:05Z";
  r.nsprobe_version = "0.1.0";
  r.fingerprint = {{"kernel.release", "6.18.44-test"},
                   {"distro", "Debian GNU/Linux 12"},
                   {"arch", "x86_64"},
                   {"cpu.count", "2"},
                   {"cpu.model", "Test CPU"},
                   {"host", "testhost"},
                   {"virtualization", "none seen"}};
  r.binaries = {{"pid_test", "pid", "exit 1", true, 1.5, 4, ""},
                {"uts_test", "uts", "exit 0", true, 0.5, 2, ""},
                {"launch_test", "runtime", "signal 11 (SIGSEGV)", false, 0.2, 2, "boom\n", false}};
  auto add = [&](std::string suite, std::string label, std::string name, std::string mode,
                 Verdict v, std::string category, std::string reason,
                 std::vector<std::string> failures) {
    r.cases.push_back({std::move(suite), std::move(label), std::move(name), std::move(mode), v,
                       std::move(category), std::move(reason), std::move(failures), 0.012});
  };
  add("pid", "pid", "Modes/PidNamespace.SeesItselfAsPid1/privileged", "privileged", Verdict::kPass,
      "", "", {});
  add("pid", "pid", "Modes/PidNamespace.SeesItselfAsPid1/unprivileged", "unprivileged",
      Verdict::kFail, "", "",
      {"suites/pid_test.cpp:42\nExpected equality of these values:\n  obs.Value(\"pid\")\n"
       "    Which is: 4711\n  1\nchild saw <pid> & \"4711\" | # not 1"});
  add("pid", "pid", "Modes/PidNamespace.ProcShowsOnlyMembers/privileged", "privileged",
      Verdict::kSkip, "privilege", "privilege: needs root to mount /proc", {});
  add("pid", "pid", "Modes/PidNamespace.ProcShowsOnlyMembers/unprivileged", "unprivileged",
      Verdict::kSkip, "unsupported", "unsupported: NS_GET_ID needs Linux 6.18 (ENOTTY) # really",
      {});
  add("uts", "uts", "Modes/UtsNamespace.HostnameChangeInvisibleToParent/privileged", "privileged",
      Verdict::kPass, "", "", {});
  add("uts", "uts", "Modes/UtsNamespace.HostnameChangeInvisibleToParent/unprivileged",
      "unprivileged", Verdict::kSkip, "policy", "policy: user.max_uts_namespaces=0", {});
  add("launch", "runtime", "Launch.ReportsStepErrors", "", Verdict::kPass, "", "", {});
  add("launch", "runtime", "Launch.SurvivesCrash", "", Verdict::kError, "",
      "launch_test ended while running this case: signal 11 (SIGSEGV)", {});
  r.benchmarks = {
      {"BM_CreateNamespace/uts/real_time", {2100, 2000, 2300, 2050}, {900, 950, 1000, 920}, false},
      {"BM_CreateNamespace/net/real_time",
       {380000, 390000, 410000, 385000},
       {200000, 210000, 220000, 205000},
       false}};
  return r;
}

// Google Benchmark 1.7.1 JSON: `reps` iterations per benchmark (real and cpu time in `unit`)
// and the mean/median/stddev aggregates, as --benchmark_repetitions writes them.
inline nlohmann::ordered_json GbenchJson(const std::map<std::string, std::vector<double>>& runs,
                                         const std::string& unit = "ns") {
  nlohmann::ordered_json benchmarks = nlohmann::ordered_json::array();
  int family = 0;
  for (const auto& [name, values] : runs) {
    for (std::size_t i = 0; i < values.size(); ++i)
      benchmarks.push_back({{"name", name},
                            {"family_index", family},
                            {"per_family_instance_index", 0},
                            {"run_name", name},
                            {"run_type", "iteration"},
                            {"repetitions", values.size()},
                            {"repetition_index", i},
                            {"threads", 1},
                            {"iterations", 1000},
                            {"real_time", values[i]},
                            {"cpu_time", values[i] / 2},
                            {"time_unit", unit}});
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    benchmarks.push_back({{"name", name + "_median"},
                          {"family_index", family},
                          {"per_family_instance_index", 0},
                          {"run_name", name},
                          {"run_type", "aggregate"},
                          {"repetitions", values.size()},
                          {"threads", 1},
                          {"aggregate_name", "median"},
                          {"aggregate_unit", "time"},
                          {"iterations", values.size()},
                          {"real_time", sorted[sorted.size() / 2]},
                          {"cpu_time", sorted[sorted.size() / 2] / 2},
                          {"time_unit", unit}});
    ++family;
  }
  return {{"context",
           {{"date", "2026-01-02T03:04:05+00:00"},
            {"host_name", "testhost"},
            {"executable", "./bin/create_bench"},
            {"num_cpus", 2},
            {"mhz_per_cpu", 2400},
            {"cpu_scaling_enabled", false},
            {"library_build_type", "release"},
            {"kernel", "6.18.44-test"}}},
          {"benchmarks", benchmarks}};
}

// `reps` noisy repetitions around `center`: deterministic, so a test means the same on
// every run, with a spread of about ±3% like a quiet machine.
inline std::vector<double> Noisy(double center, int reps, double phase) {
  std::vector<double> v;
  for (int i = 0; i < reps; ++i) v.push_back(center * (1 + 0.03 * std::sin(phase + 1.7 * i)));
  return v;
}

}  // namespace nsprobe::record::testing
