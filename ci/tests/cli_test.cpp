// The nsprobe command as a user types it: what it prints and its exit status.
#include <dirent.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "runtime/launch.hpp"
#include "runtime/tool.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

ToolResult Nsprobe(std::vector<std::string> args) {
  args.insert(args.begin(), nsprobe::testing::NsprobeCommand());
  return RunTool(0, {}, args, std::chrono::seconds(30));
}

// As the unprivileged user: setpriv from util-linux drops every id and capability.
ToolResult NsprobeAsNobody(std::vector<std::string> args) {
  std::vector<std::string> argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                   nsprobe::testing::NsprobeCommand()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTool(0, {}, argv, std::chrono::seconds(30));
}

class Cli : public testing::NoLeaksTest {};

TEST_F(Cli, ExecPidMntMountProcShowsPsAsPid1) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, Mode::kPrivileged);
  ToolResult r = Nsprobe({"exec", "--ns", "pid,mnt", "--mount-proc", "--", "ps", "-ef"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, MatchesRegex("UID +PID +PPID[^\n]*\nroot +1 +0 [^\n]*ps -ef\n"))
      << r.Describe();
}

TEST_F(Cli, ExecNetShowsALoneLoopbackDown) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, Mode::kPrivileged);
  ToolResult r = Nsprobe({"exec", "--ns", "net", "--", "ip", "-o", "link"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(r.out, MatchesRegex("1: lo: <LOOPBACK> [^\n]*state DOWN[^\n]*\n"));
}

TEST_F(Cli, UnprivilegedUserMapRootIdPrintsZero) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kUnprivileged);
  if (::geteuid() != 0) GTEST_SKIP() << "privilege: setpriv needs root to become uid 65534";
  ToolResult r = NsprobeAsNobody({"exec", "--ns", "user", "--map-root", "--", "id", "-u"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, "0\n");
  ToolResult plain = NsprobeAsNobody({"exec", "--", "id", "-u"});
  EXPECT_EQ(plain.out, "65534\n") << "contrast: without the user namespace";
}

TEST_F(Cli, ExitStatusIsTheCommands) {
  EXPECT_EQ(Nsprobe({"exec", "--", "sh", "-c", "exit 7"}).exit_code, 7);
  EXPECT_EQ(Nsprobe({"exec", "--", "sh", "-c", "kill -TERM $$"}).exit_code, 128 + SIGTERM);
  ToolResult slow = Nsprobe({"exec", "--timeout", "0.2", "--", "sleep", "30"});
  EXPECT_EQ(slow.exit_code, 124) << slow.Describe();
  EXPECT_THAT(slow.err, HasSubstr("killed"));
}

TEST_F(Cli, EnterSeesTheTargetsHostname) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  Pipe hold = Pipe::Make();
  Spec spec = testing::SpecFor(Mode::kUnprivileged, KindSet{Kind::kUts});
  spec.hostname = "entered-target";
  Child target = Launch(spec, [&] {
    char c;
    return static_cast<int>(::read(hold.read.Get(), &c, 1));
  });
  for (const char* how : {"--ns=user,uts", "--by-fds"}) {
    std::vector<std::string> args = {"enter", "--target", std::to_string(target.Pid()), how};
    if (std::string(how) == "--by-fds") args.push_back("--ns=user,uts");
    args.insert(args.end(), {"--", "hostname"});
    ToolResult r = Nsprobe(args);
    EXPECT_EQ(r.exit_code, 0) << how << ": " << r.Describe();
    EXPECT_EQ(r.out, "entered-target\n") << how;
  }
}

