// setns(): entering namespaces a holder process keeps alive, one kind through its
// /proc/PID/ns descriptor and all at once through the holder's pidfd (Linux 5.8+). The call
// is timed inside a fresh child so this process keeps its own namespaces.
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <new>

#include "bench/bench_support.hpp"
#include "runtime/fd.hpp"
#include "runtime/launch.hpp"

namespace nsprobe::bench {
namespace {

// Lives in a MAP_SHARED page: a fork-like child (needed to enter a time namespace) writes it.
struct SetnsCall {
  int fd = -1;
  int nstype = 0;
  std::int64_t ns = 0;
  int err = 0;
};

// Async-signal-safe; runs between clone3() and _exit().
int TimedSetnsInChild(void* arg) {
  auto* call = static_cast<SetnsCall*>(arg);
  std::int64_t t0 = MonotonicNs();
  long r = ::syscall(SYS_setns, call->fd, call->nstype);
  // The child's own clock may now run with the time namespace's offsets; none are set here.
  call->ns = MonotonicNs() - t0;
  call->err = r == 0 ? 0 : errno;
  return 0;
}

// A child in new namespaces of `kinds` that waits until its pipe closes.
struct Holder {
  Pipe hold = Pipe::Make();
  Child child;
  explicit Holder(KindSet kinds) {
    Spec spec;
    spec.kinds = kinds;
    int fd = hold.read.Get();
    child = Launch(spec,
                   [fd] {
                     char c;
                     return static_cast<int>(::read(fd, &c, 1));
                   },
                   {.style = CloneStyle::kCopy});
  }
};

void TimeSetns(benchmark::State& state, KindSet kinds, int fd, int nstype) {
  void* page =
      ::mmap(nullptr, sizeof(SetnsCall), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return Fail(state, "mmap", errno);
  auto* call = new (page) SetnsCall{fd, nstype, 0, 0};
  // A shared-memory child cannot enter a time namespace (setns: EUSERS); a copy can.
  const std::uint64_t flags = kinds.Has(Kind::kTime) ? 0 : CLONE_VM | CLONE_VFORK;
  for (auto _ : state) {
    pid_t pid = RawClone(flags, TimedSetnsInChild, call);
    if (pid < 0) {
      Fail(state, "clone3", errno);
      break;
    }
    Reap(pid);
    if (call->err != 0) {
      Fail(state, fmt::format("setns({}, {:#x})", fd, nstype), call->err);
      break;
    }
    state.SetIterationTime(static_cast<double>(call->ns) * 1e-9);
  }
  state.SetLabel(flags ? "vm_vfork" : "fork");
  ::munmap(page, sizeof(SetnsCall));
}

void BM_Setns(benchmark::State& state, Kind kind) {
  if (std::string why = UnavailableReason({kind}); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  try {
    Holder holder({kind});
    UniqueFd ns = OpenOrThrow(fmt::format("/proc/{}/ns/{}", holder.child.Pid(), Name(kind)).c_str(),
                              O_RDONLY);
    TimeSetns(state, {kind}, ns.Get(), static_cast<int>(CloneFlag(kind)));
  } catch (const std::exception& e) {
    state.SkipWithError(fmt::format("failed: {}", e.what()).c_str());
  }
}

void BM_SetnsAllPidfd(benchmark::State& state) {
  if (std::string why = UnavailableReason(KindSet::All()); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  try {
    Holder holder(KindSet::All());
    TimeSetns(state, KindSet::All(), holder.child.PidFd(),
              static_cast<int>(KindSet::All().CloneFlags()));
  } catch (const std::exception& e) {
    state.SkipWithError(fmt::format("failed: {}", e.what()).c_str());
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  for (const KindInfo& info : AllKinds())
    Careful(benchmark::RegisterBenchmark(fmt::format("BM_Setns/{}", info.name).c_str(), BM_Setns,
                                         info.kind),
            Timing::kManual)
        ->Iterations(ManualIterations());
  Careful(benchmark::RegisterBenchmark("BM_Setns/all_pidfd", BM_SetnsAllPidfd), Timing::kManual)
      ->Iterations(ManualIterations());
  return true;
}();

}  // namespace
}  // namespace nsprobe::bench

NSPROBE_BENCH_MAIN();
