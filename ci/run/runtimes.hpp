// `nsprobe run --runtime`: the sandbox runtimes' suite (sandbox_test) for the runtimes asked
// for and their description in the record (the table per runtime is report/render_runtimes).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ci/record/record.hpp"
#include "ci/run/suite_manifest.hpp"

namespace nsprobe::run {

inline constexpr const char* kRuntimeLabel = "sandbox";

struct RuntimePlan {
  SuiteBinary suite;   // sandbox_test
  std::string filter;  // its cases for the runtimes asked for
  // The chosen runtimes as sandbox_test describes them: name, package, installed, version,
  // per mode the flags, the kinds promised and the kinds the runtime can leave shared.
  nlohmann::ordered_json runtimes = nlohmann::ordered_json::array();
};

// A run without --runtime keeps its meaning: the kernel's suites, not the runtimes'.
std::vector<SuiteBinary> WithoutRuntimeSuite(std::vector<SuiteBinary> suites);

// `list` is "bwrap,crun" or "all" (every installed runtime). Throws std::invalid_argument for
// an unknown or empty name, or when `suites` has no sandbox_test; std::runtime_error when it
// cannot describe its adapters.
RuntimePlan PlanRuntimes(const std::string& list, const std::vector<SuiteBinary>& suites);

}  // namespace nsprobe::run
