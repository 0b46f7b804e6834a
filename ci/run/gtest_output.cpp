#include "ci/run/gtest_output.hpp"

#include <fmt/format.h>

#include <charconv>
#include <regex>
#include <stdexcept>

namespace nsprobe::run {

using record::Verdict;

namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// "[  SKIPPED ] X.Y/z (0 ms)" -> "X.Y/z"; the ", where GetParam() = ..." tail is dropped.
std::string TagName(std::string_view line, std::string_view tag) {
  if (!line.starts_with(tag)) return {};
  std::string_view rest = line.substr(tag.size());
  std::size_t end = rest.find_first_of(" ,");
  return std::string(rest.substr(0, end));
}

constexpr std::string_view kRun = "[ RUN      ] ";
constexpr std::string_view kOk = "[       OK ] ";
constexpr std::string_view kFailed = "[  FAILED  ] ";
constexpr std::string_view kSkipped = "[  SKIPPED ] ";

bool IsFinishLine(std::string_view line) {
  // The per-case lines end with the time; the summary lists at the end have none.
  return (line.starts_with(kOk) || line.starts_with(kFailed) || line.starts_with(kSkipped)) &&
         line.ends_with(" ms)");
}

std::vector<GtestCase> GtestCases(const nlohmann::ordered_json& testsuites);

}  // namespace

std::vector<std::string> ParseListTests(std::string_view text) {
  std::vector<std::string> names;
  std::string suite;
  for (std::string_view line : Lines(text)) {
    if (line.empty()) continue;
    if (line.starts_with("  ")) {
      std::string_view name = line.substr(2);
      name = name.substr(0, name.find(' '));
      if (!suite.empty() && !name.empty()) names.push_back(suite + std::string(name));
    } else if (line.find('.') != std::string_view::npos && line.find(' ') != 0) {
      std::string_view s = line.substr(0, line.find(' '));
      // Suite lines end in '.'; anything else (e.g. "Running main() from ...") is not a suite.
      suite = s.ends_with('.') ? std::string(s) : std::string();
    }
  }
  return names;
}

std::vector<GtestCase> ParseGtestJson(const nlohmann::ordered_json& json) {
  if (!json.is_object() || !json.contains("testsuites") || !json["testsuites"].is_array())
    throw std::runtime_error("gtest JSON without \"testsuites\"");
  // A field of another type than gtest writes (a damaged or foreign file) is the documented
  // refusal, not nlohmann's type_error escaping to the caller.
  try {
    return GtestCases(json["testsuites"]);
  } catch (const nlohmann::ordered_json::exception& e) {
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw std::runtime_error(fmt::format("gtest JSON of an unexpected shape: {}", what));
  }
}

namespace {

std::vector<GtestCase> GtestCases(const nlohmann::ordered_json& testsuites) {
  std::vector<GtestCase> cases;
  for (const auto& suite : testsuites) {
    std::string suite_name = suite.value("name", std::string());
    if (!suite.contains("testsuite")) continue;
    for (const auto& t : suite["testsuite"]) {
      GtestCase c;
      c.name = suite_name + "." + t.value("name", std::string());
      // NOTRUN: filtered or disabled; not a case of this run.
      if (t.value("status", std::string("RUN")) != "RUN") continue;
      std::string result = t.value("result", std::string("COMPLETED"));
      if (t.contains("failures") && t["failures"].is_array() && !t["failures"].empty()) {
        c.verdict = Verdict::kFail;
        for (const auto& f : t["failures"]) c.failures.push_back(f.value("failure", std::string()));
      } else if (result == "SKIPPED") {
        c.verdict = Verdict::kSkip;
      }
      // gtest writes a case's recorded properties as fields of its own object.
      if (t.contains("nsprobe_kinds") && t["nsprobe_kinds"].is_string())
        c.declared_kinds = t["nsprobe_kinds"].get<std::string>();
      // gtest writes an integer property as a string; a case counts at least itself.
      if (t.contains("nsprobe_checks") && t["nsprobe_checks"].is_string()) {
        const std::string& n = t["nsprobe_checks"].get_ref<const std::string&>();
        int checks = 0;
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), checks);
        if (ec == std::errc() && end == n.data() + n.size() && checks >= 1) c.checks = checks;
      }
      std::string time = t.value("time", std::string("0s"));
      try {
        c.duration_s = std::stod(time);
      } catch (const std::exception&) {
        c.duration_s = 0;
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

}  // namespace

std::map<std::string, std::string> ParseSkipMessages(std::string_view console) {
  static const std::regex kSkippedLine(R"(^\S+:\d+: Skipped$)");
  std::map<std::string, std::string> messages;
  std::string running, message;
  bool collecting = false;
  for (std::string_view line : Lines(console)) {
    if (line.starts_with(kRun)) {
      running = TagName(line, kRun);
      message.clear();
      collecting = false;
    } else if (IsFinishLine(line)) {
      if (line.starts_with(kSkipped) && TagName(line, kSkipped) == running) {
        while (!message.empty() && message.back() == '\n') message.pop_back();
        messages[running] = message;
      }
      running.clear();
      collecting = false;
    } else if (!running.empty() && std::regex_match(line.begin(), line.end(), kSkippedLine)) {
      collecting = true;
      if (!message.empty()) message += '\n';
    } else if (collecting) {
      message.append(line);
      message += '\n';
    }
  }
  return messages;
}

int CountFinished(std::string_view console) {
  int n = 0;
  for (std::string_view line : Lines(console)) n += IsFinishLine(line) ? 1 : 0;
  return n;
}

std::string RunningCase(std::string_view console) {
  std::string running;
  for (std::string_view line : Lines(console)) {
    if (line.starts_with(kRun)) running = TagName(line, kRun);
    if (IsFinishLine(line)) running.clear();
  }
  return running;
}

std::string ModeOf(std::string_view full_name) {
  std::size_t dot = full_name.find('.');
  std::size_t slash = full_name.find('/', dot == std::string_view::npos ? 0 : dot);
  if (slash == std::string_view::npos) return {};
  std::string_view param = full_name.substr(slash + 1);
  // Parameter names may combine the mode with an entry path: "unprivileged_setns_fd".
  std::size_t start = 0;
  while (start <= param.size()) {
    std::size_t end = param.find_first_of("/_", start);
    std::string_view token = param.substr(start, end - start);
    if (token == "privileged" || token == "unprivileged") return std::string(token);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return {};
}

std::string SkipCategory(std::string_view reason) {
  for (std::string_view category : {"unsupported", "policy", "privilege"})
    if (reason.starts_with(category) && reason.substr(category.size()).starts_with(':'))
      return std::string(category);
  return "uncategorised";
}

}  // namespace nsprobe::run
