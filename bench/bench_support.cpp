#include "bench/bench_support.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <sstream>
#include <system_error>

#include "runtime/fd.hpp"
#include "runtime/fingerprint.hpp"
#include "runtime/proc_files.hpp"
#include "runtime/syscalls.hpp"

namespace nsprobe::bench {
namespace {

int ExitZero(void*) { return 0; }

// One small stack per thread, reused by every clone the thread makes: a CLONE_VM|CLONE_VFORK
// child runs on it while the thread sleeps, a fork-like child on its own copy.
class ThreadStack {
 public:
  static constexpr std::size_t kSize = std::size_t{256} * 1024;
  ThreadStack() {
    base_ = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (base_ == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
  }
  ~ThreadStack() { ::munmap(base_, kSize); }
  void* Get() const { return base_; }

 private:
  void* base_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

std::vector<NamedKinds> EachKindAndAll() {
  std::vector<NamedKinds> out;
  for (const KindInfo& info : AllKinds()) out.push_back({std::string(info.name), {info.kind}});
  out.push_back({"all", KindSet::All()});
  return out;
}

benchmark::internal::Benchmark* Careful(benchmark::internal::Benchmark* b, Timing timing) {
  if (timing == Timing::kReal) {
    b->UseRealTime();
  } else {
    b->UseManualTime();
  }
  return b
      ->ComputeStatistics("min", [](const std::vector<double>& v) { return Percentile(v, 0.0); })
      ->ComputeStatistics("p90", [](const std::vector<double>& v) { return Percentile(v, 0.9); });
}

bool Quick() {
  const char* v = std::getenv("NSPROBE_BENCH_QUICK");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

benchmark::IterationCount ManualIterations() { return 200; }

std::string UnavailableReason(KindSet kinds, Mode mode) {
  std::string reasons;
  kinds.ForEach([&](Kind kind) {
    const std::string reason = ProbeReasonOnce(kind, mode);
    if (!reason.empty() && reasons.find(reason) == std::string::npos)
      reasons += (reasons.empty() ? "" : "; ") + reason;
  });
  return reasons.empty() ? reasons : "unavailable: " + reasons;
}

void Fail(benchmark::State& state, std::string_view what, int err) {
  state.SkipWithError(
      fmt::format("failed: {}: {} ({})", what, std::strerror(err), ::strerrorname_np(err)).c_str());
}

pid_t RawClone(std::uint64_t flags, ChildFn fn, void* arg) {
  thread_local ThreadStack stack;
  sys::CloneRequest request{flags, stack.Get(), ThreadStack::kSize, nullptr};
  return sys::CloneWithStack(request, fn ? fn : ExitZero, arg, nullptr);
}

int Reap(pid_t pid) {
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid, &status, __WALL);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -1 : status;
}

std::uint64_t CheapestCloneFlags(KindSet kinds) {
  std::uint64_t flags = kinds.CloneFlags();
  if (!kinds.Has(Kind::kTime)) flags |= CLONE_VM | CLONE_VFORK;
  return flags;
}

CpuJiffies ReadCpuJiffies() {
  std::string stat;
  CpuJiffies out;
  if (!TryReadFile("/proc/stat", stat)) return out;
  std::istringstream line(stat.substr(0, stat.find('\n')));
  std::string cpu;
  line >> cpu;
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  std::uint64_t v[8] = {};
  for (auto& x : v) line >> x;
  for (int i = 0; i < 8; ++i) {
    out.total += v[i];
    if (i != 3 && i != 4) out.busy += v[i];
  }
  return out;
}

double BusyMicros(const CpuJiffies& before, const CpuJiffies& after) {
  static const long hz = ::sysconf(_SC_CLK_TCK);
  return static_cast<double>(after.busy - before.busy) * 1e6 / static_cast<double>(hz);
}

int CountMounts() {
  std::string text;
  if (!TryReadFile("/proc/self/mountinfo", text)) return -1;
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

int RunBenchmarks(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  for (const auto& [key, value] : TakeFingerprint()) benchmark::AddCustomContext(key, value);
  // What the fingerprint leaves out but these figures depend on (benchmarking.md §6.5).
  benchmark::AddCustomContext("bench.mounts", std::to_string(CountMounts()));
  std::string status, load;
  TryReadFile("/proc/self/status", status);
  benchmark::AddCustomContext("bench.rss_kb",
                              proc::StatusField(status, "VmRSS").value_or("unknown"));
  if (TryReadFile("/proc/loadavg", load)) load.erase(load.find_last_not_of('\n') + 1);
  benchmark::AddCustomContext("bench.loadavg_before", load);
  cpu_set_t set;
  CPU_ZERO(&set);
  ::sched_getaffinity(0, sizeof set, &set);
  benchmark::AddCustomContext("bench.affinity_cpus", std::to_string(CPU_COUNT(&set)));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace nsprobe::bench
