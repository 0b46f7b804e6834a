// The sandboxes CI runners and containers really run in, as part of the test suite: the
// conformance suites (`nsprobe run`) inside each, and the tool's own tests inside some. Every case
// must pass or be skipped with a reason the probe found ("unsupported: ", "policy: ", "privilege:
// "), never fail; and each sandbox must show that it was in force (the reason it causes appears,
// the host's limits are untouched), or the run proves nothing. Label "restricted". Prints the pass
// and skip counts of each.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/fd.hpp"
#include "runtime/probe.hpp"
#include "runtime/tool.hpp"
#include "suites/support/paths.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// `sh -c SCRIPT sh COMMAND...`: the script sets the sandbox up, then `exec "$@"`.
std::vector<std::string> Shell(const std::string& script) {
  return {"sh", "-c", script + " && exec \"$@\"", "sh"};
}

std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

struct Sandbox {
  std::string name;
  std::vector<std::string> prefix;  // argv that sets it up and runs the rest
  std::vector<std::string> shows;   // texts some skip reason must each hold: it was in force
  // `nsprobe probe --json`'s "sandbox" facts it changes, each with a text its value holds;
  // the facts not listed must read as they do on the host.
  std::map<std::string, std::string> probe;
};

// gtest prints a parameter by its name, not as bytes.
void PrintTo(const Sandbox& sandbox, std::ostream* os) { *os << sandbox.name; }

// A user namespace of our own ("unshare -Ur"), with `sysctl` set to 0 inside it: the
// user.max_*_namespaces limits are per user namespace, so the host's stay as they are.
Sandbox LimitZero(const std::string& name, const std::string& sysctl) {
  return {name,
          Join({"unshare", "-Ur", "--"}, Shell("echo 0 > /proc/sys/user/" + sysctl)),
          {"policy: user." + sysctl + "=0"},
          {{"rootless", "rootless: root only inside a user namespace"},
           {"fresh_proc_unprivileged", "privilege: rootless: "}}};
}

std::vector<Sandbox> Sandboxes() {
  return {
      {"rootless",
       {"unshare", "-Ur", "--"},
       {"rootless: root only inside a user namespace"},
       {{"rootless", "rootless: root only inside a user namespace"},
        {"fresh_proc_unprivileged", "privilege: rootless: "}}},
      LimitZero("max_user_namespaces_0", "max_user_namespaces"),
      LimitZero("max_net_namespaces_0", "max_net_namespaces"),
      // As container runtimes mount it: /proc/sys bound over itself, read-only, in a mount
      // namespace of its own (unshare -m makes its propagation private, so the host keeps its
      // own). That bind covers part of /proc, so the kernel also refuses any user namespace
      // inside a fresh proc (mount_too_revealing).
      {"read_only_proc_sys",
       Join({"unshare", "-m", "--propagation", "private", "--"},
            Shell("mount --bind /proc/sys /proc/sys && mount -o remount,ro,bind /proc/sys")),
       {"policy: read-only /proc/sys", "policy: a fresh proc is refused in a user namespace"},
       {{"proc_sys_read_only", "policy: read-only /proc/sys (mounted read-only"},
        {"fresh_proc_unprivileged",
         "policy: a fresh proc is refused in a user namespace (EPERM): /proc has something "
         "mounted over it (mount_too_revealing); here /proc/sys"}}},
      // Docker's default profile where namespaces are concerned (tests/seccomp_wrap): clone3
      // answers ENOSYS, so the runtime falls back to clone; CLONE_NEWUSER answers EPERM.
      {"seccomp_like_docker",
       {testing::SelfDir() + "/seccomp_wrap", "--"},
       {"policy: seccomp filter (Seccomp: 2) refuses clone with EPERM"},
       {{"fresh_proc_unprivileged", "policy: seccomp filter (Seccomp: 2) refuses clone"}}},
      {"core_dumps", Shell("ulimit -c unlimited && test \"$(ulimit -c)\" = unlimited"), {}, {}},
  };
}

struct Counts {
  int pass = 0, skip = 0, by_design = 0;
};

// The skips in `cases` (name -> reason) that do not name a reason the probe could give.
std::vector<std::string> Unnamed(const std::map<std::string, std::string>& skips) {
  std::vector<std::string> bad;
  for (const auto& [name, reason] : skips)
    if (!reason.starts_with("unsupported: ") && !reason.starts_with("policy: ") &&
        !reason.starts_with("privilege: "))
      bad.push_back(name + ": '" + reason + "'");
  return bad;
}

bool AnyHolds(const std::map<std::string, std::string>& skips, const std::string& text) {
  for (const auto& [name, reason] : skips)
    if (reason.find(text) != std::string::npos) return true;
  return false;
}

