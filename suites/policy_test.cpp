// policy: the probe names what blocks a namespace. Restrictions this machine can reproduce
// safely are reproduced for real, each confined to a launched child: a user.max_<kind>_namespaces
// limit of 0 inside a fresh user namespace, seccomp filters (ENOSYS for clone3, EPERM for
// namespace flags), and a non-root caller without a user namespace. The others (Ubuntu's
// AppArmor mediation, Debian's unprivileged_userns_clone, RHEL 7's user_namespace.enable) are
// covered by the classifier on inputs recorded from those systems.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/probe.hpp"
#include "suites/support/child.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/paths.hpp"
#include "suites/support/seam.hpp"

extern char** environ;

namespace nsprobe {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// What a program printed when run in a launched child after `before_exec` (async-signal-safe;
// a non-zero return ends the child with that code instead of exec'ing).
struct Captured {
  ExitStatus status;
  std::string out;
  std::string err;
  std::string Describe() const {
    return status.Describe() + "; stdout " + Quoted(out) + "; stderr " + Quoted(err);
  }
};

std::string Drain(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

Captured RunInChild(const Spec& spec, Body before_exec, std::vector<std::string> argv) {
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  Pipe out = Pipe::Make(), err = Pipe::Make();
  Child child = testing::Launch(spec, [&] {
    if (::dup2(out.write.Get(), 1) < 0 || ::dup2(err.write.Get(), 2) < 0) return 120;
    if (int rc = before_exec()) return rc;
    ::execve(args[0], args.data(), environ);
    return 127;
  });
  out.write.Reset();
  err.write.Reset();
  Captured c;
  c.out = Drain(out.read.Get());
  c.err = Drain(err.read.Get());
  c.status = child.Wait(60s);
  return c;
}

// Nothing to do before exec (a callable object: Body refers to it, so it must outlive calls).
const auto kNoSetup = [] { return 0; };

// `nsprobe probe --json`, parsed; the probe's verdict and reason for one kind and mode.
struct ProbeJson {
  nlohmann::json json;
  const nlohmann::json& Result(Kind kind, Mode mode) const {
    for (const auto& r : json.at("results"))
      if (r.at("kind") == std::string(Name(kind)) && r.at("mode") == std::string(ModeName(mode)))
        return r;
    throw std::out_of_range("no probe result for " + std::string(Name(kind)));
  }
  std::string Reason(Kind kind, Mode mode) const { return Result(kind, mode).at("reason"); }
  std::string Verdict(Kind kind, Mode mode) const { return Result(kind, mode).at("verdict"); }
};

ProbeJson ParseProbe(const Captured& c) {
  EXPECT_TRUE(c.status.Success()) << c.Describe();
  ProbeJson p;
  p.json = nlohmann::json::parse(c.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(p.json.is_object()) << c.Describe();
  return p;
}

const std::vector<std::string> kProbeJson = {testing::NsprobeCommand(), "probe", "--json"};
// The exit code of a child whose sysctl write failed; it says the errno's name on stderr.
constexpr int kWriteFailed = 81;

// ---------------------------------------------------------------------------------------------
// user.max_<kind>_namespaces=0, set inside a fresh user namespace: the probe run there blames
// the knob for that kind and only that kind.

class LimitZero : public testing::NoLeaksTest,
                  public ::testing::WithParamInterface<std::tuple<Kind, Mode>> {};

TEST_P(LimitZero, ProbeNamesTheKnob) {
  const auto [kind, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, mode);
  NSPROBE_SKIP_UNLESS_AVAILABLE(kind, Mode::kUnprivileged);
  NSPROBE_SKIP_IF_PROC_SYS_READ_ONLY();
  const std::string sysctl = testing::MaxNamespacesSysctl(kind);
  const testing::OwnNamespaces own({Kind::kUser});
  Captured c = RunInChild(
      testing::FreshUserNamespace(mode),
      [&] {
        // Never write a limit outside a user namespace of our own.
        if (own.StillInOneInChild()) return testing::kRefusedOwnNamespace;
        if (int e = WriteOnceInChild(sysctl.c_str(), "0")) {
          const char* name = ::strerrorname_np(e);
          if (name != nullptr && ::write(2, name, ::strlen(name)) < 0) return 82;
          return kWriteFailed;
        }
        return 0;
      },
      kProbeJson);
  ASSERT_NE(c.status.code, testing::kRefusedOwnNamespace)
      << "no fresh user namespace: refused to touch " << sysctl;
  ASSERT_NE(c.status.code, kWriteFailed) << "write(" << sysctl << ", \"0\"): " << c.err;
  ProbeJson inside = ParseProbe(c);
  ASSERT_TRUE(inside.json.is_object());
  // Root of that namespace probes the privileged mode: the only mode reachable there.
  EXPECT_EQ(inside.Verdict(kind, Mode::kPrivileged), "policy") << c.out;
  EXPECT_EQ(inside.Reason(kind, Mode::kPrivileged),
            "policy: user.max_" + std::string(Name(kind)) + "_namespaces=0");
  for (const KindInfo& other : AllKinds()) {
    if (other.kind == kind) continue;
    EXPECT_EQ(inside.Verdict(other.kind, Mode::kPrivileged), "available")
        << other.name << ": " << inside.Reason(other.kind, Mode::kPrivileged);
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, LimitZero, testing::kEveryKindBothModes,
                         testing::KindModeParamName);

// ---------------------------------------------------------------------------------------------
// Seccomp filters, installed in a launched child only (no_new_privs, then the filter, then
// exec). Like Docker's default profile: clone3 answers ENOSYS, because a filter cannot read
// clone3's flags in memory; optionally clone and unshare with namespace flags answer EPERM.

// CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET (Docker's 0x7E020000) | NEWTIME.
constexpr std::uint32_t kNamespaceFlags = 0x7E020000 | CLONE_NEWTIME;

std::vector<sock_filter> SeccompFilter(bool refuse_namespace_flags) {
  std::vector<sock_filter> f = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
  };
  if (refuse_namespace_flags) {
    f.insert(f.end(), {
                          BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
                          BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 3),
                          // The flags are the first argument of both; the low word suffices.
                          BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
                          BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kNamespaceFlags, 0, 1),
                          BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
                      });
  }
  f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return f;
}

// Runs argv under the filter in a plain launched child.
Captured RunFiltered(bool refuse_namespace_flags, const std::vector<std::string>& argv) {
  std::vector<sock_filter> filter = SeccompFilter(refuse_namespace_flags);
  sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};
  return RunInChild(
      Spec{},
      [&] {
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 90;
        return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : 91;
      },
      argv);
}

