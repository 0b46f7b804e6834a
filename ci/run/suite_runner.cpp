#include "ci/run/suite_runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>

#include "ci/report/render.hpp"
#include "ci/run/gtest_output.hpp"
#include "runtime/fd.hpp"
#include "runtime/tool.hpp"

namespace nsprobe::run {

using record::Case;
using record::ValidUtf8;
using record::Verdict;
using record::VerdictName;

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTailBytes = 4096;

std::string ReadAllOrEmpty(const std::string& path) {
  std::string text;
  return TryReadFile(path, text) ? ValidUtf8(text) : std::string();
}

std::string Tail(const std::string& text) {
  return text.size() <= kTailBytes ? text : "[...]\n" + text.substr(text.size() - kTailBytes);
}

struct Finished {
  ExitStatus status;
  double seconds = 0;
};

// Runs argv with stdin from /dev/null and stdout+stderr into `console`; `tick` reports
// progress; kills it at the timeout, or when *stop is set (then throws Interrupted).
Finished RunWithConsole(const std::vector<std::string>& argv, const std::string& console,
                        double timeout_s, const std::function<void()>& tick,
                        const volatile std::sig_atomic_t* stop) {
  // Name the missing file and where it should come from: it was there when the manifest was
  // read, so something removed it or hid it since.
  if (::access(argv.front().c_str(), X_OK) != 0)
    throw std::runtime_error(fmt::format(
        "suite binary {} is not there any more ({}); rebuild (scripts/test) or reinstall nsprobe",
        argv.front(), std::strerror(errno)));
  ProgramRun run;
  run.argv = argv;
  run.output_file = console;
  run.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(timeout_s));
  run.tick = tick;
  run.stop = stop;
  ProgramResult r = RunProgram(run);
  if (r.stopped) throw Interrupted();
  return {r.status, r.seconds};
}

}  // namespace

std::vector<std::string> ListCases(const SuiteBinary& binary, const SuiteOptions& options) {
  std::vector<std::string> argv = {binary.path, "--gtest_list_tests"};
  if (!options.filter.empty()) argv.push_back("--gtest_filter=" + options.filter);
  std::string console = (fs::path(options.work_dir) / (binary.name + ".list")).string();
  Finished f =
      RunWithConsole(argv, console, std::min(options.timeout_s, 60.0), nullptr, options.stop);
  std::string text = ReadAllOrEmpty(console);
  if (!f.status.Success())
    throw std::runtime_error(
        fmt::format("{} --gtest_list_tests: {}: {}", binary.name, f.status.Describe(), Tail(text)));
  return ParseListTests(text);
}

SuiteRun RunSuite(const SuiteBinary& binary, const SuiteOptions& options,
                  const std::vector<std::string>& listed,
                  const std::function<void(int, const std::string&)>& progress) {
  std::string json_path = (fs::path(options.work_dir) / (binary.name + ".json")).string();
  std::string console = (fs::path(options.work_dir) / (binary.name + ".out")).string();
  ::unlink(json_path.c_str());
  std::vector<std::string> argv = {binary.path, "--gtest_output=json:" + json_path,
                                   "--gtest_color=no", "--gtest_brief=0", "--gtest_print_time=1"};
  if (!options.filter.empty()) argv.push_back("--gtest_filter=" + options.filter);
  if (options.shuffle) {
    argv.push_back("--gtest_shuffle");
    argv.push_back(fmt::format("--gtest_random_seed={}", options.seed));
  }
  auto tick = [&] {
    if (!progress) return;
    std::string text;
    if (TryReadFile(console, text)) progress(CountFinished(text), RunningCase(text));
  };
  std::optional<HealthMark> mark;
  if (options.check_health) mark = MarkHealth(options.health);
  Finished f = RunWithConsole(argv, console, options.timeout_s, tick, options.stop);
  std::optional<Health> health;
  if (mark) health = CheckHealth(*mark, options.health);
  std::string text = ReadAllOrEmpty(console);

  SuiteRun run;
  run.binary = {binary.name, binary.label, f.status.Describe(), false, f.seconds,
                0,           {},           binary.conformance};
  // gtest exits 0 when all passed and 1 when a case failed; anything else (a crash, a
  // leak check, a timeout) means the binary itself went wrong.
  run.binary.ok = f.status.exited && (f.status.code == 0 || f.status.code == 1);
  std::vector<GtestCase> reported;
  std::string json_problem;
  if (std::string json_text; TryReadFile(json_path, json_text)) {
    try {
      reported = ParseGtestJson(nlohmann::ordered_json::parse(json_text));
    } catch (const std::exception& e) {
      json_problem = e.what();
    }
  } else {
    json_problem = "wrote no --gtest_output JSON";
  }
  if (!json_problem.empty()) run.binary.ok = false;
  if (!run.binary.ok) run.binary.output_tail = Tail(text);
  std::map<std::string, std::string> skips = ParseSkipMessages(text);
  std::map<std::string, const GtestCase*> by_name;
  for (const GtestCase& g : reported) by_name.emplace(g.name, &g);
  const std::string crashed_in = RunningCase(text);

  // Listed order first, then anything reported that the listing missed.
  std::vector<std::string> names = listed;
  for (const GtestCase& g : reported)
    if (std::find(names.begin(), names.end(), g.name) == names.end()) names.push_back(g.name);
  for (const std::string& name : names) {
    Case c;
    c.suite = binary.suite;
    c.label = binary.label;
    c.name = ValidUtf8(name);
    c.mode = ModeOf(name);
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      c.verdict = Verdict::kError;
      c.reason = name == crashed_in
                     ? fmt::format("{} ended while running this case: {}", binary.name,
                                   f.status.Describe())
                     : fmt::format("{} ended ({}) before reporting this case{}", binary.name,
                                   f.status.Describe(),
                                   json_problem.empty() ? "" : "; it " + json_problem);
    } else {
      const GtestCase& g = *it->second;
      c.verdict = g.verdict;
      c.duration_s = g.duration_s;
      c.declared_kinds = g.declared_kinds;
      c.checks = g.checks;
      for (const std::string& m : g.failures) c.failures.push_back(ValidUtf8(m));
      if (g.verdict == Verdict::kSkip) {
        c.reason = ValidUtf8(skips[name]);
        if (c.reason.starts_with(record::kByDesignPrefix)) {
          // Neither a skip nor a pass: the case found what namespaces share by design.
          c.verdict = Verdict::kByDesign;
          std::string_view what = std::string_view(c.reason).substr(record::kByDesignPrefix.size());
          while (what.starts_with(' ')) what.remove_prefix(1);
          c.reason = std::string(what);
        } else {
          c.skip_category = SkipCategory(c.reason);
        }
      }
    }
    run.cases.push_back(std::move(c));
  }
  if (health) {
    run.binary.health = HealthToJson(*health);
    if (!health->problems.empty()) {
      Case c;
      c.suite = binary.suite;
      c.label = binary.label;
      c.name = std::string(kHealthCaseName);
      c.verdict = Verdict::kFail;
      c.failures = health->problems;
      run.cases.push_back(std::move(c));
    }
  }
  run.binary.cases = static_cast<int>(run.cases.size());
  return run;
}