// The tool's own tests run in the sandboxes too, through `nsprobe run --suites DIR` on a
// directory of links to them (a directory without suites.json: every *_test in it is run,
// each still finding its fixtures and bin/nsprobe beside its real path). By default the
// runtime's tests and the command's that run no `nsprobe run` of their own, a few seconds in
// each sandbox; NSPROBE_RESTRICTED_ALL_TOOL_TESTS=1 runs every tool test built beside this one.
std::vector<std::string> ToolTests() {
  const std::string dir = testing::SelfDir();
  std::vector<std::string> names;
  if (const char* all = std::getenv("NSPROBE_RESTRICTED_ALL_TOOL_TESTS");
      all != nullptr && std::string(all) == "1") {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      // Not itself, nor the tests that boot kernels or build a Debian root (opt-in labels).
      if (name.ends_with("_test") && e.is_regular_file() && name != "restricted_env_test" &&
          !name.starts_with("matrix_guest") && !name.starts_with("lava_guest"))
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  // The runtime's tests, and the command's that meet the sandbox: privilege drops, refusals,
  // the negative control's guard, the hygiene snapshot. Not the record readers and renderers
  // (no namespace in them), nor record_cli_test and report_browser_test (6 s and 50 s alone).
  return {"kind_test",
          "spec_test",
          "launch_plan_test",
          "launch_test",
          "probe_test",
          "tool_test",
          "negative_control_test",
          "fingerprint_test",
          "cli_test",
          "numeric_options_test",
          "bad_input_test",
          "hygiene_test",
          "negative_control_run_test"};
}

class Restricted : public ::testing::TestWithParam<Sandbox> {
 protected:
  void SetUp() override {
    host_limits_ = {ReadLimit("max_user_namespaces"), ReadLimit("max_net_namespaces")};
    host_proc_sys_ = ProcSysReadOnlyReason();
  }
  void TearDown() override {
    EXPECT_EQ(host_limits_[0], ReadLimit("max_user_namespaces")) << "the host's limit changed";
    EXPECT_EQ(host_limits_[1], ReadLimit("max_net_namespaces")) << "the host's limit changed";
    EXPECT_EQ(host_proc_sys_, ProcSysReadOnlyReason()) << "the host's /proc/sys changed";
    std::vector<std::string> cores;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.Path()))
      if (e.path().filename().string().starts_with("core")) cores.push_back(e.path());
    EXPECT_THAT(cores, ::testing::IsEmpty()) << "core files in the working directory";
  }
  static std::string ReadLimit(const std::string& name) {
    std::string text;
    return TryReadFile("/proc/sys/user/" + name, text) ? text : "(unreadable)";
  }
  ProgramResult Run(const std::vector<std::string>& command) {
    ProgramRun run;
    run.argv = Join(GetParam().prefix, command);
    run.cwd = dir_.Path();
    run.timeout = std::chrono::seconds(300);
    return RunProgram(run);
  }
  // `nsprobe run --out DIR ARGS` in the sandbox: zero fail and error, every skip named, at
  // least one pass, and (with `shows`) some skip holding each of the sandbox's own texts.
  void RunAndCheck(const std::string& what, std::vector<std::string> args, bool shows) {
    const std::string out = dir_.Sub(what);
    args.insert(args.begin(), {testing::NsprobeCommand(), "run", "--out", out});
    ProgramResult r = Run(args);
    const std::string tail = r.out.substr(r.out.size() > 4000 ? r.out.size() - 4000 : 0);
    EXPECT_TRUE(r.status.Success()) << r.status.Describe() << "\n" << tail << r.err;
    std::string text;
    ASSERT_TRUE(TryReadFile(out + "/record.json", text)) << r.err;
    const Json rec = Json::parse(text);
    Counts c;
    std::vector<std::string> failed;
    std::map<std::string, std::string> skips;
    for (const Json& k : rec.at("cases")) {
      const std::string id = k.value("suite", "") + ": " + k.value("name", "");
      const std::string verdict = k.value("verdict", "");
      if (verdict == "pass") ++c.pass;
      if (verdict == "skip") {
        ++c.skip;
        skips[id] = k.value("reason", "");
      }
      // Not isolated by design: neither pass nor fail, and it must name the knob that closes it.
      if (verdict == "by_design") {
        ++c.by_design;
        if (k.value("reason", "").find("(closed by") == std::string::npos)
          failed.push_back(id + " by_design without the knob that closes it");
      }
      if (verdict != "pass" && verdict != "skip" && verdict != "by_design")
        failed.push_back(id + " " + verdict);
    }
    EXPECT_THAT(failed, ::testing::IsEmpty());
    EXPECT_EQ(rec.at("totals").value("error", -1), 0) << rec.at("binaries").dump(1);
    EXPECT_THAT(Unnamed(skips), ::testing::IsEmpty());
    EXPECT_GT(c.pass, 0);
    for (const std::string& shown : shows ? GetParam().shows : std::vector<std::string>{}) {
      EXPECT_TRUE(AnyHolds(skips, shown))
          << "no skip says '" << shown << "': the sandbox was not in force";
    }
    if (GetParam().name == "seccomp_like_docker") {
      EXPECT_THAT(rec.at("fingerprint").dump(), HasSubstr("\"seccomp\":\"2\""));
    }
    std::printf("restricted %s, %s: %d pass, %d skip, %d by design, 0 fail\n",
                GetParam().name.c_str(), what.c_str(), c.pass, c.skip, c.by_design);
    RecordProperty(what + "_pass", c.pass);
    RecordProperty(what + "_skip", c.skip);
  }

  testing::TempDir dir_{"restricted"};
  std::vector<std::string> host_limits_;
  std::string host_proc_sys_;
};

