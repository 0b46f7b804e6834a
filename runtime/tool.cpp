#include "runtime/tool.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <future>

#include "runtime/join.hpp"
#include "runtime/launch.hpp"

namespace bp = boost::process;

namespace nsprobe {

std::string ToolResult::Describe() const {
  return fmt::format("exit {}{}; stdout {}; stderr {}", exit_code, timed_out ? " (timed out)" : "",
                     Quoted(out), Quoted(err));
}

ToolResult RunTool(pid_t target, KindSet kinds, const std::vector<std::string>& argv,
                   std::chrono::milliseconds timeout) {
  if (argv.empty()) throw std::invalid_argument("tool: give a program to run");
  const std::string exe = FindExecutable(argv.front());
  join::Plan plan;
  if (target > 0 && !kinds.Empty()) plan = join::Prepare(JoinTarget{target, kinds});
  int fds[kKindCount];
  for (int i = 0; i < plan.fd_count; ++i) fds[i] = plan.fds[static_cast<std::size_t>(i)].Get();
  const int pidfd = plan.pidfd.Get();

  // Runs in Boost.Process's forked child before execve: async-signal-safe only.
  auto enter = [&](auto& exec) {
    if (pidfd < 0 && plan.fd_count == 0) return;
    int e = join::EnterInChild(pidfd, plan.pidfd_flags, fds, plan.fd_types.data(), plan.fd_count);
    if (e == 0 && plan.fork_for_pid) e = join::ForkIntoPidNamespaceInChild();
    if (e != 0) exec.set_error(std::error_code(e, std::system_category()), "setns");
  };

  boost::asio::io_context ios;
  std::future<std::string> out, err;
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  ToolResult result;
  try {
    bp::child child(bp::exe = exe, bp::args = args, bp::std_in<bp::null, bp::std_out> out,
                    bp::std_err > err, ios, bp::extend::on_exec_setup = enter);
    ios.run_for(timeout);
    if (!ios.stopped()) {
      result.timed_out = true;
      // Not child.terminate(): Boost 1.74 reaps with WNOHANG there and can leave a zombie.
      ::kill(child.id(), SIGKILL);
      ios.run_for(std::chrono::seconds(1));
    }
    child.wait();
    result.exit_code = result.timed_out ? -1 : child.exit_code();
  } catch (const bp::process_error& e) {
    throw std::system_error(e.code(), fmt::format("tool {}: {}", argv.front(), e.what()));
  }
  if (out.valid() && out.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
    result.out = out.get();
  if (err.valid() && err.wait_for(std::chrono::seconds(0)) == std::future_status::ready)
    result.err = err.get();
  return result;
}

}  // namespace nsprobe