SuiteRun MergeRepeats(std::vector<SuiteRun> runs) {
  if (runs.size() == 1) return std::move(runs.front());
  const int n = static_cast<int>(runs.size());
  auto severity = [](Verdict v) {
    switch (v) {
      case Verdict::kSkip:
        return 0;
      case Verdict::kByDesign:
      case Verdict::kPass:
        return 1;
      case Verdict::kFail:
        return 2;
      case Verdict::kError:
        return 3;
    }
    return 3;
  };
  SuiteRun merged = runs.front();
  for (Case& c : merged.cases) {
    c.failures.clear();
    c.duration_s = 0;
  }
  merged.binary.duration_s = 0;
  for (int r = 0; r < n; ++r) {
    const SuiteRun& run = runs[static_cast<std::size_t>(r)];
    merged.binary.duration_s += run.binary.duration_s;
    // The health of the run that had trouble, when one did.
    if (const auto& h = run.binary.health; h.contains("problems") && !h["problems"].empty())
      merged.binary.health = h;
    if (!run.binary.ok) {
      merged.binary.ok = false;
      merged.binary.status = fmt::format("run {}/{}: {}", r + 1, n, run.binary.status);
      merged.binary.output_tail = run.binary.output_tail;
    }
    for (const Case& c : run.cases) {
      auto it = std::find_if(merged.cases.begin(), merged.cases.end(),
                             [&](const Case& m) { return m.name == c.name; });
      if (it == merged.cases.end()) it = merged.cases.insert(merged.cases.end(), c);
      if (severity(c.verdict) > severity(it->verdict)) {
        it->verdict = c.verdict;
        it->reason = c.reason;
        it->skip_category = c.skip_category;
      }
      for (const std::string& m : c.failures)
        it->failures.push_back(fmt::format("[run {}/{}] {}", r + 1, n, m));
      it->duration_s += c.duration_s / n;
    }
  }
  merged.binary.cases = static_cast<int>(merged.cases.size());
  for (const Case& m : merged.cases) {
    std::vector<std::string> verdicts;
    for (const SuiteRun& run : runs) {
      auto it = std::find_if(run.cases.begin(), run.cases.end(),
                             [&](const Case& c) { return c.name == m.name; });
      verdicts.emplace_back(it == run.cases.end() ? "missing" : VerdictName(it->verdict));
    }
    if (std::adjacent_find(verdicts.begin(), verdicts.end(), std::not_equal_to<>()) !=
        verdicts.end())
      merged.flaky.push_back(fmt::format("{}: {}", m.Key(), fmt::join(verdicts, ", ")));
  }
  return merged;
}

}  // namespace nsprobe::run
