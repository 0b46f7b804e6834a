// Run a host program (ip, ipcs, ps, a suite binary, apt-get, qemu) and wait for it: the one way
// nsprobe does, for the suite runner, the kernel matrix, Tool and the tests. It can enter
// another process's namespaces first (as nsenter does), take other ids, capture what the
// program prints or send it to a file, report progress and stop at a timeout or on request.
// Boost.Process lives behind this file alone; the runtime's Child owns what it starts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/child.hpp"
#include "runtime/kind.hpp"
#include "runtime/spec.hpp"

namespace nsprobe {

struct ProgramRun {
  std::vector<std::string> argv;  // argv[0] searched in PATH
  // Namespaces to enter before the program starts (nothing for an empty set or target 0).
  // Entering pid forks once more so the program is a member.
  pid_t target = 0;
  KindSet kinds;
  // Ids to take before entering: the creator of a user namespace has every capability in it,
  // which a root caller joining it with its own (unmapped) ids lacks.
  std::optional<Credentials> as;
  // Empty: capture stdout and stderr. Otherwise both go to this file, truncated first unless
  // `append`.
  std::string output_file;
  bool append = false;
  std::string cwd;  // the working directory when not empty
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::function<void()> tick;  // called about twice a second while the program runs
  // When *stop becomes non-zero (a signal handler's flag), the program is killed.
  const volatile std::sig_atomic_t* stop = nullptr;
};

struct ProgramResult {
  ExitStatus status;     // status.timed_out when it ran past the timeout and was killed
  bool stopped = false;  // killed because *stop was set
  double seconds = 0;
  std::string out, err;  // when captured
};

// Runs it; stdin is /dev/null. Throws std::invalid_argument for an empty argv or a program
// that is not found, std::system_error when it cannot be started (a failed join names setns
// and its errno) or the output file cannot be opened.
ProgramResult RunProgram(const ProgramRun& run);

struct ToolResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string Describe() const;  // for assertion messages
};

// RunProgram's shorthand for tests and probes: run it with its output captured (`run`'s
// output_file left empty), and say how it ended as an exit code.
ToolResult RunTool(const ProgramRun& run);
// The same for argv in the namespaces `kinds` of `target`, with the caller's ids.
ToolResult RunTool(pid_t target, KindSet kinds, const std::vector<std::string>& argv,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace nsprobe
