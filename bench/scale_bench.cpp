// How creation scales with what the machine already holds and with concurrency: the mount
// namespace copy against the parent's mount count (copy_mnt_ns duplicates every mount under
// namespace_sem), a net namespace against the number already alive, and net and mnt created
// from 1, 2 and 4 threads at once (pernet_ops_rwsem, namespace_sem).
//
// The process moves into a private mount namespace of its own at start, so the mounts it adds
// are invisible to the host. Its families keep state across runs (mounts, live netns), which
// is why scripts/bench runs this binary without random interleaving.
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.hpp"
#include "runtime/fd.hpp"

namespace nsprobe::bench {
namespace {

// Set in main: why this process could not get a private mount namespace, or empty.
std::string g_private_mounts_error;  // NOLINT: set once before any benchmark runs
constexpr const char* kMountBase = "/mnt";

void CreateExitReap(benchmark::State& state, std::uint64_t flags) {
  std::int64_t created = 0;
  for (auto _ : state) {
    pid_t pid = RawClone(flags | CLONE_VM | CLONE_VFORK);
    if (pid < 0) {
      Fail(state, "clone3", errno);
      break;
    }
    Reap(pid);
    ++created;
  }
  state.counters["ns_per_s"] =
      benchmark::Counter(static_cast<double>(created), benchmark::Counter::kIsRate);
}

// The tmpfs mounts added under kMountBase, innermost last.
class ExtraMounts {
 public:
  // Adds or removes mounts until the namespace holds `target` (or as close as the base allows).
  int Ensure(int target) {
    int have = CountMounts();
    while (have < target) {
      std::string dir = fmt::format("{}/m{}", kMountBase, paths_.size());
      ::mkdir(dir.c_str(), 0700);
      if (::mount("nsprobe-bench", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4k") != 0)
        return errno;
      paths_.push_back(dir);
      ++have;
    }
    while (have > target && !paths_.empty()) {
      if (::umount2(paths_.back().c_str(), MNT_DETACH) != 0) return errno;
      paths_.pop_back();
      --have;
    }
    return 0;
  }

 private:
  std::vector<std::string> paths_;
};

ExtraMounts& Extra() {
  static ExtraMounts extra;
  return extra;
}

void BM_MountNsCopy(benchmark::State& state) {
  if (!g_private_mounts_error.empty()) {
    state.SkipWithError(g_private_mounts_error.c_str());
    return;
  }
  if (int e = Extra().Ensure(static_cast<int>(state.range(0))))
    return Fail(state, "mount(tmpfs)", e);
  CreateExitReap(state, CLONE_NEWNS);
  state.counters["mounts"] = CountMounts();
}

// Net namespaces kept alive by descriptors; they only grow (this binary runs its families in
// order, 0 then 100 then 1000) and are released at exit.
class LiveNetNamespaces {
 public:
  int Grow(std::size_t target) {
    if (fds_.size() >= target) return 0;
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur < target + 64) {
      lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, target + 256);
      if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return errno;
    }
    // unshare() changes only the calling thread's namespace: a short-lived thread does it.
    int err = 0;
    std::thread([&] {
      while (fds_.size() < target) {
        if (::unshare(CLONE_NEWNET) != 0) {
          err = errno;
          return;
        }
        int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
          err = errno;
          return;
        }
        fds_.emplace_back(fd);
      }
    }).join();
    return err;
  }
  std::size_t Size() const { return fds_.size(); }

