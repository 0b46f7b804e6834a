// Where the suite binaries are and what they are: the manifest CMake writes beside them
// (libexec/nsprobe/suites.json, in the build tree and the install tree alike).
#pragma once

#include <string>
#include <vector>

namespace nsprobe::run {

struct SuiteBinary {
  std::string path;   // absolute
  std::string name;   // "pid_test"
  std::string suite;  // "pid"
  std::string label;  // the kind or concern: "pid", "join", ...
  // A conformance suite, or one of the tool's own tests (which `nsprobe run` never runs).
  bool conformance = true;
  std::vector<std::string> needs;  // host programs it runs: "ip", "nsenter", ...
};

inline constexpr const char* kManifestName = "suites.json";

// The suites in `dir`: those its suites.json lists, in order, when it has one; otherwise
// (a directory of suites a user put together) every executable *_test in it, sorted by name
// and labelled by name ("pid_test" -> "pid"). Throws record::InputError naming the file for a
// manifest that cannot be read or names a binary that is not there.
std::vector<SuiteBinary> FindSuites(const std::string& dir);

}  // namespace nsprobe::run
