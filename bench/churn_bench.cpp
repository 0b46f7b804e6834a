// Sustained create/destroy: how many namespaces of a kind per second, what the whole machine
// spends on each (teardown runs in kworkers and RCU callbacks, not in our task), and how long
// the kernel's deferred teardown takes to catch up once creation stops.
#include <fmt/format.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "bench/bench_support.hpp"
#include "runtime/syscalls.hpp"

namespace nsprobe::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Children alive at once: enough to keep both CPUs busy, few enough that the backlog is the
// kernel's, not ours.
constexpr int kInFlight = 4;
constexpr std::size_t kStackSize = std::size_t{64} * 1024;

int ExitAtOnce(void*) { return 0; }

// Creates the namespace in a CLONE_VM child (no VFORK: the parent goes on) that exits at once.
// Each slot owns a stack, reused only after its child is reaped. Retries ENOSPC (a
// user.max_*_namespaces limit reached while teardown lags) and counts the retries.
class Churner {
 public:
  explicit Churner(std::uint64_t ns_flags) : flags_(ns_flags | CLONE_VM) {
    for (void*& s : stacks_) {
      s = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
      if (s == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    }
  }
  ~Churner() {
    for (pid_t& p : pids_)
      if (p > 0) Reap(p);
    for (void* s : stacks_) ::munmap(s, kStackSize);
  }

  // One more namespace; returns 0 or the errno that stopped it.
  int CreateOne() {
    pid_t& slot = pids_[next_];
    if (slot > 0) Reap(slot);
    slot = -1;
    sys::CloneRequest request{flags_, stacks_[next_], kStackSize, nullptr};
    while (true) {
      pid_t pid = sys::CloneWithStack(request, ExitAtOnce, nullptr, nullptr);
      if (pid > 0) {
        slot = pid;
        break;
      }
      if (errno != ENOSPC) return errno;
      ++enospc_retries_;
      ::usleep(200);
    }
    next_ = (next_ + 1) % kInFlight;
    return 0;
  }
  void ReapAll() {
    for (pid_t& p : pids_)
      if (p > 0) Reap(std::exchange(p, -1));
  }
  std::int64_t enospc_retries() const { return enospc_retries_; }

 private:
  std::uint64_t flags_;
  std::array<void*, kInFlight> stacks_{};
  std::array<pid_t, kInFlight> pids_{-1, -1, -1, -1};
  int next_ = 0;
  std::int64_t enospc_retries_ = 0;
};

// One create + exit + reap in a shared-memory child, in microseconds.
double CreateLatencyMicros(std::uint64_t ns_flags) {
  auto t0 = Clock::now();
  pid_t pid = RawClone(ns_flags | CLONE_VM | CLONE_VFORK);
  if (pid > 0) Reap(pid);
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double IdleLatencyMicros(std::uint64_t ns_flags) {
  std::vector<double> v(15);
  for (double& latency : v) latency = CreateLatencyMicros(ns_flags);
  std::nth_element(v.begin(), v.begin() + 7, v.end());
  return v[7];
}

// Until three creates in a row are back near the idle latency, probing every millisecond.
// Returns seconds, or `cap` when the kernel has not caught up by then.
double DrainSeconds(std::uint64_t ns_flags, double idle_us, double cap) {
  const double threshold = std::max(1.5 * idle_us, idle_us + 20.0);
  auto start = Clock::now();
  auto first_good = start;
  int good = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < cap) {
    auto t = Clock::now();
    if (CreateLatencyMicros(ns_flags) <= threshold) {
      if (good++ == 0) first_good = t;
      if (good == 3) return std::chrono::duration<double>(first_good - start).count();
    } else {
      good = 0;
    }
    ::usleep(1000);
  }
  return cap;
}

void BM_Churn(benchmark::State& state, Kind kind) {
  if (std::string why = UnavailableReason({kind}); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  const std::uint64_t ns_flags = CloneFlag(kind);
  const double span = Quick() ? 0.25 : 1.0;
  const double drain_cap = Quick() ? 1.0 : 3.0;
  const double idle_us = IdleLatencyMicros(ns_flags);
  for (auto _ : state) {
    Churner churner(ns_flags);
    std::int64_t created = 0;
    CpuJiffies cpu0 = ReadCpuJiffies();
    auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < span) {
      if (int e = churner.CreateOne()) {
        Fail(state, fmt::format("clone3({})", CloneFlagName(kind)), e);
        return;
      }
      ++created;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    churner.ReapAll();
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    CpuJiffies cpu1 = ReadCpuJiffies();
    double drain = DrainSeconds(ns_flags, idle_us, drain_cap);
    CpuJiffies cpu2 = ReadCpuJiffies();
    state.SetIterationTime(elapsed / static_cast<double>(created));
    state.counters["ns_per_s"] = static_cast<double>(created) / elapsed;
    state.counters["created"] = static_cast<double>(created);
    state.counters["sys_cpu_us_per_ns"] = BusyMicros(cpu0, cpu1) / static_cast<double>(created);
    state.counters["drain_ms"] = drain * 1e3;
    state.counters["drain_capped"] = drain >= drain_cap ? 1 : 0;
    state.counters["drain_cpu_ms"] = BusyMicros(cpu1, cpu2) / 1e3;
    state.counters["idle_create_us"] = idle_us;
    state.counters["enospc_retries"] = static_cast<double>(churner.enospc_retries());
    state.counters["in_flight"] = kInFlight;
  }
}

// Active `net_namespace` objects in /proc/slabinfo (root only), or -1 when the cache is not
// listed (merged into another, or the file unreadable).
long NetNamespaceSlabObjects() {
  std::FILE* f = std::fopen("/proc/slabinfo", "re");
  if (f == nullptr) return -1;
  char line[512];
  long active = -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "net_namespace %ld", &active) == 1) break;
  std::fclose(f);
  return active;
}

