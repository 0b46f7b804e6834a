// Tools for the bodies the suites launch. Every function here is async-signal-safe: it runs
// between clone3() and _exit(), so it makes raw system calls and allocates nothing.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "suites/support/seam.hpp"

namespace nsprobe::testing {

// Forks with a raw clone: glibc's fork() runs atfork handlers and takes locks, which is not
// safe after a raw clone. `flags` may add CLONE_NEW* flags, which go through the
// negative-control seam (seam.hpp). Returns 0 in the new child, its pid in the caller, -1 with
// errno on failure.
inline long ForkInChild(unsigned long flags = 0) {
  return ::syscall(SYS_clone, Seamed(flags) | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
}

// Waits for a child made by ForkInChild, retrying EINTR: its wait status, or -1 with errno.
inline int WaitInChild(long pid) {
  int status = 0;
  long r;
  do r = ::syscall(SYS_wait4, pid, &status, 0, nullptr);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : status;
}

// Runs `f` in a child made by ForkInChild(flags), which exits with what `f` returns (0 when
// it returns nothing); returns its wait status, or -1 with errno when the fork failed.
template <typename F>
int InForkedChild(F&& f, unsigned long flags = 0) {
  const long pid = ForkInChild(flags);
  if (pid == 0) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      f();
      ::_exit(0);
    } else {
      ::_exit(f());
    }
  }
  return pid < 0 ? -1 : WaitInChild(pid);
}

// The inode of `path` (a /proc/.../ns/<kind> entry), or 0 when it cannot be read. For either
// side of a clone.
inline ino_t InodeOf(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? st.st_ino : 0;
}

inline void SleepUsInChild(long us) {
  timespec ts{us / 1'000'000, (us % 1'000'000) * 1000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}
inline void SleepMsInChild(long ms) { SleepUsInChild(ms * 1000); }

// CLOCK_MONOTONIC in nanoseconds (the vDSO), so a child can stamp events on its parent's
// clock, as long as neither is in a time namespace with an offset.
inline std::int64_t MonotonicNsInChild() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Closes every descriptor above 2 except `a` and `b`.
inline void CloseAllButInChild(int a, int b) {
  if (a > b) std::swap(a, b);
  auto close_range = [](int first, int last) {
    if (first <= last) ::syscall(SYS_close_range, first, last, 0);
  };
  close_range(3, a - 1);
  close_range(a + 1, b - 1);
  close_range(b + 1, ~0U >> 1);
}

}  // namespace nsprobe::testing
