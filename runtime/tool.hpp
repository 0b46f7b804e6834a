// Run a host program (ip, ipcs, ps, hostname, id) inside another process's namespaces and
// capture what it prints. Boost.Process lives behind this file alone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "runtime/kind.hpp"

namespace nsprobe {

struct ToolResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string Describe() const;  // for assertion messages
};

// Runs argv (argv[0] searched in PATH) in the namespaces `kinds` of `target` (nothing is
// entered for an empty set or target 0), stdin from /dev/null. Entering pid forks once more
// so the program is a member. Throws std::invalid_argument for a missing program or target;
// a program still running at the timeout is killed and the result says timed_out.
ToolResult RunTool(pid_t target, KindSet kinds, const std::vector<std::string>& argv,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace nsprobe