// The experiments of Dumazet's "net: speedup netns dismantles" (4caaf75888d8) and Vagin's
// "destroy netns in batches": parallel loops of create-and-exit, then the objects still waiting
// to be freed once creation stops (82K of them in that cover letter) and how long the kernel
// takes to free them, read from the net_namespace slab rather than inferred from latency.
void BM_NetnsSlabDrain(benchmark::State& state) {
  if (std::string why = UnavailableReason({Kind::kNet}); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  const long baseline = NetNamespaceSlabObjects();
  if (baseline < 0)
    return state.SkipWithError(
        "unsupported: /proc/slabinfo has no net_namespace line here (not root, or the cache is "
        "merged)");
  const double span = Quick() ? 0.25 : 1.0;
  const double drain_cap = Quick() ? 2.0 : 10.0;
  for (auto _ : state) {
    Churner churner(CLONE_NEWNET);
    std::int64_t created = 0;
    auto t0 = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - t0).count() < span) {
      if (int e = churner.CreateOne()) return Fail(state, "clone3(CLONE_NEWNET)", e);
      ++created;
    }
    churner.ReapAll();
    const auto stopped = Clock::now();
    // Freed when the count is back at the baseline. Another program on the machine may hold
    // net namespaces of its own meanwhile, so a count that has not fallen for 250 ms also ends
    // the wait: the drain is then the time to its last fall, and what is left is `residual`.
    long active = NetNamespaceSlabObjects();
    const long backlog = active - baseline;
    auto last_fall = stopped;
    while (active > baseline) {
      const auto now = Clock::now();
      if (std::chrono::duration<double>(now - stopped).count() >= drain_cap ||
          now - last_fall >= std::chrono::milliseconds(250))
        break;
      ::usleep(1000);
      const long next = NetNamespaceSlabObjects();
      if (next < active) last_fall = Clock::now();
      active = next;
    }
    const double drain =
        std::chrono::duration<double>((active <= baseline ? Clock::now() : last_fall) - stopped)
            .count();
    state.SetIterationTime(drain);
    state.counters["created"] = static_cast<double>(created);
    state.counters["backlog_at_stop"] = static_cast<double>(backlog);
    state.counters["residual"] = static_cast<double>(std::max(0L, active - baseline));
    state.counters["drain_capped"] = drain >= drain_cap ? 1 : 0;
    state.counters["in_flight"] = kInFlight;
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  for (const KindInfo& info : AllKinds())
    Careful(benchmark::RegisterBenchmark(fmt::format("BM_Churn/{}", info.name).c_str(), BM_Churn,
                                         info.kind),
            Timing::kManual)
        ->Iterations(1);
  Careful(benchmark::RegisterBenchmark("BM_NetnsSlabDrain", BM_NetnsSlabDrain), Timing::kManual)
      ->Iterations(1);
  return true;
}();

}  // namespace
}  // namespace nsprobe::bench

NSPROBE_BENCH_MAIN();