TEST_F(Cli, ProbePrintsEveryKindInBothModes) {
  ToolResult r = Nsprobe({"probe"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  for (const KindInfo& k : AllKinds())
    for (const char* mode : {"privileged", "unprivileged"})
      EXPECT_THAT(r.out, MatchesRegex("(.|\n)*\n" + std::string(k.name) + " +" + mode +
                                      " +(available|unsupported|policy|privilege)(.|\n)*"));
  ToolResult j = Nsprobe({"probe", "--json"});
  EXPECT_THAT(j.out, HasSubstr("\"results\""));
  ToolResult f = Nsprobe({"fingerprint"});
  EXPECT_THAT(f.out, HasSubstr("\"kernel.release\""));
}

// Bad input of every subcommand: the table in bad_input_test.cpp.

TEST_F(Cli, MissingPrivilegeIsOneLineExit2) {
  if (std::string why = testing::CannotBecomeReason(testing::kNobody.uid); !why.empty())
    GTEST_SKIP() << why;
  ToolResult r = NsprobeAsNobody({"exec", "--ns", "uts", "--", "true"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("CAP_SYS_ADMIN"));
  EXPECT_THAT(r.err, MatchesRegex("[^\n]+\n"));
}

// A zombie keeps its pid but has no namespaces: say so, not "No such file or directory".
TEST_F(Cli, EnteringAZombieByFdsSaysItIsAZombie) {
  const pid_t zombie = ::fork();
  ASSERT_GE(zombie, 0);
  if (zombie == 0) ::_exit(0);
  std::string stat;
  for (int i = 0; i < 1000; ++i) {
    if (TryReadFile(fmt::format("/proc/{}/stat", zombie), stat) &&
        stat.find(") Z") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ToolResult r = Nsprobe(
      {"enter", "--target", std::to_string(zombie), "--by-fds", "--ns", "net", "--", "true"});
  int status = 0;
  ::waitpid(zombie, &status, 0);
  ASSERT_NE(stat.find(") Z"), std::string::npos) << "the child never became a zombie: " << stat;
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr(fmt::format("target {} is a zombie", zombie))) << r.Describe();
  EXPECT_THAT(r.err, MatchesRegex("[^\n]+\n"));
}

// Root in a user namespace of its own (unshare -Ur) is refused entering the host's user
// namespace: the message must not tell it to "run as root", which it already is.
TEST_F(Cli, RootInAUserNamespaceIsNotToldToRunAsRoot) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kUnprivileged);
  ToolResult r = RunTool(0, {},
                         {"unshare", "-Ur", nsprobe::testing::NsprobeCommand(), "enter", "--target",
                          "1", "--ns", "user", "--", "true"},
                         std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("CAP_SYS_ADMIN")) << r.Describe();
  EXPECT_THAT(r.err, Not(HasSubstr("run as root"))) << r.Describe();
}

TEST_F(Cli, KillingNsprobeKillsItsCommand) {
  // PR_SET_PDEATHSIG: the command must not outlive nsprobe, even when nsprobe is SIGKILLed.
  Child cli = Launch(Spec{}, std::vector<std::string>{nsprobe::testing::NsprobeCommand(), "exec",
                                                      "--", "sleep", "60"});
  pid_t sleeper = -1;
  for (int i = 0; i < 1000 && sleeper < 0; ++i) {
    std::string stat;
    // The sleeper is nsprobe's child: find it by its parent.
    DIR* d = ::opendir("/proc");
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      if (!TryReadFile(std::string("/proc/") + e->d_name + "/stat", stat)) continue;
      auto paren = stat.rfind(')');
      if (paren != std::string::npos && std::atoi(stat.c_str() + paren + 4) == cli.Pid() &&
          stat.find("(sleep)") != std::string::npos)
        sleeper = std::atoi(e->d_name);
    }
    ::closedir(d);
    if (sleeper < 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_GT(sleeper, 0) << "the command did not start";
  cli.Kill();
  bool gone = false;
  for (int i = 0; i < 1000 && !gone; ++i) {
    std::string stat;
    gone = !TryReadFile("/proc/" + std::to_string(sleeper) + "/stat", stat) ||
           stat.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(gone) << "sleep " << sleeper << " outlived nsprobe";
}

}  // namespace
}  // namespace nsprobe
