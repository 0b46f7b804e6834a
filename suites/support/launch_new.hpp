// Launching a body in new namespaces that refuses to act in the test's own: a runtime that
// failed to create one (or the negative control withholding it) must never see a case create
// IPC objects, mount, signal "pid 1" or change a hostname on the host. The refusal is an exit
// code that Finished() names.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <source_location>

#include "runtime/child.hpp"
#include "runtime/kind.hpp"
#include "runtime/launch.hpp"
#include "runtime/probe.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe::testing {

// The exit code of a body that found itself in one of the test's own namespaces.
inline constexpr int kRefusedOwnNamespace = 97;

// The test process's own namespaces of some kinds, noted in the parent, so that a child (or a
// child's child after unshare or setns) can tell whether it is still in one of them.
class OwnNamespaces {
 public:
  explicit OwnNamespaces(KindSet kinds);
  // Async-signal-safe.
  bool StillInOneInChild() const;

 private:
  std::array<ino_t, kKindCount> inode_{};  // 0: not checked
};

// testing::Launch(spec, body), except that the body first checks it is in a new namespace of every
// kind of spec.kinds, and exits with kRefusedOwnNamespace instead of running when it is not.
Child LaunchInNew(const Spec& spec, Body body);
// The same for SpecFor(mode, kinds).
Child LaunchInNew(Mode mode, KindSet kinds, Body body);

// Waits (bounded) for `child`, collects what it recorded, and succeeds when it exited 0; the
// failure says how it ended (and names a refusal to act in our namespace). What it recorded
// is attached by `obs` itself, once.
::testing::AssertionResult Finished(Child& child, Observations& obs,
                                    std::chrono::seconds timeout = std::chrono::seconds(20));
// How a child that is already waited for ended, as an assertion.
::testing::AssertionResult Exited0(const ExitStatus& status);
// Waits (bounded) for `child`; unless it exited 0, adds a failure at the caller's line that
// says how it ended. For a child launched only to record: EXPECT_TRUE would print its body.
bool ExpectExits0(Child child, std::source_location where = std::source_location::current());

}  // namespace nsprobe::testing
