// What the sandbox suite says about its adapters: skip reasons (only from the probe and the
// adapters' own declarations), readable command lines, case names, and the JSON description
// `nsprobe run --runtime` reads (sandbox_test --nsprobe-runtimes).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "suites/sandbox/adapters.hpp"

namespace nsprobe::sandbox {

// Why the property of `kind` cannot be judged for `adapter` in `mode` here, or empty:
// "unsupported: bwrap is not installed; apt-get install bubblewrap", a probe's policy reason,
// "privilege: ...", or "unsupported: ... promises no private time namespace".
std::string SkipReason(const Adapter& adapter, Mode mode, Kind kind);

// argv as one shell line, words quoted where needed.
std::string ShellLine(const std::vector<std::string>& argv);

// The case suffix: "nsprobe_exec_pid_unprivileged".
std::string CaseSuffix(const std::string& runtime, Kind kind, Mode mode);
// The runtime's part of it: "nsprobe_exec".
std::string CasePrefix(const std::string& runtime);

// [{name, program, package, installed, version, modes: {privileged: {available, flags,
// promises, shareable}, unprivileged: {...}}}]
nlohmann::json DescribeAll();

}  // namespace nsprobe::sandbox
