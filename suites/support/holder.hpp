// Waiting on the parent: a one-byte handshake between a launched body and the gtest parent,
// and a holder child built on it that keeps its namespaces alive while the test inspects them.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "runtime/fd.hpp"
#include "suites/support/child.hpp"
#include "suites/support/launch_new.hpp"

namespace nsprobe::testing {

// One byte each way: a body says Ready() once it has set something up, then AwaitGo()s while
// the test inspects it from outside. One Handshake per child (or per group the test counts).
class Handshake {
 public:
  // Child side; async-signal-safe.
  void Ready() const {
    char c = 'r';
    while (::write(to_parent_.write.Get(), &c, 1) < 0 && errno == EINTR) {
    }
  }
  // Child side; async-signal-safe. True when the test said go; false when it closed its end
  // (the test is gone).
  bool AwaitGo() const {
    char c = 0;
    ssize_t n;
    do n = ::read(to_child_.read.Get(), &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1;
  }
  // Child side; async-signal-safe. Closes every descriptor above 2 but the two this side
  // uses, so that a waiting child holds no copy of a pipe the parent reads to EOF.
  void KeepOnlyOursInChild() const {
    CloseAllButInChild(to_parent_.write.Get(), to_child_.read.Get());
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
  // Lets `count` waiting processes go on. A byte, not EOF: every child launched after this
  // one holds a copy of our write end.
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

// A launched child that runs `setup` in its namespaces, says it is ready, then keeps them
// alive until Release() or the destructor. Launched by LaunchInNew: it refuses to hold one of
// the test's own namespaces. Before it waits it closes every other descriptor.
class Holder {
 public:
  // `setup` runs in the child (async-signal-safe); a non-zero return ends the child with
  // that code before it is ready.
  explicit Holder(const Spec& spec, Body setup = kNoSetup) {
    child_ = LaunchInNew(spec, [&] {
      if (int rc = setup()) return rc;
      hs_.KeepOnlyOursInChild();
      hs_.Ready();
      hs_.AwaitGo();
      return 0;
    });
    ready_ = hs_.AwaitReady();
  }

  // Whether the child said it was ready; if not (its setup failed, or it refused to hold one
  // of our own namespaces), how it ended.
  ::testing::AssertionResult Ready() {
    if (ready_) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "the holder never said it was ready: " << Exited0(Release()).message();
  }
  pid_t Pid() const { return child_.Pid(); }
  Child& child() { return child_; }
  // Lets the child end (it exits 0) without reaping it: it stays a zombie until child().Wait().
  void LetEnd() { hs_.Go(); }
  // Lets the child end, then reaps it.
  ExitStatus Release() {
    hs_.Go();
    return child_.Wait(std::chrono::seconds(10));
  }

 private:
  static int NoSetup() { return 0; }
  static constexpr int (*kNoSetup)() = &NoSetup;
  Handshake hs_;
  bool ready_ = false;
  Child child_;  // last: destroyed (killed and reaped) before the pipes close
};

}  // namespace nsprobe::testing