TEST_P(Restricted, ConformanceSuitesPassOrSkipWithAReason) { RunAndCheck("suites", {}, true); }

// The probe names what the sandbox takes away, and nothing else: each "sandbox" fact of
// `nsprobe probe --json` the sandbox changes holds its text, the others read as on the host
// (the control, which shows that a fact not changed is not claimed).
TEST_P(Restricted, ProbeNamesWhatTheSandboxTakesAway) {
  ProgramRun on_host;
  on_host.argv = {testing::NsprobeCommand(), "probe", "--json"};
  ProgramResult host = RunProgram(on_host);
  ASSERT_TRUE(host.status.Success()) << host.err;
  ProgramResult r = Run({testing::NsprobeCommand(), "probe", "--json"});
  ASSERT_TRUE(r.status.Success()) << r.status.Describe() << r.err;
  const Json inside = Json::parse(r.out).at("sandbox");
  const Json outside = Json::parse(host.out).at("sandbox");
  for (const auto& [key, value] : outside.items()) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(inside.contains(key)) << inside.dump(1);
    const auto it = GetParam().probe.find(key);
    if (it == GetParam().probe.end()) {
      EXPECT_EQ(inside[key], value) << "the sandbox does not change this fact";
    } else {
      EXPECT_THAT(inside[key].get<std::string>(), HasSubstr(it->second));
      EXPECT_NE(inside[key], value) << "the host says the same: the sandbox proves nothing";
    }
  }
  std::printf("restricted %s, probe: %s\n", GetParam().name.c_str(), inside.dump().c_str());
}

// The tool's own tests inside the sandboxes where CI runners and containers run them.
class RestrictedToolTests : public Restricted {};

TEST_P(RestrictedToolTests, PassOrSkipWithAReason) {
  const testing::TempDir links("restricted-tools");
  for (const std::string& name : ToolTests())
    std::filesystem::create_symlink(testing::SelfDir() + "/" + name, links.Sub(name));
  RunAndCheck("tool_tests", {"--suites", links.Path()}, false);
}

// The contrast for the core-dump check: a process crashing in that working directory leaves
// a core there, when the kernel writes cores to files at all.
TEST(CoreDumps, ACrashInThePrivateDirectoryLeavesACoreThere) {
  std::string pattern;
  ASSERT_TRUE(TryReadFile("/proc/sys/kernel/core_pattern", pattern));
  if (pattern.starts_with("|") || pattern.find('/') != std::string::npos)
    GTEST_SKIP() << "unsupported: kernel.core_pattern '" << pattern.substr(0, pattern.find('\n'))
                 << "' sends cores elsewhere than the working directory";
  const testing::TempDir dir("restricted-core");
  ProgramRun run;
  run.argv = {"sh", "-c", "ulimit -c unlimited && sh -c 'kill -SEGV $$'"};
  run.cwd = dir.Path();
  RunProgram(run);
  bool core = false;
  for (const auto& e : std::filesystem::directory_iterator(dir.Path()))
    core = core || e.path().filename().string().starts_with("core");
  EXPECT_TRUE(core) << "no core from a crash: the core-dump sandbox would check nothing";
  for (const auto& e : std::filesystem::directory_iterator(dir.Path()))
    std::filesystem::remove(e.path());
}

std::string SandboxName(const ::testing::TestParamInfo<Sandbox>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Sandboxes, Restricted, ::testing::ValuesIn(Sandboxes()), SandboxName);

// The sandboxes whose limits the tool itself meets: a rootless runner and Docker's profile.
std::vector<Sandbox> ToolSandboxes() {
  std::vector<Sandbox> some;
  for (const Sandbox& s : Sandboxes())
    if (s.name == "rootless" || s.name == "seccomp_like_docker") some.push_back(s);
  return some;
}
INSTANTIATE_TEST_SUITE_P(Sandboxes, RestrictedToolTests, ::testing::ValuesIn(ToolSandboxes()),
                         SandboxName);

}  // namespace
}  // namespace nsprobe