class Seccomp : public testing::NoLeaksTest {};

TEST_F(Seccomp, Clone3EnosysFallsBackToCloneAndTheProbeSaysSo) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  ProbeJson outside = ParseProbe(RunInChild(Spec{}, kNoSetup, kProbeJson));
  ASSERT_TRUE(outside.json.is_object());
  ASSERT_EQ(outside.json.at("clone3"), true) << "contrast: clone3 works without the filter";
  Captured c = RunFiltered(false, kProbeJson);
  ProbeJson inside = ParseProbe(c);
  ASSERT_TRUE(inside.json.is_object());
  EXPECT_EQ(inside.json.at("clone3"), false) << c.out;
  // The fallback creates every kind the machine allows: the same verdicts as outside.
  for (const KindInfo& k : AllKinds())
    for (Mode mode : {Mode::kPrivileged, Mode::kUnprivileged})
      EXPECT_EQ(inside.Verdict(k.kind, mode), outside.Verdict(k.kind, mode))
          << k.name << " " << ModeName(mode) << ": " << inside.Reason(k.kind, mode);

  // And launching still creates the namespace asked for.
  const std::vector<std::string> exec = {
      testing::NsprobeCommand(), "exec", "--ns", "user,uts", "--map-root", "--", "readlink",
      "/proc/self/ns/uts"};
  Captured launched = RunFiltered(false, exec);
  ASSERT_TRUE(launched.status.Success()) << launched.Describe();
  EXPECT_NE(launched.out, ReadNsLink(0, Kind::kUts) + "\n") << "no new uts namespace";
  EXPECT_THAT(launched.out, StartsWith("uts:["));
}

