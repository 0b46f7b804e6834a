#include "runtime/child.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <cerrno>
#include <system_error>
#include <thread>

#include "runtime/syscalls.hpp"

namespace nsprobe {

std::string ExitStatus::Describe() const {
  std::string base;
  if (exited) {
    base = fmt::format("exit {}", code);
  } else {
    const char* name = ::sigabbrev_np(signal);
    base = fmt::format("signal {} (SIG{}){}", signal, name ? name : "?",
                       core_dumped ? ", core dumped" : "");
  }
  return timed_out ? fmt::format("timed out, killed ({})", base) : base;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      status_(std::exchange(other.status_, std::nullopt)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    if (Running()) {
      try {
        Kill();
      } catch (...) {
        // As in the destructor: the pid is ours, so reaping it cannot fail short of EINTR.
      }
    }
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

Child::~Child() {
  if (Running()) {
    try {
      Kill();
    } catch (...) {
      // A destructor cannot report; the pid is ours, so waitpid cannot fail short of EINTR.
    }
  }
}

bool Child::Signal(int sig) const {
  if (!Running()) {
    errno = ESRCH;
    return false;
  }
  if (pidfd_) return sys::PidfdSendSignal(pidfd_.Get(), sig) == 0;
  return ::kill(pid_, sig) == 0;
}

bool Child::PollExit(int timeout_ms) const {
  if (pidfd_) {
    pollfd p{pidfd_.Get(), POLLIN, 0};
    int n;
    do n = ::poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0) throw std::system_error(errno, std::generic_category(), "poll(pidfd)");
    return n > 0;
  }
  // No pidfd (kernel < 5.2): peek without reaping, sleeping in short steps.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
      throw std::system_error(errno, std::generic_category(), "waitid");
    if (info.si_pid != 0) return true;
    if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

ExitStatus Child::Reap() {
  int raw = 0;
  pid_t r;
  do r = ::waitpid(pid_, &raw, __WALL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    throw std::system_error(errno, std::generic_category(), fmt::format("waitpid({})", pid_));
  ExitStatus st;
  if (WIFEXITED(raw)) {
    st.exited = true;
    st.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    st.signal = WTERMSIG(raw);
    st.core_dumped = WCOREDUMP(raw);
  }
  pidfd_.Reset();
  status_ = st;
  return st;
}

ExitStatus Child::Wait(std::optional<std::chrono::milliseconds> timeout) {
  if (status_) return *status_;
  if (pid_ <= 0) throw std::logic_error("Child::Wait on an empty handle");
  if (timeout && !PollExit(static_cast<int>(timeout->count()))) {
    Signal(SIGKILL);
    ExitStatus st = Reap();
    st.timed_out = true;
    status_ = st;
    return st;
  }
  return Reap();
}

ExitStatus Child::Kill() {
  if (status_) return *status_;
  if (pid_ <= 0) return {};
  Signal(SIGKILL);
  return Reap();
}

}  // namespace nsprobe
