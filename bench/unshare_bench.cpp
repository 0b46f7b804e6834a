// unshare() alone: the in-place cost of creating one namespace, timed around the system call
// inside a fresh shared-memory child (which leaves this process's namespaces alone), with
// unshare(0) beside it as the syscall's own floor.
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "bench/bench_support.hpp"

namespace nsprobe::bench {
namespace {

struct UnshareCall {
  std::uint64_t flags = 0;
  std::int64_t ns = 0;
  int err = 0;
};

// Runs in a CLONE_VM|CLONE_VFORK child while the parent sleeps. One untimed unshare(0) first
// warms the syscall path in this fresh task. Async-signal-safe.
int TimedUnshareInChild(void* arg) {
  auto* call = static_cast<UnshareCall*>(arg);
  ::syscall(SYS_unshare, 0);
  std::int64_t t0 = MonotonicNs();
  long r = ::syscall(SYS_unshare, call->flags);
  call->ns = MonotonicNs() - t0;
  call->err = r == 0 ? 0 : errno;
  return 0;
}

void BM_Unshare(benchmark::State& state, KindSet kinds) {
  if (std::string why = UnavailableReason(kinds); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  UnshareCall call;
  call.flags = kinds.CloneFlags();
  for (auto _ : state) {
    pid_t pid = RawClone(CLONE_VM | CLONE_VFORK, TimedUnshareInChild, &call);
    if (pid < 0) {
      Fail(state, "clone3(CLONE_VM|CLONE_VFORK)", errno);
      break;
    }
    Reap(pid);
    if (call.err != 0) {
      Fail(state, "unshare", call.err);
      break;
    }
    state.SetIterationTime(static_cast<double>(call.ns) * 1e-9);
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  Careful(benchmark::RegisterBenchmark("BM_Unshare/none", BM_Unshare, KindSet{}), Timing::kManual)
      ->Iterations(ManualIterations());
  for (const NamedKinds& k : EachKindAndAll())
    Careful(benchmark::RegisterBenchmark(("BM_Unshare/" + k.name).c_str(), BM_Unshare, k.kinds),
            Timing::kManual)
        ->Iterations(ManualIterations());
  return true;
}();

}  // namespace
}  // namespace nsprobe::bench

NSPROBE_BENCH_MAIN();
