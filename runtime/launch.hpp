// Launch: the one parent/child choreography every part of nsprobe uses.
//
//   parent: Validate -> PlanLaunch (launch_plan.hpp) -> prepare every text, path and
//           descriptor -> clone3 (CLONE_PIDFD) -> [write setgroups, gid_map, uid_map -> go
//           byte] -> read the child's report
//   child:  pdeathsig -> [wait for go] -> [enter target] -> [own id maps] -> time offsets
//           -> ids -> hostname -> / private -> /proc -> lo up -> cwd -> fds -> body | execve
//
// A step that fails in the child comes back as {step, errno} and is thrown here as a
// StepError naming the step and its likely cause.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/child.hpp"
#include "runtime/function_ref.hpp"
#include "runtime/launch_plan.hpp"
#include "runtime/spec.hpp"
#include "runtime/step.hpp"

namespace nsprobe {

// Child-side durations of the setup phases, measured by the child itself.
enum class Phase : std::uint8_t {
  kJoin,
  kIdMaps,
  kTime,
  kHostname,
  kMount,
  kProc,
  kLoopback,
  kExec
};
inline constexpr int kPhaseCount = 8;
std::string_view PhaseName(Phase phase);

struct LaunchReport {
  bool shared_memory = false;
  bool used_clone3 = false;
  std::array<std::int64_t, kPhaseCount> phase_ns{};
};

struct LaunchOptions {
  CloneStyle style = CloneStyle::kAuto;
  LaunchReport* report = nullptr;  // filled when not null
  // Fill report->phase_ns: the child reads the clock around each phase. Off by default: the
  // reads are measurement, not setup, and in a copied child each first touch of the clock
  // code and data is a page fault of its own (in a new time namespace, its own clock page).
  bool phase_times = false;
};

// The body runs in the child, in the new namespaces, and its return value is the exit code.
// Async-signal-safe; runs between clone3() and _exit(): no allocation, no locks, no gtest.
using Body = FunctionRef<int()>;

// Starts `body` in a child inside the namespaces `spec` describes.
// Throws std::invalid_argument for a bad spec, StepError for a failed step (the child is
// then already reaped), std::system_error when the parent cannot proceed.
Child Launch(const Spec& spec, Body body, const LaunchOptions& options = {});
// Starts `argv` (argv[0] searched in PATH) in a child inside the namespaces. The environment
// is this process's.
Child Launch(const Spec& spec, const std::vector<std::string>& argv,
             const LaunchOptions& options = {});

// Resolves a command as execvp would; throws std::invalid_argument when it is not found.
std::string FindExecutable(const std::string& name);

}  // namespace nsprobe
