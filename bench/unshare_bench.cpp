// unshare() alone: the in-place cost of creating one namespace, timed around the system call
// inside a fresh shared-memory child (which leaves this process's namespaces alone), with
// unshare(0) beside it as the syscall's own floor.
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

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

// Each iteration runs `fn(arg)` in a fresh shared-memory child, which times its own work into
// `ns` (or leaves an errno in `err`); the iteration's manual time is that figure.
void TimeInChild(benchmark::State& state, ChildFn fn, void* arg, const std::int64_t& ns,
                 const int& err, const char* what) {
  for (auto _ : state) {
    pid_t pid = RawClone(CLONE_VM | CLONE_VFORK, fn, arg);
    if (pid < 0) {
      Fail(state, "clone3(CLONE_VM|CLONE_VFORK)", errno);
      break;
    }
    Reap(pid);
    if (err != 0) {
      Fail(state, what, err);
      break;
    }
    state.SetIterationTime(static_cast<double>(ns) * 1e-9);
  }
}

void BM_Unshare(benchmark::State& state, KindSet kinds) {
  if (std::string why = UnavailableReason(kinds); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  UnshareCall call;
  call.flags = kinds.CloneFlags();
  TimeInChild(state, TimedUnshareInChild, &call, call.ns, call.err, "unshare");
}

// The experiment of kernel commit e1eb26fa62d0 ("ipc: free ipc namespace asynchronously"):
// 1000 unshare(CLONE_NEWIPC) in a row, each dropping the namespace the previous one made.
// The commit quotes 8.05 s for the loop before it and 0.03 s after. Timed around the loop in
// a shared-memory child, so this process keeps its own ipc namespace.
struct IpcLoop {
  int count = 1000;
  std::int64_t ns = 0;
  int err = 0;
};

int UnshareIpcLoopInChild(void* arg) {
  auto* loop = static_cast<IpcLoop*>(arg);
  std::int64_t t0 = MonotonicNs();
  for (int i = 0; i < loop->count; ++i)
    if (::syscall(SYS_unshare, CLONE_NEWIPC) != 0) {
      loop->err = errno;
      return 0;
    }
  loop->ns = MonotonicNs() - t0;
  return 0;
}

void BM_UnshareIpcLoop(benchmark::State& state) {
  if (std::string why = UnavailableReason(KindSet{Kind::kIpc}); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  IpcLoop loop;
  loop.count = static_cast<int>(state.range(0));
  TimeInChild(state, UnshareIpcLoopInChild, &loop, loop.ns, loop.err, "unshare(CLONE_NEWIPC)");
}

[[maybe_unused]] const bool kRegistered = [] {
  Careful(benchmark::RegisterBenchmark("BM_Unshare/none", BM_Unshare, KindSet{}), Timing::kManual)
      ->Iterations(ManualIterations());
  for (const NamedKinds& k : EachKindAndAll())
    Careful(benchmark::RegisterBenchmark(("BM_Unshare/" + k.name).c_str(), BM_Unshare, k.kinds),
            Timing::kManual)
        ->Iterations(ManualIterations());
  Careful(benchmark::RegisterBenchmark("BM_UnshareIpcLoop", BM_UnshareIpcLoop), Timing::kManual)
      ->Arg(1000)
      ->Iterations(2);
  return true;
}();

}  // namespace
}  // namespace nsprobe::bench

NSPROBE_BENCH_MAIN();
