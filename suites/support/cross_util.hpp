// Helpers for the cross-cutting suites (join, lifetime, limits, policy): a holder child that
// keeps its namespaces alive while the parent inspects them, body-side guards that refuse to
// touch the host when a namespace is missing, and bounded polling for asynchronous teardown.
// Header-only: every suite that includes it links nsprobe_test_support already.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "suites/support/modes.hpp"

// Records a call's result with the errno it left, in that order. `w.Result(key, call(), errno)`
// may read errno before the call runs: function arguments are evaluated in no fixed order.
// Async-signal-safe.
#define NSPROBE_RESULT(w, key, call)               \
  do {                                             \
    long nsprobe_ret_ = (call);                    \
    int nsprobe_err_ = errno;                      \
    (w).Result((key), nsprobe_ret_, nsprobe_err_); \
  } while (0)

namespace nsprobe::testing {

// CLOCK_MONOTONIC in nanoseconds. Async-signal-safe (vDSO), so a child can stamp events on
// the same clock as its parent (as long as neither is in a time namespace with an offset).
inline std::int64_t MonotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The inode of `path` (a /proc/.../ns/<kind> entry), or 0. Async-signal-safe.
inline ino_t InodeOf(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? st.st_ino : 0;
}

// A fork-like child of the calling child (raw clone: glibc's fork is not safe after a raw
// clone). Returns 0 in the new child, its pid in the caller, -1 with errno. The flags go
// through the negative-control seam (seam.hpp). Async-signal-safe.
inline long ForkInChild(unsigned long extra_flags = 0) {
  return ::syscall(SYS_clone, SIGCHLD | Seamed(extra_flags), nullptr, nullptr, nullptr, nullptr);
}

// Waits for a child forked with ForkInChild; returns its wait status or -1. Async-signal-safe.
inline int ReapInChild(long pid) {
  int status = 0;
  long r;
  do r = ::syscall(SYS_wait4, pid, &status, 0, nullptr);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : status;
}

// Sleeps `us` microseconds. Async-signal-safe.
inline void SleepUs(long us) {
  timespec ts{us / 1'000'000, (us % 1'000'000) * 1000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Closes every descriptor above 2 except `a` and `b`. Async-signal-safe.
inline void CloseAllBut(int a, int b) {
  if (a > b) std::swap(a, b);
  auto close_range = [](int first, int last) {
    if (first <= last) ::syscall(SYS_close_range, first, last, 0);
  };
  close_range(3, a - 1);
  close_range(a + 1, b - 1);
  close_range(b + 1, ~0U >> 1);
}

// A launched child that runs `setup`, reports readiness with one byte, then keeps its
// namespaces alive until Release() or the destructor. Before it blocks it closes every other
// descriptor, so it holds no copy of a pipe the parent later waits on for EOF.
class Holder {
 public:
  // `setup` runs in the child (async-signal-safe); a non-zero return ends the child with
  // that code before it reports ready.
  explicit Holder(const Spec& spec, Body setup = kNoSetup) {
    child_ = testing::Launch(spec, [&] {
      ::close(hold_.write.Get());
      ::close(ready_.read.Get());
      if (int rc = setup()) return rc;
      CloseAllBut(hold_.read.Get(), ready_.write.Get());
      if (::write(ready_.write.Get(), "r", 1) != 1) return 91;
      char c;
      return static_cast<int>(::read(hold_.read.Get(), &c, 1));
    });
    ready_.write.Reset();
    char c = 0;
    ssize_t n;
    do n = ::read(ready_.read.Get(), &c, 1);
    while (n < 0 && errno == EINTR);
    ready_ok_ = n == 1;
  }

  // False when the child ended before it was ready (its setup failed): see Wait().
  bool Ready() const { return ready_ok_; }
  pid_t Pid() const { return child_.Pid(); }
  Child& child() { return child_; }
  // Lets the child end on its own without reaping it: it stays a zombie until Wait().
  void LetEnd() { hold_.write.Reset(); }
  // Lets the child end on its own (it exits 0), then reaps it.
  ExitStatus Release() {
    hold_.write.Reset();
    return child_.Wait(std::chrono::seconds(10));
  }

 private:
  static int NoSetup() { return 0; }
  static constexpr int (*kNoSetup)() = &NoSetup;
  Pipe hold_ = Pipe::Make();
  Pipe ready_ = Pipe::Make();
  bool ready_ok_ = false;
  Child child_;  // last: destroyed (killed and reaped) before the pipes close
};

// A fresh user namespace to set limits in, created by root (privileged) or by uid 65534
// (unprivileged); either way the child is root in it and holds every capability there.
inline Spec FreshUserNamespace(Mode mode) {
  Spec spec = SpecFor(mode, KindSet{Kind::kUser});
  spec.map_root = true;
  return spec;
}

// "/proc/sys/user/max_net_namespaces": per user namespace, read and written in the caller's.
inline std::string MaxNamespacesSysctl(Kind kind) {
  return "/proc/sys/user/max_" + std::string(Name(kind)) + "_namespaces";
}

// A temporary directory, mode 0755 so that an unprivileged holder (whose root has no rights
// over the host's root) can reach it; removed with what is left in it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/nsprobe-cross-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::system_error(errno, std::generic_category());
    path = tmpl;
    std::filesystem::permissions(path, std::filesystem::perms(0755));
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Every kind in both modes, as gtest parameters named "net_unprivileged".
inline const auto kEveryKindBothModes =
    ::testing::Combine(::testing::Values(Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid,
                                         Kind::kUser, Kind::kCgroup, Kind::kTime),
                       kBothModes);
inline std::string KindModeParamName(
    const ::testing::TestParamInfo<std::tuple<Kind, Mode>>& param_info) {
  return std::string(Name(std::get<0>(param_info.param))) + "_" +
         std::string(ModeName(std::get<1>(param_info.param)));
}

// Polls `done` until it returns true or `limit` passes; returns how long it took, or nullopt.
// For asynchronous kernel teardown: the bound keeps a broken kernel from hanging the suite.
template <typename F>
std::optional<std::chrono::microseconds> PollFor(std::chrono::milliseconds limit, F&& done) {
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    if (done())
      return std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
    if (std::chrono::steady_clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// Whether this process and `pid` share the namespace of `kind` (same dev and inode).
inline bool SharesNamespace(pid_t pid, Kind kind) {
  auto theirs = IdentityOf(pid, kind), ours = IdentityOf(0, kind);
  return theirs && ours && *theirs == *ours;
}

}  // namespace nsprobe::testing
