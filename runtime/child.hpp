// A child process owned through its pidfd: waited with a timeout, killed and reaped by its
// destructor, so no child ever outlives its owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "runtime/fd.hpp"

namespace nsprobe {

struct ExitStatus {
  bool exited = false;  // true: `code` holds the exit status
  int code = 0;
  int signal = 0;          // the terminating signal when !exited
  bool timed_out = false;  // Wait() hit its timeout and killed the child
  bool core_dumped = false;

  bool Success() const { return exited && code == 0; }
  // "exit 3", "signal 9 (SIGKILL)", "timed out after 2.000 s, killed".
  std::string Describe() const;
};

class Child {
 public:
  Child() = default;
  // Takes ownership of a child of this process; pidfd may be invalid on kernels before 5.2.
  Child(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // Kills (SIGKILL) and reaps a child still running.
  ~Child();

  pid_t Pid() const { return pid_; }
  int PidFd() const { return pidfd_.Get(); }
  bool Running() const { return pid_ > 0 && !status_; }

  // Waits for the child to end. With a timeout, a child still running then is killed with
  // SIGKILL — which, for the init of a pid namespace, ends every process in it — and the
  // status says timed_out. Throws std::system_error if waiting itself fails.
  ExitStatus Wait(std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  // Sends a signal (through the pidfd when there is one). Returns false with errno set.
  bool Signal(int sig) const;
  // SIGKILL and reap; a no-op on a child already reaped.
  ExitStatus Kill();

 private:
  bool PollExit(int timeout_ms) const;
  ExitStatus Reap();

  pid_t pid_ = -1;
  UniqueFd pidfd_;
  std::optional<ExitStatus> status_;
};

}  // namespace nsprobe