 private:
  std::vector<UniqueFd> fds_;
};

void BM_RawNetWithLive(benchmark::State& state) {
  if (std::string why = UnavailableReason({Kind::kNet}); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  static LiveNetNamespaces live;
  if (static_cast<std::size_t>(state.range(0)) < live.Size())
    return state.SkipWithError("failed: live net namespaces only grow; run without interleaving");
  if (int e = live.Grow(static_cast<std::size_t>(state.range(0))))
    return Fail(state, "unshare(CLONE_NEWNET) for the live set", e);
  CreateExitReap(state, CLONE_NEWNET);
  state.counters["live_netns"] = static_cast<double>(live.Size());
}

void BM_RawConcurrent(benchmark::State& state, Kind kind) {
  if (std::string why = UnavailableReason({kind}); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  if (kind == Kind::kMnt) {
    if (!g_private_mounts_error.empty()) {
      state.SkipWithError(g_private_mounts_error.c_str());
      return;
    }
    // Back to the base mount count, whatever BM_MountNsCopy left (thread 0 only: one owner).
    if (state.thread_index() == 0)
      if (int e = Extra().Ensure(0)) return Fail(state, "umount2", e);
  }
  CreateExitReap(state, CloneFlag(kind));
  // Every thread reports the same count: averaged, not summed.
  if (kind == Kind::kMnt)
    state.counters["mounts"] = benchmark::Counter(CountMounts(), benchmark::Counter::kAvgThreads);
}

// The experiment of kernel commit 22cb7405fada ("VFS: use synchronize_rcu_expedited() in
// namespace_unlock()"): mount N tmpfs, then unmount them one by one. Each umount ends in
// namespace_unlock(), which waited for a full RCU grace period: the commit quotes 8 s to mount
// 5000 and 100 s to unmount them on a 4-CPU VM before it, 0.6 s after. Manual time is the
// unmount loop; the mount loop is a counter.
void BM_UmountStorm(benchmark::State& state) {
  if (!g_private_mounts_error.empty()) {
    state.SkipWithError(g_private_mounts_error.c_str());
    return;
  }
  const int count = static_cast<int>(state.range(0));
  std::vector<std::string> dirs;
  for (int i = 0; i < count; ++i) {
    dirs.push_back(fmt::format("{}/storm{}", kMountBase, i));
    if (::mkdir(dirs.back().c_str(), 0700) != 0 && errno != EEXIST)
      return Fail(state, "mkdir", errno);
  }
  double mount_s = 0;
  for (auto _ : state) {
    const std::int64_t t0 = MonotonicNs();
    for (const std::string& dir : dirs)
      if (::mount("nsprobe-storm", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4k") != 0)
        return Fail(state, "mount(tmpfs)", errno);
    const std::int64_t t1 = MonotonicNs();
    for (const std::string& dir : dirs)
      if (::umount2(dir.c_str(), 0) != 0) return Fail(state, "umount2", errno);
    const std::int64_t t2 = MonotonicNs();
    mount_s += static_cast<double>(t1 - t0) * 1e-9;
    state.SetIterationTime(static_cast<double>(t2 - t1) * 1e-9);
  }
  for (const std::string& dir : dirs) ::rmdir(dir.c_str());
  state.counters["mount_s"] = benchmark::Counter(mount_s, benchmark::Counter::kAvgIterations);
  state.counters["mounts"] = count;
}

[[maybe_unused]] const bool kRegistered = [] {
  Careful(benchmark::RegisterBenchmark("BM_MountNsCopy", BM_MountNsCopy))
      ->Arg(10)
      ->Arg(100)
      ->Arg(1000);
  Careful(benchmark::RegisterBenchmark("BM_UmountStorm", BM_UmountStorm), Timing::kManual)
      ->Arg(5000)
      ->Iterations(1);
  for (Kind kind : {Kind::kNet, Kind::kMnt})
    Careful(benchmark::RegisterBenchmark(fmt::format("BM_Raw/{}", Name(kind)).c_str(),
                                         BM_RawConcurrent, kind))
        ->Threads(1)
        ->Threads(2)
        ->Threads(4);
  // Last: the live set stays until exit.
  Careful(benchmark::RegisterBenchmark("BM_Raw/net", BM_RawNetWithLive))
      ->ArgName("live_netns")
      ->Arg(0)
      ->Arg(100)
      ->Arg(1000);
  return true;
}();

// A mount namespace of our own with a tmpfs at kMountBase, or the reason there is none.
std::string EnterPrivateMountNamespace() {
  if (std::string why = UnavailableReason({Kind::kMnt}); !why.empty()) return why;
  if (::unshare(CLONE_NEWNS) != 0)
    return fmt::format("failed: unshare(CLONE_NEWNS): {}", std::strerror(errno));
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return fmt::format("failed: mount(/, MS_REC|MS_PRIVATE): {}", std::strerror(errno));
  if (::mount("nsprobe-bench", kMountBase, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
    return fmt::format("failed: mount(tmpfs, {}): {}", kMountBase, std::strerror(errno));
  return {};
}

}  // namespace
}  // namespace nsprobe::bench

int main(int argc, char** argv) {
  // Before any thread exists: unshare(CLONE_NEWNS) moves only the calling thread's fs.
  nsprobe::bench::g_private_mounts_error = nsprobe::bench::EnterPrivateMountNamespace();
  return nsprobe::bench::RunBenchmarks(argc, argv);
}
