// Creating a process in new namespaces: the floors (bare process creation), the kernel's own
// cost per kind (BM_Raw) and the runtime's (BM_Launch), in one binary so that random
// interleaving puts them side by side and every figure reads as a ratio.
#include <fmt/format.h>
#include <linux/futex.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <new>
#include <string>

#include "bench/bench_support.hpp"
#include "runtime/launch.hpp"
#include "runtime/launch_child.hpp"
#include "runtime/syscalls.hpp"

extern char** environ;

namespace nsprobe::bench {
namespace {

char kTrue[] = "/bin/true";
char* const kTrueArgv[] = {kTrue, nullptr};

void CreateExitReap(benchmark::State& state, std::uint64_t flags, const char* what) {
  for (auto _ : state) {
    pid_t pid = RawClone(flags);
    if (pid < 0) {
      Fail(state, what, errno);
      break;
    }
    Reap(pid);
  }
}

void BM_FloorVfork(benchmark::State& state) {
  for (auto _ : state) {
    pid_t pid = ::vfork();
    if (pid == 0) ::_exit(0);
    if (pid < 0) {
      Fail(state, "vfork", errno);
      break;
    }
    Reap(pid);
  }
}

void BM_FloorClone3VmVfork(benchmark::State& state) {
  CreateExitReap(state, CLONE_VM | CLONE_VFORK, "clone3(CLONE_VM|CLONE_VFORK)");
}

void BM_FloorClone3Fork(benchmark::State& state) { CreateExitReap(state, 0, "clone3(0)"); }

void BM_FloorPosixSpawnTrue(benchmark::State& state) {
  for (auto _ : state) {
    pid_t pid;
    if (int e = ::posix_spawn(&pid, kTrue, nullptr, nullptr, kTrueArgv, environ)) {
      Fail(state, "posix_spawn(/bin/true)", e);
      break;
    }
    Reap(pid);
  }
}

void BM_FloorForkExecTrue(benchmark::State& state) {
  for (auto _ : state) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::execve(kTrue, kTrueArgv, environ);
      ::_exit(127);
    }
    if (pid < 0) {
      Fail(state, "fork", errno);
      break;
    }
    Reap(pid);
  }
}

