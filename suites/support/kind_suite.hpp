// Helpers shared by the per-kind suites: async-signal-safe tools for test bodies (which run
// between clone3() and _exit()), a one-byte handshake between such a body and the gtest
// parent, and specs for entering a launched child's namespaces in either mode.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

#include "runtime/child.hpp"
#include "runtime/fd.hpp"
#include "runtime/identity.hpp"
#include "runtime/kind.hpp"
#include "runtime/probe.hpp"
#include "runtime/spec.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"

// Records a call's result and the errno it left, in that order: the arguments of one function
// call are evaluated in no fixed order, so `w.Result(key, f(), errno)` may read errno before f
// runs. Async-signal-safe.
#define NSPROBE_RECORD(writer, key, call)              \
  do {                                                 \
    errno = 0;                                         \
    const long nsprobe_ret_ = static_cast<long>(call); \
    (writer).Result(key, nsprobe_ret_, errno);         \
  } while (0)

namespace nsprobe::testing {

// Forks with a raw clone: glibc's fork() runs atfork handlers and takes locks, which is not
// safe after a raw clone. `flags` may add CLONE_NEW* flags. Returns 0 in the new child, its
// pid in the caller, -1 with errno on failure. The flags go through the negative-control
// seam (seam.hpp). Async-signal-safe.
inline long ForkInChild(unsigned long flags = 0) {
  return ::syscall(SYS_clone, Seamed(flags) | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
}

// waitpid() retried on EINTR: the wait status, or -1 with errno. Async-signal-safe.
inline int WaitInChild(long pid) {
  int status = 0;
  while (::waitpid(static_cast<pid_t>(pid), &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

// The inode of a namespace entry such as "/proc/self/ns/uts"; 0 when it cannot be read.
// Async-signal-safe.
inline ino_t NsInodeInChild(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? st.st_ino : 0;
}

// Async-signal-safe.
inline void SleepInChild(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// CLOCK_MONOTONIC in nanoseconds. Async-signal-safe.
inline std::int64_t NowNsInChild() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// One byte each way: a body says Ready() once it has set something up, then AwaitGo()s while
// the test inspects it from outside. One Handshake per child.
class Handshake {
 public:
  // Child side; async-signal-safe.
  void Ready() const {
    char c = 'r';
    while (::write(to_parent_.write.Get(), &c, 1) < 0 && errno == EINTR) {
    }
  }
  // True when the test said go; false when it closed its end (the test is gone).
  bool AwaitGo() const {
    char c = 0;
    ssize_t n;
    do n = ::read(to_child_.read.Get(), &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1;
  }

  // Parent side: waits for `count` Ready()s; false when the body ended first or the time
  // ran out.
  bool AwaitReady(int count = 1, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    to_parent_.write.Reset();  // so that a body that dies gives EOF, not a hang
    for (int i = 0; i < count; ++i) {
      pollfd p{to_parent_.read.Get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
      char c = 0;
      if (::read(to_parent_.read.Get(), &c, 1) != 1) return false;
    }
    return true;
  }
  // Lets `count` waiting processes go on.
  void Go(int count = 1) {
    for (int i = 0; i < count; ++i) {
      char c = 'g';
      if (::write(to_child_.write.Get(), &c, 1) != 1) return;
    }
  }

 private:
  Pipe to_child_ = Pipe::Make();
  Pipe to_parent_ = Pipe::Make();
};

// The kinds to enter in a child launched in `mode`: unprivileged adds the child's user
// namespace, whose capabilities are what allow entering the rest.
inline KindSet EntryKinds(Mode mode, KindSet kinds) {
  if (mode == Mode::kUnprivileged) kinds.Add(Kind::kUser);
  return kinds;
}

// A spec whose child enters `target`'s namespaces of `kinds` by setns (Spec::join) instead of
// creating new ones; unprivileged, the child is created as kNobody when we are root and enters
// the target's user namespace too. Privileged with no kinds: a plain child.
inline Spec JoinSpec(Mode mode, pid_t target, KindSet kinds) {
  Spec spec;
  const KindSet entered = EntryKinds(mode, kinds);
  if (!entered.Empty()) spec.join = JoinTarget{target, entered};
  if (mode == Mode::kUnprivileged && ::geteuid() == 0) spec.create_as = kNobody;
  return spec;
}

// Whether this process may administer its own namespace of `kind`: it has CAP_SYS_ADMIN in
// the user namespace that owns it. True for root on a host; false inside `unshare -Ur`, whose
// user namespace owns none of the namespaces it was started in.
inline bool AdministersOwnNamespace(Kind kind) {
  if (::geteuid() != 0) return false;
  UniqueFd ns = OpenOrThrow(NsPath(0, kind).c_str(), O_RDONLY);
  NsFdAnswer owner = NsGetUserns(ns.Get());
  if (!owner.Ok()) return owner.unsupported;  // before 4.9 nothing tells; root is the best guess
  return IdentityOfFd(owner.fd.Get(), Kind::kUser) == IdentityOf(0, Kind::kUser);
}

// Waits (bounded) for `child`, collects what it recorded, and succeeds when it exited 0; the
// failure shows how it ended and everything it recorded.
inline ::testing::AssertionResult Finished(
    Child& child, Observations& obs, std::chrono::seconds timeout = std::chrono::seconds(20)) {
  const ExitStatus st = child.Wait(timeout);
  obs.Collect();
  if (st.Success()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << st.Describe() << "; recorded: " << obs.Dump();
}

}  // namespace nsprobe::testing