TEST_F(Seccomp, EpermForNamespaceFlagsIsReportedAsSeccompPolicy) {
  Captured c = RunFiltered(true, kProbeJson);
  ProbeJson inside = ParseProbe(c);
  ASSERT_TRUE(inside.json.is_object());
  const bool root = ::geteuid() == 0;
  for (const KindInfo& k : AllKinds())
    for (Mode mode : {Mode::kPrivileged, Mode::kUnprivileged}) {
      // Contrast: what the probe says without the filter. Only what the machine allows can
      // be blocked by the filter; without root the privileged mode stays "privilege".
      if (!testing::UnavailableReason(k.kind, mode).empty()) continue;
      EXPECT_EQ(inside.Verdict(k.kind, mode), "policy") << k.name << " " << ModeName(mode);
      EXPECT_THAT(inside.Reason(k.kind, mode), StartsWith("policy: seccomp filter (Seccomp: 2)"))
          << k.name << " " << ModeName(mode) << (root ? "" : " (not root)");
    }
}

// ---------------------------------------------------------------------------------------------
// Without root and without a user namespace, creating any other kind is EPERM from the
// kernel, classified as missing privilege; through a user namespace the same uid succeeds.

// Whether uid 65534 exists in our user namespace (not under `unshare -Ur`, which maps 0 only).
class NonRoot : public testing::NoLeaksTest, public ::testing::WithParamInterface<Kind> {};

TEST_P(NonRoot, KernelRefusalIsClassifiedAsPrivilege) {
  const Kind kind = GetParam();
  if (::geteuid() == 0)
    if (std::string why = testing::CannotBecomeReason(testing::kNobody.uid); !why.empty())
      GTEST_SKIP() << why;
  NSPROBE_SKIP_UNLESS_AVAILABLE(kind, Mode::kUnprivileged);
  Spec spec;
  spec.kinds = KindSet{kind};
  if (::geteuid() == 0) spec.create_as = testing::kNobody;
  const uid_t uid = ::geteuid() == 0 ? testing::kNobody.uid : ::geteuid();
  try {
    testing::Launch(spec, [] { return 0; }).Wait(10s);
    FAIL() << "uid " << uid << " created a " << Name(kind) << " namespace without a user one";
  } catch (const StepError& e) {
    EXPECT_EQ(e.code().value(), EPERM) << e.what();
    ProbeResult r =
        Classify(kind, Mode::kPrivileged, e.step(), e.code().value(), ReadPolicyKnobs(), uid);
    EXPECT_EQ(r.verdict, Verdict::kPrivilege) << r.reason;
    EXPECT_THAT(r.reason, HasSubstr("needs CAP_SYS_ADMIN")) << r.reason;
  }
  // Contrast: the same uid through a user namespace.
  Child ok =
      testing::Launch(testing::SpecFor(Mode::kUnprivileged, KindSet{kind}), [] { return 0; });
  EXPECT_TRUE(ok.Wait(10s).Success());
}

INSTANTIATE_TEST_SUITE_P(Kinds, NonRoot,
                         ::testing::Values(Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet,
                                           Kind::kPid, Kind::kCgroup, Kind::kTime),
                         [](const auto& param_info) {
                           return std::string(Name(param_info.param));
                         });

class NonRootProbe : public testing::NoLeaksTest {};

// As a user types it: the probe inside `unshare -Ur`, where uid 65534 cannot be reached. The
// unprivileged mode is then a missing privilege of this process, not a policy of the kernel.
TEST_F(NonRootProbe, InsideUnshareUrTheUnprivilegedModeIsAMissingPrivilege) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kUnprivileged);
  // Contrast: outside it, the unprivileged mode is available (checked by the line above).
  Captured c = RunInChild(
      Spec{}, kNoSetup, {"/usr/bin/unshare", "-Ur", testing::NsprobeCommand(), "probe", "--json"});
  ProbeJson p = ParseProbe(c);
  ASSERT_TRUE(p.json.is_object()) << c.Describe();
  EXPECT_EQ(p.json.at("euid"), 0);
  for (const KindInfo& k : AllKinds()) {
    EXPECT_EQ(p.Verdict(k.kind, Mode::kUnprivileged), "privilege") << k.name;
    EXPECT_THAT(p.Reason(k.kind, Mode::kUnprivileged),
                AllOf(StartsWith("privilege: rootless: root only inside a user namespace "
                                 "(uid_map '0 "),
                      HasSubstr("the unprivileged mode runs as uid 65534"),
                      HasSubstr("setgroups is denied")))
        << k.name;
  }
}

