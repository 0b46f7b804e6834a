// A KCIDB report (kcidb-io schema v4.5, the newest v4 minor; a test's "number", which the
// benchmark medians need, exists from 4.4 on): the checkout and the build the tests point at, then
// tests[] with dotted paths and PASS/FAIL/SKIP/ERROR, and each benchmark's median as a DONE
// test with a number, as the submitter guide describes. Reports drop tests whose build is
// missing, so the build is always there.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "ci/report/render.hpp"

namespace nsprobe::report {

namespace {

using Json = nlohmann::ordered_json;

constexpr int kMinor = 5;
constexpr std::size_t kMaxLogExcerpt = std::size_t{16} * 1024;  // KCIDB's limit on log_excerpt

std::string_view Status(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
    case Verdict::kByDesign:  // KCIDB has no such status; misc.by_design says which
      return "SKIP";
    case Verdict::kError:
      return "ERROR";
  }
  return "ERROR";
}

// The local part of an id: anything after "<origin>:" goes, but no spaces or colons, which
// make ids awkward to quote in KCIDB queries.
std::string LocalId(std::string text) {
  for (char& ch : text)
    if (ch == ':' || ch == ' ' || ch == '/') ch = '-';
  return text;
}

std::string FullId(const KcidbIds& ids, const std::string& given, const std::string& fallback) {
  if (given.empty()) return ids.origin + ":" + LocalId(fallback);
  return given.find(':') == std::string::npos ? ids.origin + ":" + given : given;
}

}  // namespace

std::string KcidbIdsProblem(const KcidbIds& ids) {
  static const std::regex kOrigin("^[a-z0-9_]+$");
  static const std::regex kId("^[a-z0-9_]+:.+$");
  if (!std::regex_match(ids.origin, kOrigin))
    return fmt::format(
        "--origin '{}': KCIDB origins are lowercase letters, digits and '_' (e.g. my_lab)",
        ids.origin);
  for (const auto& [option, id] :
       {std::pair{"--checkout-id", ids.checkout_id}, std::pair{"--build-id", ids.build_id}})
    if (id.find(':') != std::string::npos && !std::regex_match(id, kId))
      return fmt::format(
          "{} '{}': a KCIDB id is '<origin>:<local id>' with a non-empty local id, "
          "or just the local id (the origin is put in front)",
          option, id);
  return {};
}

std::string RenderKcidb(const Record& record, const KcidbIds& ids) {
  const std::string release = record.Fact("kernel.release");
  const std::string run = LocalId(fmt::format("{}-{}", record.Fact("host"), record.created));
  const std::string checkout_id = FullId(ids, ids.checkout_id, release);
  const std::string build_id =
      FullId(ids, ids.build_id, fmt::format("{}-{}", release, record.Fact("arch")));
  Json misc = {{"kernel.release", release},       {"kernel.version", record.Fact("kernel.version")},
               {"distro", record.Fact("distro")}, {"arch", record.Fact("arch")},
               {"host", record.Fact("host")},     {"nsprobe_version", record.nsprobe_version}};
  // nsprobe tests the kernel it runs on: the checkout and build are that kernel as installed,
  // known by its release string, not by a commit.
  Json checkout = {{"id", checkout_id},
                   {"origin", ids.origin},
                   {"comment", "Linux " + release + " (the running kernel)"},
                   {"valid", true},
                   {"misc", misc}};
  Json build = {{"id", build_id},       {"checkout_id", checkout_id},
                {"origin", ids.origin}, {"comment", "Linux " + release + " " + record.Fact("arch")},
                {"valid", true},        {"misc", misc}};
  if (record.Fact("arch") != "unknown") build["architecture"] = record.Fact("arch");
  Json environment = {{"comment", MachineLine(record)}, {"misc", misc}};
  Json tests = Json::array();
  std::vector<std::string> paths = CasePaths(record);
  for (std::size_t i = 0; i < record.cases.size(); ++i) {
    const Case& c = record.cases[i];
    Json t = {{"id", fmt::format("{}:{}.{}", ids.origin, run, paths[i])},
              {"build_id", build_id},
              {"origin", ids.origin},
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
    if (c.verdict == Verdict::kByDesign) t["misc"]["by_design"] = c.reason;
    tests.push_back(std::move(t));
  }
  for (const Benchmark& b : record.benchmarks) {
    std::string path = BenchPath(b);
    tests.push_back(
        {{"id", fmt::format("{}:{}.{}", ids.origin, run, path)},
         {"build_id", build_id},
         {"origin", ids.origin},
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
  Json report = {{"version", {{"major", 4}, {"minor", kMinor}}},
                 {"checkouts", Json::array({checkout})},
                 {"builds", Json::array({build})},
                 {"tests", tests}};
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace nsprobe::report
