// A KCIDB v4 report (kcidb-io schema 4.3): tests[] with dotted paths and PASS/FAIL/SKIP/ERROR,
// and each benchmark's median as a DONE test with a number, as the submitter guide describes.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ci/report/render.hpp"

namespace nsprobe::report {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kOrigin = "nsprobe";
constexpr std::size_t kMaxLogExcerpt = std::size_t{16} * 1024;  // KCIDB's limit on log_excerpt

std::string_view Status(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
      return "SKIP";
    case Verdict::kError:
      return "ERROR";
  }
  return "ERROR";
}

// KCIDB ids are "<origin>:<local id>"; the local part identifies this run.
std::string RunId(const Record& record) {
  std::string id = fmt::format("{}-{}", record.Fact("host"), record.created);
  for (char& ch : id)
    if (ch == ':' || ch == ' ') ch = '-';
  return id;
}

}  // namespace

std::string RenderKcidb(const Record& record) {
  const std::string run = RunId(record);
  const std::string build_id = fmt::format("{}:{}", kOrigin, record.Fact("kernel.release"));
  Json environment = {{"comment", MachineLine(record)},
                      {"misc",
                       {{"kernel.release", record.Fact("kernel.release")},
                        {"distro", record.Fact("distro")},
                        {"arch", record.Fact("arch")},
                        {"host", record.Fact("host")}}}};
  Json tests = Json::array();
  std::vector<std::string> paths = CasePaths(record);
  for (std::size_t i = 0; i < record.cases.size(); ++i) {
    const Case& c = record.cases[i];
    Json t = {{"id", fmt::format("{}:{}.{}", kOrigin, run, paths[i])},
              {"build_id", build_id},
              {"origin", kOrigin},
              {"path", paths[i]},
              {"status", Status(c.verdict)},
              {"start_time", record.created},
              {"duration", c.duration_s},
              {"environment", environment}};
    std::string excerpt;
    for (const std::string& f : c.failures) excerpt += f + "\n";
    if (excerpt.empty()) excerpt = c.reason;
    if (excerpt.size() > kMaxLogExcerpt) excerpt.resize(kMaxLogExcerpt);
    if (!excerpt.empty()) t["log_excerpt"] = ValidUtf8(excerpt);
    t["misc"] = {{"suite", c.suite}, {"kind", c.label}, {"mode", c.mode}};
    if (c.verdict == Verdict::kSkip) t["misc"]["skip_category"] = c.skip_category;
    tests.push_back(std::move(t));
  }
  for (const Benchmark& b : record.benchmarks) {
    std::string path = BenchPath(b);
    tests.push_back(
        {{"id", fmt::format("{}:{}.{}", kOrigin, run, path)},
         {"build_id", build_id},
         {"origin", kOrigin},
         {"path", path},
         {"status", "DONE"},
         {"start_time", record.created},
         {"number", {{"value", b.Median() * 1e-9}, {"unit", "s"}, {"prefix", "metric"}}},
         {"environment", environment},
         {"misc",
          {{"repetitions", b.real_ns.size()},
           {"min_s", b.Min() * 1e-9},
           {"max_s", b.Max() * 1e-9}}}});
  }
  Json report = {{"version", {{"major", 4}, {"minor", 3}}},
                 {"checkouts", Json::array()},
                 {"builds", Json::array()},
                 {"tests", tests}};
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace nsprobe::report
