#include "ci/lava/lava_results.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "ci/lava/lava_id.hpp"
#include "ci/matrix/process.hpp"
#include "ci/matrix/serial.hpp"
#include "ci/record/input_error.hpp"

namespace nsprobe::lava {
namespace {

std::string Scalar(const YAML::Node& map, const char* key) {
  const YAML::Node v = map[key];
  return v && v.IsScalar() ? v.Scalar() : std::string();
}

record::Verdict VerdictOf(const std::string& result) {
  if (result == "pass") return record::Verdict::kPass;
  if (result == "skip") return record::Verdict::kSkip;
  if (result == "fail") return record::Verdict::kFail;
  return record::Verdict::kError;  // LAVA's "unknown"
}

}  // namespace

LavaLog ReadLavaLog(std::string_view text, const std::string& source) {
  LavaLog log;
  std::map<std::string, std::string> chunks;
  int line_no = 0, records = 0;
  for (std::string_view line : matrix::Lines(text)) {
    ++line_no;
    if (line.starts_with("- ")) line.remove_prefix(2);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    YAML::Node node;
    try {
      node = YAML::Load(std::string(line));
    } catch (const YAML::Exception& e) {
      throw record::InputError(
          fmt::format("{}: line {}: not YAML ({}); give lava-run's log (its stderr) or a "
                      "LAVA job's output.yaml",
                      source, line_no, e.msg));
    }
    if (!node.IsMap() || !node["lvl"] || !node["msg"])
      throw record::InputError(
          fmt::format("{}: line {}: not a LAVA log record (a mapping with lvl and msg); give "
                      "lava-run's log (its stderr) or a LAVA job's output.yaml",
                      source, line_no));
    ++records;
    const std::string lvl = Scalar(node, "lvl");
    const YAML::Node msg = node["msg"];
    if (lvl == "results" && msg.IsMap()) {
      LavaEntry r;
      r.definition = Scalar(msg, "definition");
      // LAVA lower-cases the case and turns [^a-zA-Z0-9_] into '_'; extra keeps the id as
      // printed.
      const YAML::Node extra = msg["extra"];
      r.id = extra && extra.IsMap() && extra["test_case_id"] ? Scalar(extra, "test_case_id")
                                                             : Scalar(msg, "case");
      r.result = Scalar(msg, "result");
      r.measurement = Scalar(msg, "measurement");
      r.units = Scalar(msg, "units");
      r.error_msg = Scalar(msg, "error_msg");
      if (r.definition == "lava" && Scalar(msg, "case") == "job") log.job_result = r.result;
      log.results.push_back(std::move(r));
    } else if ((lvl == "error" || lvl == "exception") && msg.IsScalar()) {
      log.errors.push_back(msg.Scalar());
    } else if (lvl == "target" && msg.IsScalar()) {
      std::string_view m = msg.Scalar();
      const std::size_t at = m.find(kBlobPrefix);
      if (at == std::string_view::npos) continue;
      m.remove_prefix(at + kBlobPrefix.size());
      const std::size_t colon = m.find(": ");
      if (colon == std::string_view::npos) continue;
      chunks[std::string(m.substr(0, colon))].append(m.substr(colon + 2));
    }
  }
  if (records == 0)
    throw record::InputError(fmt::format(
        "{}: no LAVA log record in it; give lava-run's log (its stderr) or a LAVA job's "
        "output.yaml",
        source));
  for (const auto& [name, body] : chunks) {
    try {
      log.blobs[name] = matrix::Gunzip(matrix::Base64Decode(body));
    } catch (const std::exception& e) {
      log.problems.push_back(fmt::format("the guest's {}: {}", name, e.what()));
    }
  }
  return log;
}

record::Record RecordFromLava(const LavaLog& log) {
  record::Record rec;
  std::vector<std::string> problems = log.problems;
  nlohmann::ordered_json measurements = nlohmann::ordered_json::object();
  for (const LavaEntry& r : log.results) {
    if (r.definition == "lava" && r.result == "fail")
      problems.push_back(
          fmt::format("LAVA: {} failed{}{}", r.id, r.error_msg.empty() ? "" : ": ", r.error_msg));
    if (r.definition != kDefinition) continue;
    if (!r.units.empty() || (r.result.empty() && !r.measurement.empty())) {
      measurements[r.id] = {{"value", r.measurement}, {"units", r.units}};
      continue;
    }
    auto names = CaseOfId(r.id);
    if (!names) {
      problems.push_back(fmt::format("LAVA result '{}': not an id nsprobe makes", r.id));
      continue;
    }
    record::Case c;
    c.suite = names->first;
    c.name = names->second;
    // The kind label is the suite's, without the matrix's "-uid<N>" of an unprivileged run.
    c.label = c.suite.substr(0, c.suite.find("-uid"));
    const std::string last = c.name.substr(c.name.rfind('/') + 1);
    if (last == "privileged" || last == "unprivileged") c.mode = last;
    c.verdict = VerdictOf(r.result);
    if (c.verdict == record::Verdict::kError)
      c.reason = fmt::format("LAVA reported '{}'", r.result);
    rec.cases.push_back(std::move(c));
  }
  if (log.job_result.empty())
    problems.push_back("LAVA: the job never reported its result (lava-run killed?)");
  for (const std::string& e : log.errors) problems.push_back("LAVA: " + e);
  if (auto it = log.blobs.find("fingerprint"); it != log.blobs.end()) {
    try {
      const nlohmann::ordered_json facts = nlohmann::ordered_json::parse(it->second);
      if (!facts.is_object()) throw std::runtime_error("not a JSON object");
      for (const auto& [k, v] : facts.items())
        if (v.is_string()) rec.fingerprint.emplace_back(k, v.get<std::string>());
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("the guest's fingerprint: {}", e.what()));
    }
  } else {
    problems.push_back("the guest sent no fingerprint");
  }
  if (auto it = log.blobs.find("probe"); it != log.blobs.end()) {
    try {
      rec.probe = nlohmann::ordered_json::parse(it->second);
    } catch (const std::exception& e) {
      problems.push_back(fmt::format("the guest's probe: {}", e.what()));
    }
  }
  rec.options["lava"] = {
      {"job_result", log.job_result}, {"problems", problems}, {"measurements", measurements}};
  return rec;
}

std::vector<std::string> LavaProblems(const record::Record& rec) {
  std::vector<std::string> out;
  if (rec.options.contains("lava"))
    for (const auto& p : rec.options["lava"]["problems"]) out.push_back(p.get<std::string>());
  return out;
}

}  // namespace nsprobe::lava