TEST_F(NonRootProbe, ReportsPrivilegeForThePrivilegedMode) {
  if (std::string why = testing::CannotBecomeReason(testing::kNobody.uid); !why.empty())
    GTEST_SKIP() << why;
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                              "--clear-groups", testing::NsprobeCommand()};
  auto nobody = [&](std::vector<std::string> args) {
    args.insert(args.begin(), as_nobody.begin(), as_nobody.end());
    return RunInChild(Spec{}, kNoSetup, args);
  };
  // Contrast: the same uid does reach a new namespace, through a user namespace.
  Captured via_user =
      nobody({"exec", "--ns", "user,uts", "--map-root", "--", "readlink", "/proc/self/ns/uts"});
  ASSERT_TRUE(via_user.status.Success()) << via_user.Describe();
  EXPECT_NE(via_user.out, ReadNsLink(0, Kind::kUts) + "\n") << "no new uts namespace";
  Captured c = nobody({"probe", "--json"});
  ProbeJson p = ParseProbe(c);
  ASSERT_TRUE(p.json.is_object());
  EXPECT_EQ(p.json.at("euid"), 65534);
  for (const KindInfo& k : AllKinds()) {
    EXPECT_EQ(p.Verdict(k.kind, Mode::kPrivileged), "privilege") << k.name;
    EXPECT_EQ(p.Reason(k.kind, Mode::kPrivileged),
              "privilege: the privileged mode needs root (running as uid 65534)");
  }
}

// ---------------------------------------------------------------------------------------------
// The classifier on inputs recorded from systems this machine cannot become. Each case says
// where the kernel's answer and the knobs' values were seen.

PolicyKnobs Knobs() {
  PolicyKnobs k;
  for (auto& m : k.max_namespaces) m = 63936;  // a typical default (threads-max / 2)
  return k;
}

TEST(Classifier, UbuntuAppArmorRestrictionEpermAtUidMap) {
  // Ubuntu 24.04, kernel.apparmor_restrict_unprivileged_userns=1 (its default):
  // `unshare --user --map-root-user id` -> "write failed /proc/self/uid_map: Operation not
  // permitted" (github.com/gominimal/minimal/issues/610). Ubuntu also carries Debian's
  // kernel.unprivileged_userns_clone, set to 1.
  PolicyKnobs k = Knobs();
  k.unprivileged_userns_clone = 1;
  k.apparmor_restrict_unprivileged_userns = 1;
  ProbeResult r = Classify(Kind::kUts, Mode::kUnprivileged, Step::kUidMap, EPERM, k, 1000);
  EXPECT_EQ(r.verdict, Verdict::kPolicy);
  EXPECT_THAT(r.reason, StartsWith("policy: kernel.apparmor_restrict_unprivileged_userns=1"));
  EXPECT_THAT(r.reason, HasSubstr("uid_map"));
}

TEST(Classifier, UbuntuAppArmorRestrictionEaccesAtUidMap) {
  // Ubuntu with the same restriction, seen by bubblewrap: "bwrap: setting up uid map:
  // Permission denied" with apparmor="DENIED" operation="capable" profile="unprivileged_userns"
  // in the audit log (github.com/DevToys-app/DevToys/issues/1373).
  PolicyKnobs k = Knobs();
  k.unprivileged_userns_clone = 1;
  k.apparmor_restrict_unprivileged_userns = 1;
  ProbeResult r = Classify(Kind::kNet, Mode::kUnprivileged, Step::kUidMap, EACCES, k, 1000);
  EXPECT_EQ(r.verdict, Verdict::kPolicy);
  EXPECT_THAT(r.reason, StartsWith("policy: kernel.apparmor_restrict_unprivileged_userns=1"));
}

TEST(Classifier, ACreatorThatCannotBecomeUid65534IsPrivilegeNotPolicy) {
  // Inside `unshare -Ur` (setgroups "deny", only root mapped): setgroups(0, NULL) is EPERM;
  // with setgroups allowed, setresgid(65534) on an unmapped gid is EINVAL.
  for (int err : {EPERM, EINVAL}) {
    ProbeResult r =
        Classify(Kind::kNet, Mode::kUnprivileged, Step::kDropToCreator, err, Knobs(), 65534);
    EXPECT_EQ(r.verdict, Verdict::kPrivilege) << r.reason;
    EXPECT_THAT(r.reason, StartsWith("privilege: the unprivileged mode runs as uid 65534, which "
                                     "this process cannot become"));
    EXPECT_THAT(r.reason, HasSubstr(err == EPERM ? "setgroups is denied" : "is not mapped"));
  }
}

