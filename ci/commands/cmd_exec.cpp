// `nsprobe exec` (what unshare does) and `nsprobe enter` (what nsenter does).
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "ci/commands/cli.hpp"
#include "ci/commands/numeric_options.hpp"
#include "runtime/launch.hpp"

namespace nsprobe::cli {

int ShellStatus(const ExitStatus& status) {
  return status.exited ? status.code : 128 + status.signal;
}

namespace {

constexpr int kExitTimedOut = 124;  // as timeout(1)

std::vector<std::string> RequireCommand(std::string_view sub, const std::vector<std::string>& after,
                                        bool had_dashes) {
  if (!had_dashes || after.empty())
    throw UsageError(fmt::format(
        "put '--' and the command after the options, e.g. nsprobe {} --ns net -- ip -o link", sub));
  return after;
}

int RunAndWait(const Spec& spec, const std::vector<std::string>& command, double timeout_s) {
  Child child = Launch(spec, command);
  std::optional<std::chrono::milliseconds> timeout;
  if (timeout_s > 0) timeout = std::chrono::milliseconds(std::llround(timeout_s * 1000));
  // The command shares our terminal: let it take ^C while we wait for it.
  struct sigaction ignore {
  }, old_int{}, old_quit{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  ::sigaction(SIGQUIT, &ignore, &old_quit);
  ExitStatus st = child.Wait(timeout);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (st.timed_out) {
    fmt::print(stderr, "nsprobe: '{}' still ran after {} s; killed it (and its pid namespace)\n",
               command.front(), timeout_s);
    return kExitTimedOut;
  }
  return ShellStatus(st);
}

}  // namespace

void AddExec(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand("exec", "Run a command in new namespaces (what unshare does)");
  app->footer("Example: nsprobe exec --ns pid,mnt --mount-proc -- ps -ef");
  struct Options {
    std::string ns = "none", hostname, domainname, uid_map, gid_map, setgroups, monotonic, boottime,
                cwd, as_user;
    bool map_root = false, mount_proc = false, loopback = false;
    double timeout = 0;
  };
  auto o = std::make_shared<Options>();
  app->add_option("--ns", o->ns,
                  "Kinds to create: a comma list of mnt,uts,ipc,net,pid,user,cgroup,time, or all");
  app->add_option("--hostname", o->hostname, "Hostname inside (needs uts)")
      ->check(NonEmptyValidator("a hostname"));
  app->add_option("--domainname", o->domainname, "NIS domain name inside (needs uts)")
      ->check(NonEmptyValidator("a domain name"));
  app->add_flag("--map-root", o->map_root, "Map your uid and gid to root inside (needs user)");
  app->add_option("--uid-map", o->uid_map,
                  "uid map lines 'INSIDE OUTSIDE COUNT', ',' between lines");
  app->add_option("--gid-map", o->gid_map,
                  "gid map lines 'INSIDE OUTSIDE COUNT', ',' between lines");
  app->add_option("--setgroups", o->setgroups, "Write deny or allow to /proc/PID/setgroups")
      ->check(CLI::IsMember({"deny", "allow"}));
  app->add_flag("--mount-proc", o->mount_proc, "Mount a private /proc (needs pid and mnt)");
  app->add_flag("--loopback", o->loopback, "Bring lo up (needs net)");
  app->add_option("--monotonic", o->monotonic, "CLOCK_MONOTONIC offset in seconds (needs time)");
  app->add_option("--boottime", o->boottime, "CLOCK_BOOTTIME offset in seconds (needs time)");
  app->add_option("--cwd", o->cwd, "Working directory of the command (absolute)");
  app->add_option("--as-user", o->as_user, "Create the namespaces as this non-root uid (root only)")
      ->check(IdValidator());
  app->add_option("--timeout", o->timeout, "Kill the command after this many seconds")
      ->check(SecondsValidator());
  commands.push_back({app, [o](const std::vector<std::string>& after, bool dashes) {
                        std::vector<std::string> command = RequireCommand("exec", after, dashes);
                        Spec spec;
                        spec.kinds = ParseKinds(o->ns);
                        if (!o->hostname.empty()) spec.hostname = o->hostname;
                        if (!o->domainname.empty()) spec.domainname = o->domainname;
                        spec.map_root = o->map_root;
                        if (!o->uid_map.empty()) spec.uid_map = ParseIdMap(o->uid_map);
                        if (!o->gid_map.empty()) spec.gid_map = ParseIdMap(o->gid_map);
                        if (o->setgroups == "deny") spec.setgroups = SetgroupsPolicy::kDeny;
                        if (o->setgroups == "allow") spec.setgroups = SetgroupsPolicy::kAllow;
                        spec.mount_proc = o->mount_proc;
                        spec.loopback_up = o->loopback;
                        if (!o->monotonic.empty())
                          spec.monotonic_offset = ParseTimeOffset(o->monotonic);
                        if (!o->boottime.empty())
                          spec.boottime_offset = ParseTimeOffset(o->boottime);
                        if (!o->cwd.empty()) spec.working_directory = o->cwd;
                        if (!o->as_user.empty()) {
                          const uid_t id = ParseId(o->as_user);
                          spec.create_as = Credentials{id, static_cast<gid_t>(id)};
                        }
                        return RunAndWait(spec, command, o->timeout);
                      }});
}

void AddEnter(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand(
      "enter", "Run a command in another process's namespaces (what nsenter does)");
  app->footer("Example: nsprobe enter --target 1234 --ns net,uts -- hostname");
  struct Options {
    std::string target, ns = "all";
    bool by_fds = false;
    double timeout = 0;
  };
  auto o = std::make_shared<Options>();
  app->add_option("--target,-t", o->target, "Pid of the process whose namespaces to enter")
      ->required()
      ->check(PidValidator());
  app->add_option("--ns", o->ns, "Kinds to enter (default all; kinds already shared are skipped)");
  app->add_flag("--by-fds", o->by_fds,
                "Enter through /proc/PID/ns/* one kind at a time, not one pidfd call");
  app->add_option("--timeout", o->timeout, "Kill the command after this many seconds")
      ->check(SecondsValidator());
  commands.push_back({app, [o](const std::vector<std::string>& after, bool dashes) {
                        std::vector<std::string> command = RequireCommand("enter", after, dashes);
                        Spec spec;
                        spec.join = JoinTarget{ParsePid(o->target), ParseKinds(o->ns), o->by_fds};
                        return RunAndWait(spec, command, o->timeout);
                      }});
}

}  // namespace nsprobe::cli
