#include "ci/run/runtimes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "ci/run/name_list.hpp"
#include "runtime/kind.hpp"
#include "runtime/tool.hpp"

namespace nsprobe::run {

using Json = nlohmann::ordered_json;

std::vector<SuiteBinary> WithoutRuntimeSuite(std::vector<SuiteBinary> suites) {
  std::erase_if(suites, [](const SuiteBinary& b) { return b.label == kRuntimeLabel; });
  return suites;
}

namespace {

Json Describe(const SuiteBinary& suite) {
  ProgramRun run;
  run.argv = {suite.path, "--nsprobe-runtimes"};
  run.timeout = std::chrono::seconds(60);
  ProgramResult r = RunProgram(run);
  Json doc = Json::parse(r.out, nullptr, false);
  if (!r.status.exited || r.status.code != 0 || !doc.is_array())
    throw std::runtime_error(
        fmt::format("{} --nsprobe-runtimes: no description of its runtimes: {}", suite.path,
                    r.err.substr(0, 300)));
  return doc;
}

}  // namespace

RuntimePlan PlanRuntimes(const std::string& list, const std::vector<SuiteBinary>& suites) {
  auto it = std::find_if(suites.begin(), suites.end(),
                         [](const SuiteBinary& b) { return b.label == kRuntimeLabel; });
  if (it == suites.end())
    throw std::invalid_argument(
        "--runtime: no sandbox_test among the suites; build it (scripts/test -L sandbox) or "
        "point --suites at a tree that has it");
  RuntimePlan plan;
  plan.suite = *it;
  const Json all = Describe(*it);
  std::vector<std::string> known;
  for (const Json& r : all) known.push_back(r.value("name", ""));
  std::vector<std::string> wanted;
  if (list == "all") {
    for (const Json& r : all)
      if (!r.value("installed", "").empty()) wanted.push_back(r.value("name", ""));
    if (wanted.empty())
      throw std::invalid_argument(
          "--runtime all: none of the runtimes is installed; scripts/run --runtime all installs "
          "them, or name one to see its skip");
  } else {
    wanted = SplitNameList(list, "--runtime", "bwrap,crun");
  }
  std::set<std::string> seen;
  std::vector<std::string> patterns;
  for (const std::string& name : wanted) {
    auto r = std::find_if(all.begin(), all.end(),
                          [&](const Json& j) { return j.value("name", "") == name; });
    if (r == all.end())
      throw std::invalid_argument(fmt::format("--runtime: no runtime '{}'; there are: {}, or all",
                                              name, fmt::join(known, ", ")));
    if (!seen.insert(name).second) continue;
    plan.runtimes.push_back(*r);
    patterns.push_back("*/" + r->value("case_prefix", name) + "_*");
  }
  plan.filter = fmt::format("{}", fmt::join(patterns, ":"));
  return plan;
}

}  // namespace nsprobe::run
