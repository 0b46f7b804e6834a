// The tools people would otherwise use, run as a user runs them: one whole command, from
// spawn to exit status, every namespace kind and `true` inside.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "runtime/launch.hpp"

extern char** environ;

namespace nsprobe::bench {
namespace {

// nsprobe and peer_floor are built into the same bin/ as this program.
std::string Beside(const char* name) {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return name;
  std::string dir(self, static_cast<std::size_t>(n));
  return dir.substr(0, dir.rfind('/') + 1) + name;
}

void BM_Peer(benchmark::State& state, std::vector<std::string> argv) {
  std::string exe;
  try {
    exe = FindExecutable(argv.front());
  } catch (const std::invalid_argument& e) {
    // A tool from PATH may be missing (scripts/bench installs bubblewrap); our own programs,
    // given by their full paths, are part of the build and must be there.
    const bool ours = argv.front().find('/') != std::string::npos;
    state.SkipWithError(fmt::format("{}: {}", ours ? "failed" : "unavailable", e.what()).c_str());
    return;
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  auto run_once = [&]() -> bool {
    pid_t pid;
    if (int e = ::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, args.data(), environ)) {
      Fail(state, fmt::format("posix_spawn({})", exe), e);
      return false;
    }
    int st = Reap(pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      state.SkipWithError(fmt::format("failed: {} ended with status {:#x}", exe, st).c_str());
      return false;
    }
    return true;
  };
  // One untimed try: a command this machine refuses is reported, not timed.
  if (!run_once()) return;
  for (auto _ : state)
    if (!run_once()) break;
}

// The kinds `unshare -Urmpfnuic` creates.
constexpr const char* kUnshareKinds = "mnt,uts,ipc,net,pid,user,cgroup";

[[maybe_unused]] const bool kRegistered = [] {
  Careful(benchmark::RegisterBenchmark("BM_Peer/true", BM_Peer, std::vector<std::string>{"true"}));
  // The floors: a minimal static program that runs `true`, once directly and once in every
  // kind. No tool that runs a command in namespaces can cost less than floor_all_true here.
  Careful(
      benchmark::RegisterBenchmark("BM_Peer/floor_none_true", BM_Peer,
                                   std::vector<std::string>{Beside("peer_floor"), "none", "true"}));
  Careful(
      benchmark::RegisterBenchmark("BM_Peer/floor_all_true", BM_Peer,
                                   std::vector<std::string>{Beside("peer_floor"), "all", "true"}));
  // unshare -Urmpfnuic makes seven kinds, not eight: no time namespace.
  Careful(benchmark::RegisterBenchmark(
      "BM_Peer/floor_unshare_kinds_true", BM_Peer,
      std::vector<std::string>{Beside("peer_floor"), kUnshareKinds, "true"}));
  Careful(benchmark::RegisterBenchmark(
      "BM_Peer/unshare_all_true", BM_Peer,
      std::vector<std::string>{"unshare", "-Urmpfnuic", "--mount-proc", "true"}));
  Careful(benchmark::RegisterBenchmark(
      "BM_Peer/bwrap_all_true", BM_Peer,
      std::vector<std::string>{"bwrap", "--unshare-all", "--unshare-user", "--uid", "0", "--gid",
                               "0", "--dev-bind", "/", "/", "--proc", "/proc", "true"}));
  Careful(benchmark::RegisterBenchmark(
      "BM_Peer/nsprobe_exec_all_true", BM_Peer,
      std::vector<std::string>{Beside("nsprobe"), "exec", "--ns", "all", "--", "true"}));
  // Like for like with unshare -Urmpfnuic --mount-proc: the same seven kinds, root mapped,
  // a private /proc.
  Careful(benchmark::RegisterBenchmark(
      "BM_Peer/nsprobe_exec_as_unshare_true", BM_Peer,
      std::vector<std::string>{Beside("nsprobe"), "exec", "--ns", kUnshareKinds, "--map-root",
                               "--mount-proc", "--", "true"}));
  return true;
}();

}  // namespace
}  // namespace nsprobe::bench

NSPROBE_BENCH_MAIN();
