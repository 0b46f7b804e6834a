// What every bench binary shares: the fingerprint in the context, the statistics we keep,
// raw clones on a per-thread stack, skip reasons from the probe, and system CPU from /proc/stat.
#pragma once

#include <benchmark/benchmark.h>
#include <sys/types.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/kind.hpp"
#include "runtime/probe.hpp"

namespace nsprobe::bench {

// The kind sets every per-kind family is registered for: each kind alone, then "all".
struct NamedKinds {
  std::string name;
  KindSet kinds;
};
std::vector<NamedKinds> EachKindAndAll();

// How a family is timed: real time, because the work happens in other tasks, or manual time
// taken around the one system call inside the child.
enum class Timing { kReal, kManual };
// The timing plus min and p90 beside the built-in statistics.
benchmark::internal::Benchmark* Careful(benchmark::internal::Benchmark* b,
                                        Timing timing = Timing::kReal);

// True when NSPROBE_BENCH_QUICK is set (scripts/bench --quick, the ctest smoke run): families
// that run for a fixed span shorten it.
bool Quick();

// Iterations for families timed manually around one system call: Google Benchmark stops on
// accumulated manual time, which for a 2 µs call would mean ~100k real clones per repetition.
// The same in quick and careful runs, because the count is part of the benchmark's name.
benchmark::IterationCount ManualIterations();

// The probe's reason why `kinds` cannot be created in `mode` here ("unavailable: policy: ..."),
// or empty when every kind can. Cached per process.
std::string UnavailableReason(KindSet kinds, Mode mode = Mode::kPrivileged);

// An unexpected failure: the message starts with "failed:" so the smoke test catches it.
void Fail(benchmark::State& state, std::string_view what, int err);

// clone3 on this thread's stack with `flags` (CLONE_NEW*, CLONE_VM, CLONE_VFORK, ...), the
// child runs `fn(arg)` and exits with its result. Returns the pid, or -1 with errno.
using ChildFn = int (*)(void*);
pid_t RawClone(std::uint64_t flags, ChildFn fn = nullptr, void* arg = nullptr);
// CLOCK_MONOTONIC in nanoseconds. Async-signal-safe (the vDSO).
inline std::int64_t MonotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
// waitpid that retries EINTR; returns the raw status or -1.
int Reap(pid_t pid);
// The cheapest clone that puts the child in every namespace of `kinds`: CLONE_VM|CLONE_VFORK,
// except with time, whose namespace a CLONE_VM child never enters (it would share the
// parent's vDSO pages), so that one is fork-like.
std::uint64_t CheapestCloneFlags(KindSet kinds);

// Total and idle jiffies over every CPU, from the first line of /proc/stat.
struct CpuJiffies {
  std::uint64_t busy = 0;
  std::uint64_t total = 0;
};
CpuJiffies ReadCpuJiffies();
// Microseconds of system-wide busy CPU between two readings.
double BusyMicros(const CpuJiffies& before, const CpuJiffies& after);

// Lines of /proc/self/mountinfo: the mounts a copy of this mount namespace duplicates.
int CountMounts();

// Initializes Google Benchmark, stamps the fingerprint into the context and runs.
int RunBenchmarks(int argc, char** argv);

}  // namespace nsprobe::bench

#define NSPROBE_BENCH_MAIN()                                                              \
  int main(int argc, char** argv) { return ::nsprobe::bench::RunBenchmarks(argc, argv); } \
  static_assert(true, "NSPROBE_BENCH_MAIN() is followed by a semicolon")