// clone3 with exactly the kinds' CLONE_NEW* flags, the cheapest clone they allow.
void BM_Raw(benchmark::State& state, KindSet kinds) {
  if (std::string why = UnavailableReason(kinds); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  CreateExitReap(state, CheapestCloneFlags(kinds), "clone3(namespace flags)");
  state.SetLabel((CheapestCloneFlags(kinds) & CLONE_VM) ? "vm_vfork" : "fork");
}

// The ready contract's own floor: the clone BM_Raw makes, whose child does only what every
// Launch child must before its body (PR_SET_PDEATHSIG, the getppid check where the parent is
// visible) and says it is ready the way Launch hears it: a vfork-style child by running until
// its exit (nothing to send), a copied one on a shared page's futex, armed as a robust futex
// so a child's death would wake the parent too. BM_Launch over this is the runtime's own cost.
struct FloorJob {
  launch::ReadyPage* page = nullptr;  // null: a vfork-style child
  bool check_parent = false;
  pid_t parent = 0;
};

int ReadyFloorChild(void* arg) {
  const FloorJob& job = *static_cast<const FloorJob*>(arg);
  using sys::DirectSyscall;
  robust_list_head robust{};
  if (job.page != nullptr) launch::ArmReadyInChild(*job.page, robust);
  DirectSyscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  if (job.check_parent && DirectSyscall(SYS_getppid) != job.parent) return 1;
  if (job.page != nullptr) launch::SignalReadyInChild(*job.page);
  return 0;
}

void BM_ReadyFloor(benchmark::State& state, KindSet kinds) {
  if (std::string why = UnavailableReason(kinds); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  const std::uint64_t flags = CheapestCloneFlags(kinds);
  void* mapped = nullptr;
  FloorJob job;
  job.check_parent = !kinds.Has(Kind::kPid);
  job.parent = ::getpid();
  if ((flags & CLONE_VM) == 0) {
    mapped = ::mmap(nullptr, sizeof(launch::ReadyPage), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
      Fail(state, "mmap(MAP_SHARED)", errno);
      return;
    }
    job.page = new (mapped) launch::ReadyPage;
  }
  for (auto _ : state) {
    if (job.page != nullptr) {
      job.page->word = FUTEX_WAITERS;
      job.page->reported = 0;
    }
    pid_t pid = RawClone(flags, ReadyFloorChild, &job);
    if (pid < 0) {
      Fail(state, "clone3(namespace flags)", errno);
      break;
    }
    if (job.page != nullptr) {
      std::uint32_t word;
      while ((word = __atomic_load_n(&job.page->word, __ATOMIC_ACQUIRE)) != 0 &&
             (word & FUTEX_OWNER_DIED) == 0)
        ::syscall(SYS_futex, &job.page->word, FUTEX_WAIT, word, nullptr, nullptr, 0);
    }
    if (int st = Reap(pid); st != 0 || (job.page != nullptr && job.page->reported != 1)) {
      Fail(state, "the floor's child did not report ready", EPROTO);
      break;
    }
  }
  if (mapped != nullptr) ::munmap(mapped, sizeof(launch::ReadyPage));
  state.SetLabel(job.page == nullptr ? "vm_vfork" : "fork+futex");
}

// Launches an empty body per iteration with the style BM_Raw uses for the same kinds: a body
// cannot enter a time namespace from a shared mm (setns refuses it), so time needs a copy.
// Adds the child's own per-phase times up, reported as "<phase>_us" per launch for `phases`.
void LaunchEmptyBodies(benchmark::State& state, const Spec& spec, Mode mode,
                       std::initializer_list<Phase> phases) {
  if (std::string why = UnavailableReason(spec.kinds, mode); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  // Root writing the id maps from outside needs the child waiting on its own memory, too.
  const bool copy =
      spec.kinds.Has(Kind::kTime) || (spec.HasIdMaps() && ::geteuid() == 0 && !spec.create_as);
  LaunchReport report;
  LaunchOptions options{copy ? CloneStyle::kCopy : CloneStyle::kSharedMemory, &report,
                        /*phase_times=*/phases.size() > 0};
  std::array<double, kPhaseCount> phase_ns{};
  for (auto _ : state) {
    try {
      Launch(
          spec, [] { return 0; }, options)
          .Wait();
    } catch (const std::system_error& e) {
      state.SkipWithError(fmt::format("failed: {}", e.what()).c_str());
      break;
    }
    for (int i = 0; i < kPhaseCount; ++i)
      phase_ns[static_cast<std::size_t>(i)] += static_cast<double>(report.phase_ns[i]);
  }
  for (Phase phase : phases)
    state.counters[fmt::format("{}_us", PhaseName(phase))] = benchmark::Counter(
        phase_ns[static_cast<std::size_t>(phase)] / 1e3, benchmark::Counter::kAvgIterations);
  state.SetLabel(report.shared_memory ? "vm_vfork" : "fork");
}

// The runtime's minimal launch: the same kinds as BM_Raw, nothing else.
void BM_Launch(benchmark::State& state, KindSet kinds) {
  Spec spec;
  spec.kinds = kinds;
  LaunchEmptyBodies(state, spec, Mode::kPrivileged, {});
}

// The unprivileged path: the kinds inside a new user namespace with root mapped, created as
// uid 65534 when we are root (a second, shared-memory clone drops to that uid first).
void BM_LaunchUnprivileged(benchmark::State& state, KindSet kinds) {
  Spec spec;
  spec.kinds = kinds;
  spec.kinds.Add(Kind::kUser);
  spec.map_root = true;
  if (::geteuid() == 0) spec.create_as = Credentials{65534, 65534};
  LaunchEmptyBodies(state, spec, Mode::kUnprivileged, {Phase::kIdMaps});
}

// Everything at once, with the per-phase times the child measured itself (no exec phase:
// the body runs in place of a program).
void BM_LaunchFull(benchmark::State& state) {
  Spec spec;
  spec.kinds = KindSet::All();
  spec.map_root = true;
  spec.hostname = "nsprobe-bench";
  spec.mount_proc = true;
  spec.loopback_up = true;
  LaunchEmptyBodies(state, spec, Mode::kPrivileged,
                    {Phase::kIdMaps, Phase::kTime, Phase::kHostname, Phase::kMount, Phase::kProc,
                     Phase::kLoopback});
}

// The same exec launch (/bin/true) with each clone style, side by side per kind: what the
// shared-memory (vfork-style) clone saves over a copy. Time is absent: entering a time
// namespace needs a copied child (see Launch).
void BM_LaunchExecStyle(benchmark::State& state, KindSet kinds, CloneStyle style) {
  if (std::string why = UnavailableReason(kinds); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  Spec spec;
  spec.kinds = kinds;
  const std::vector<std::string> argv = {kTrue};
  for (auto _ : state) {
    try {
      Launch(spec, argv, {.style = style}).Wait();
    } catch (const std::exception& e) {
      state.SkipWithError(fmt::format("failed: {}", e.what()).c_str());
      break;
    }
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  Careful(benchmark::RegisterBenchmark("BM_Floor/vfork", BM_FloorVfork));
  Careful(benchmark::RegisterBenchmark("BM_Floor/clone3_vm_vfork", BM_FloorClone3VmVfork));
  Careful(benchmark::RegisterBenchmark("BM_Floor/clone3_fork", BM_FloorClone3Fork));
  Careful(benchmark::RegisterBenchmark("BM_Floor/posix_spawn_true", BM_FloorPosixSpawnTrue));
  Careful(benchmark::RegisterBenchmark("BM_Floor/fork_exec_true", BM_FloorForkExecTrue));
  for (const NamedKinds& k : EachKindAndAll()) {
    Careful(benchmark::RegisterBenchmark(("BM_Raw/" + k.name).c_str(), BM_Raw, k.kinds));
    Careful(
        benchmark::RegisterBenchmark(("BM_ReadyFloor/" + k.name).c_str(), BM_ReadyFloor, k.kinds));
    Careful(benchmark::RegisterBenchmark(("BM_Launch/" + k.name).c_str(), BM_Launch, k.kinds));
  }
  Careful(benchmark::RegisterBenchmark("BM_Launch/full", BM_LaunchFull));
  for (const NamedKinds& k : EachKindAndAll()) {
    if (k.kinds.Has(Kind::kTime)) continue;
    Careful(benchmark::RegisterBenchmark(("BM_LaunchExec/" + k.name + "/vfork").c_str(),
                                         BM_LaunchExecStyle, k.kinds, CloneStyle::kSharedMemory));
    Careful(benchmark::RegisterBenchmark(("BM_LaunchExec/" + k.name + "/fork").c_str(),
                                         BM_LaunchExecStyle, k.kinds, CloneStyle::kCopy));
  }
  for (const NamedKinds& k : EachKindAndAll())
    Careful(benchmark::RegisterBenchmark(("BM_LaunchUnprivileged/" + k.name).c_str(),
                                         BM_LaunchUnprivileged, k.kinds));
  return true;
}();

}  // namespace
}  // namespace nsprobe::bench

NSPROBE_BENCH_MAIN();
