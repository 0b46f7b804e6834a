// Launch steps: what a child reports as failed ({step, errno}) and the exception the parent
// throws for it, naming the step and its likely cause.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace nsprobe {

enum class Step : std::int32_t {
  kReady = 0,  // not a failure: setup finished
  kPdeathsig,
  kWaitForParent,
  kDropToCreator,
  kClone,
  kJoin,
  kJoinFork,
  kSetgroups,
  kGidMap,
  kUidMap,
  kTimeUnshare,
  kTimeOffsets,
  kTimeEnter,
  kBecomeRoot,
  kHostname,
  kDomainname,
  kMountPrivate,
  kMountProc,
  kLoopback,
  kChdir,
  kDescriptors,
  kExec,
  kCount,
};

// "uid_map", "hostname", ... as used in messages and tests.
std::string_view StepName(Step step);
// The /proc/PID file a map step writes ("uid_map"); empty for other steps.
std::string_view StepFile(Step step);
// The likely cause of `err` at `step`, or empty when there is nothing useful to add.
std::string_view StepHint(Step step, int err);
// A string quoted for a message, newlines shown as "\n".
std::string Quoted(std::string_view text);

// A launch step that failed; code() is the errno.
class StepError : public std::system_error {
 public:
  StepError(Step step, int err, std::string_view detail);
  Step step() const { return step_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  Step step_;
  std::string message_;
};

}  // namespace nsprobe
