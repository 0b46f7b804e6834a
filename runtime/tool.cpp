#include "runtime/tool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include "runtime/fd.hpp"
#include "runtime/join.hpp"
#include "runtime/launch.hpp"
#include "runtime/syscalls.hpp"

namespace bp = boost::process;

namespace nsprobe {
namespace {

using Clock = std::chrono::steady_clock;

UniqueFd OpenOutput(const ProgramRun& run) {
  if (run.output_file.empty()) {
    UniqueFd fd(::memfd_create("nsprobe-program-output", MFD_CLOEXEC));
    if (!fd) throw std::system_error(errno, std::generic_category(), "memfd_create");
    return fd;
  }
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (run.append ? O_APPEND : O_TRUNC);
  UniqueFd fd(::open(run.output_file.c_str(), flags, 0644));
  if (!fd) throw std::system_error(errno, std::generic_category(), "open(" + run.output_file + ")");
  return fd;
}

std::string ReadBack(const UniqueFd& fd) {
  std::string text;
  TryReadFile(fmt::format("/proc/self/fd/{}", fd.Get()), text);
  return text;
}

}  // namespace

ProgramResult RunProgram(const ProgramRun& run) {
  if (run.argv.empty()) throw std::invalid_argument("run a program: give a program to run");
  const std::string exe = FindExecutable(run.argv.front());
  join::Plan plan;
  if (run.target > 0 && !run.kinds.Empty()) plan = join::Prepare(JoinTarget{run.target, run.kinds});
  int fds[kKindCount];
  for (int i = 0; i < plan.fd_count; ++i) fds[i] = plan.fds[static_cast<std::size_t>(i)].Get();
  const int pidfd = plan.pidfd.Get();
  UniqueFd out = OpenOutput(run);
  // Captured stderr apart from stdout, as tests assert on each; a file gets both.
  UniqueFd err = run.output_file.empty() ? OpenOutput(run) : UniqueFd();
  const int out_fd = out.Get();
  const int err_fd = err ? err.Get() : out.Get();
  const std::optional<Credentials> as = run.as;

  // Runs in Boost.Process's forked child before execve: async-signal-safe only.
  auto in_child = [&](auto& exec) {
    auto fail = [&](const char* step) {
      exec.set_error(std::error_code(errno, std::system_category()), step);
    };
    if (::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) return fail("dup2");
    if (as && (::setgroups(0, nullptr) != 0 || ::setresgid(as->gid, as->gid, as->gid) != 0 ||
               ::setresuid(as->uid, as->uid, as->uid) != 0))
      return fail("setresuid");
    if (pidfd < 0 && plan.fd_count == 0) return;
    int e = join::EnterInChild(pidfd, plan.pidfd_flags, fds, plan.fd_types.data(), plan.fd_count);
    if (e == 0 && plan.fork_for_pid) e = join::ForkIntoPidNamespaceInChild();
    if (e != 0) exec.set_error(std::error_code(e, std::system_category()), "setns");
  };

  const auto start = Clock::now();
  const auto deadline = start + run.timeout;
  Child child;
  try {
    std::vector<std::string> args(run.argv.begin() + 1, run.argv.end());
    bp::child spawned =
        run.cwd.empty() ? bp::child(bp::exe = exe, bp::args = args, bp::std_in < bp::null,
                                    bp::extend::on_exec_setup = in_child)
                        : bp::child(bp::exe = exe, bp::args = args, bp::std_in < bp::null,
                                    bp::start_dir = run.cwd, bp::extend::on_exec_setup = in_child);
    // The runtime's Child owns it from here: waits on a pidfd, kills and reaps in its
    // destructor, reports signals and core dumps.
    const pid_t pid = spawned.id();
    spawned.detach();
    child = Child(pid, UniqueFd(sys::PidfdOpen(pid, 0)));
  } catch (const bp::process_error& e) {
    throw std::system_error(e.code(), fmt::format("{}: {}", run.argv.front(), e.what()));
  }
  ProgramResult result;
  // Poll rather than block in Wait, so the caller can show progress and stop it.
  while (child.PidFd() >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{child.PidFd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 500)));
    if (run.stop != nullptr && *run.stop != 0) {
      child.Kill();
      result.stopped = true;
      break;
    }
    if (ready > 0) break;
    if (run.tick) run.tick();
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  result.status = child.Wait(std::max(left, std::chrono::milliseconds(1)));
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (run.output_file.empty()) {
    result.out = ReadBack(out);
    result.err = ReadBack(err);
  }
  return result;
}

std::string ToolResult::Describe() const {
  return fmt::format("exit {}{}; stdout {}; stderr {}", exit_code, timed_out ? " (timed out)" : "",
                     Quoted(out), Quoted(err));
}

ToolResult RunTool(const ProgramRun& run) {
  ProgramResult r = RunProgram(run);
  ToolResult result;
  result.timed_out = r.status.timed_out;
  result.exit_code = r.status.exited ? r.status.code : -1;
  result.out = std::move(r.out);
  result.err = std::move(r.err);
  return result;
}

ToolResult RunTool(pid_t target, KindSet kinds, const std::vector<std::string>& argv,
                   std::chrono::milliseconds timeout) {
  ProgramRun run;
  run.argv = argv;
  run.target = target;
  run.kinds = kinds;
  run.timeout = timeout;
  return RunTool(run);
}

}  // namespace nsprobe