TEST(Classifier, DebianUnprivilegedUsernsCloneZero) {
  // Debian's patch (kernel.unprivileged_userns_clone, default 0 up to Debian 10): "root or
  // CAP_SYS_ADMIN is allowed to create new user namespaces, but not regular users, they will
  // fail clone() and unshare() with EPERM" (github.com/containers/bubblewrap/pull/71).
  PolicyKnobs k = Knobs();
  k.unprivileged_userns_clone = 0;
  ProbeResult r = Classify(Kind::kPid, Mode::kUnprivileged, Step::kClone, EPERM, k, 1000);
  EXPECT_EQ(r.verdict, Verdict::kPolicy);
  EXPECT_EQ(r.reason, "policy: kernel.unprivileged_userns_clone=0");
  // Root is not affected by it: the privileged mode is not blamed on the knob.
  ProbeResult root = Classify(Kind::kPid, Mode::kPrivileged, Step::kClone, EPERM, k, 1000);
  EXPECT_EQ(root.verdict, Verdict::kPrivilege) << root.reason;
}

TEST(Classifier, Rhel7UserNamespaceEnableN) {
  // RHEL/CentOS 7 before 7.4: user namespaces off unless booted with user_namespace.enable=1
  // (github.com/lxc/lxc/issues/842); the module parameter reads "N" (bubblewrap checks
  // /sys/module/user_namespace/parameters/enable) and CLONE_NEWUSER fails with EINVAL although
  // CONFIG_USER_NS=y: "unshare: Invalid argument" on CentOS 7.2
  // (github.com/netblue30/firejail/issues/360).
  PolicyKnobs k = Knobs();
  k.user_namespace_enable = "N";
  ProbeResult r = Classify(Kind::kMnt, Mode::kUnprivileged, Step::kClone, EINVAL, k, 1000);
  EXPECT_EQ(r.verdict, Verdict::kPolicy) << r.reason;
  EXPECT_EQ(r.reason, "policy: user_namespace.enable=N");
  // Without the knob the same EINVAL means the kernel lacks the kind.
  ProbeResult plain =
      Classify(Kind::kMnt, Mode::kUnprivileged, Step::kClone, EINVAL, Knobs(), 1000);
  EXPECT_EQ(plain.verdict, Verdict::kUnsupported) << plain.reason;
}

TEST(Classifier, Rhel7MaxUserNamespacesZero) {
  // RHEL/CentOS 7.4+: user.max_user_namespaces=0 by default, ENOSPC even for root
  // (kernel-semantics reference §5; github.com/hpc/charliecloud/issues/133 fixed it by setting
  // the sysctl to 10000).
  PolicyKnobs k = Knobs();
  k.max_namespaces[static_cast<std::size_t>(Kind::kUser)] = 0;
  ProbeResult r = Classify(Kind::kNet, Mode::kUnprivileged, Step::kClone, ENOSPC, k, 1000);
  EXPECT_EQ(r.reason, "policy: user.max_user_namespaces=0");
  ProbeResult root = Classify(Kind::kUser, Mode::kPrivileged, Step::kClone, ENOSPC, k, 0);
  EXPECT_EQ(root.reason, "policy: user.max_user_namespaces=0");
}

TEST(Classifier, DockerDefaultSeccompProfile) {
  // Docker's default profile (moby/moby profiles/seccomp/default.json): clone3 -> ENOSYS,
  // clone/unshare with flags in 0x7E020000 -> EPERM (defaultErrnoRet 1) without CAP_SYS_ADMIN;
  // the container's /proc/self/status shows "Seccomp: 2".
  PolicyKnobs k = Knobs();
  k.seccomp_mode = 2;
  ProbeResult r = Classify(Kind::kUts, Mode::kPrivileged, Step::kClone, EPERM, k, 0);
  EXPECT_EQ(r.verdict, Verdict::kPolicy);
  EXPECT_EQ(r.reason, "policy: seccomp filter (Seccomp: 2) refuses clone with EPERM");
}

}  // namespace
}  // namespace nsprobe
