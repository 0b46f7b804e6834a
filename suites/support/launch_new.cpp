#include "suites/support/launch_new.hpp"

#include <sys/stat.h>

#include "runtime/identity.hpp"
#include "suites/support/modes.hpp"

namespace nsprobe::testing {
namespace {

// /proc/self/ns entries in Kind order, ready for a child that may not allocate.
constexpr std::array<const char*, kKindCount> kSelfNs = {
    "/proc/self/ns/mnt", "/proc/self/ns/uts",  "/proc/self/ns/ipc",    "/proc/self/ns/net",
    "/proc/self/ns/pid", "/proc/self/ns/user", "/proc/self/ns/cgroup", "/proc/self/ns/time"};

}  // namespace

OwnNamespaces::OwnNamespaces(KindSet kinds) {
  kinds.ForEach([&](Kind kind) {
    if (auto id = IdentityOf(0, kind)) inode_[static_cast<std::size_t>(kind)] = id->ino;
  });
}

bool OwnNamespaces::StillInOneInChild() const {
  for (std::size_t i = 0; i < inode_.size(); ++i) {
    if (inode_[i] == 0) continue;
    struct stat st {};
    if (::stat(kSelfNs[i], &st) == 0 && st.st_ino == inode_[i]) return true;
  }
  return false;
}

Child LaunchInNew(const Spec& spec, Body body) {
  const OwnNamespaces own(spec.kinds);
  return testing::Launch(spec,
                         [&] { return own.StillInOneInChild() ? kRefusedOwnNamespace : body(); });
}

Child LaunchInNew(Mode mode, KindSet kinds, Body body) {
  return LaunchInNew(SpecFor(mode, kinds), body);
}

::testing::AssertionResult Exited0(const ExitStatus& status) {
  if (status.Success()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure() << "the child ended with " << status.Describe();
  if (status.exited && status.code == kRefusedOwnNamespace)
    failure << ": it found itself in one of the test's own namespaces and refused to act";
  return failure;
}

bool ExpectExits0(Child child, std::source_location where) {
  const ::testing::AssertionResult exited = Exited0(child.Wait(std::chrono::seconds(20)));
  if (!exited)
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line())) << exited.message();
  return exited;
}

::testing::AssertionResult Finished(Child& child, Observations& obs, std::chrono::seconds timeout) {
  const ExitStatus status = child.Wait(timeout);
  obs.Collect();
  return Exited0(status);
}

}  // namespace nsprobe::testing
