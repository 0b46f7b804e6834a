// UTS namespaces (uts_namespaces(7)): hostname and domainname belong to the namespace. Entry
// paths: clone3 (Launch), unshare by a launched child, setns (Spec::join and setns in a body).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/tool.hpp"
#include "suites/support/child.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe {
namespace {

using testing::EntryKinds;
using testing::FailedWith;
using testing::ForkInChild;
using ::testing::Gt;
using testing::Handshake;
using testing::HasText;
using testing::HasValue;
using testing::InodeOf;
using testing::LaunchInNew;
using ::testing::Ne;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
using testing::Succeeded;
using testing::WaitInChild;

constexpr auto kWait = std::chrono::seconds(10);
constexpr const char* kSelfUts = "/proc/self/ns/uts";

struct Names {
  std::string host;
  std::string domain;
};

Names OurNames() {
  utsname u{};
  ::uname(&u);
  return {u.nodename, u.domainname};
}

// Async-signal-safe.
void RecordNamesInChild(const ObservationWriter& w, const char* host_key, const char* domain_key) {
  utsname u{};
  ::uname(&u);
  w.Text(host_key, u.nodename);
  w.Text(domain_key, u.domainname);
}

// Renames the caller's namespace: only ever called in a child LaunchInNew started, which
// never runs in the test's own, so a runtime that failed to create one never renames the
// host. Returns false when the kernel said no. Async-signal-safe.
bool SetNamesInChild(const ObservationWriter& w, const char* host, const char* domain) {
  long h = ::sethostname(host, std::strlen(host));
  w.Result("sethostname", h);
  long d = ::setdomainname(domain, std::strlen(domain));
  w.Result("setdomainname", d);
  return h == 0 && d == 0;
}

// Fixture: every case runs in both modes and is skipped only with the probe's reason.
class UtsNamespace : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, GetParam());
  }
  Mode mode() const { return GetParam(); }
};

TEST_P(UtsNamespace, HostnameAndDomainnameChangeInvisibleToParent) {
  const Names ours = OurNames();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child child = LaunchInNew(mode(), {Kind::kUts}, [&] {
    SetNamesInChild(w, "nsprobe-uts-inside", "inside.nsprobe");
    RecordNamesInChild(w, "host", "domain");
    hs.Ready();
    hs.AwaitGo();
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady());
  // While the child holds its namespace: our names, and what hostname(1) prints in each.
  const Names during = OurNames();
  ToolResult inside = RunTool(child.Pid(), EntryKinds(mode(), {Kind::kUts}), {"hostname"});
  ToolResult outside = RunTool(0, {}, {"hostname"});
  hs.Go();
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["sethostname"], Succeeded());
  ASSERT_THAT(obs["setdomainname"], Succeeded());
  EXPECT_THAT(obs["host"], HasText("nsprobe-uts-inside"));
  EXPECT_THAT(obs["domain"], HasText("inside.nsprobe"));
  EXPECT_EQ(during.host, ours.host) << "the child's sethostname reached the parent";
  EXPECT_EQ(during.domain, ours.domain) << "the child's setdomainname reached the parent";
  EXPECT_EQ(inside.out, "nsprobe-uts-inside\n") << inside.Describe();
  EXPECT_EQ(outside.out, ours.host + "\n") << outside.Describe();
}

TEST_P(UtsNamespace, HostnameChangeInvisibleToSiblings) {
  const Names ours = OurNames();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs_a;
  Child a = LaunchInNew(mode(), {Kind::kUts}, [&] {
    SetNamesInChild(w, "nsprobe-sibling-a", "a.nsprobe");
    hs_a.Ready();
    hs_a.AwaitGo();
    RecordNamesInChild(w, "a_host_after_b", "a_domain_after_b");
    return 0;
  });
  ASSERT_TRUE(hs_a.AwaitReady());
  // B: a sibling with its own namespace sees the parent's names, not A's, and renames itself.
  Child b = LaunchInNew(mode(), {Kind::kUts}, [&] {
    RecordNamesInChild(w, "b_host_before", "b_domain_before");
    w.Result("b_sethostname", ::sethostname("nsprobe-sibling-b", 17));
    return 0;
  });
  ExitStatus b_status = b.Wait(kWait);
  // C: the contrast, a sibling that enters A's namespace by setns shares A's names.
  Child c = testing::Launch(testing::JoinSpec(mode(), a.Pid(), {Kind::kUts}), [&] {
    RecordNamesInChild(w, "c_host", "c_domain");
    return 0;
  });
  ExitStatus c_status = c.Wait(kWait);
  hs_a.Go();
  ExitStatus a_status = a.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(a_status.Success()) << a_status.Describe();
  ASSERT_TRUE(b_status.Success()) << b_status.Describe();
  ASSERT_TRUE(c_status.Success()) << c_status.Describe();
  ASSERT_THAT(obs["sethostname"], Succeeded());
  ASSERT_THAT(obs["b_sethostname"], Succeeded());
  EXPECT_THAT(obs["b_host_before"], HasText(ours.host)) << "B saw A's name";
  EXPECT_THAT(obs["b_domain_before"], HasText(ours.domain));
  EXPECT_THAT(obs["a_host_after_b"], HasText("nsprobe-sibling-a")) << "B's name reached A";
  EXPECT_THAT(obs["c_host"], HasText("nsprobe-sibling-a")) << "setns into A's namespace";
  EXPECT_THAT(obs["c_domain"], HasText("a.nsprobe"));
  EXPECT_EQ(OurNames().host, ours.host);
}

TEST_P(UtsNamespace, UnshareCopiesTheCallersNamesAndKeepsChangesInside) {
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), {Kind::kUts}, [&] {
    if (!SetNamesInChild(w, "nsprobe-outer", "outer.nsprobe")) return 3;
    w.Link("outer_ns", kSelfUts);
    const ino_t outer = InodeOf(kSelfUts);
    long pid = ForkInChild();
    if (pid == 0) {
      w.Result("unshare", testing::Unshare(CLONE_NEWUTS));
      w.Link("inner_ns", kSelfUts);
      RecordNamesInChild(w, "copied_host", "copied_domain");
      if (InodeOf(kSelfUts) == outer) ::_exit(4);
      w.Result("inner_sethostname", ::sethostname("nsprobe-inner", 13));
      RecordNamesInChild(w, "inner_host", "inner_domain");
      ::_exit(0);
    }
    w.Value("inner_status", WaitInChild(pid));
    RecordNamesInChild(w, "outer_host_after", "outer_domain_after");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["inner_status"], HasValue(0));
  ASSERT_THAT(obs["unshare"], Succeeded());
  EXPECT_THAT(obs["outer_ns"], HasText(Ne(ReadNsLink(0, Kind::kUts))));
  EXPECT_THAT(obs["inner_ns"], HasText(Ne(obs.Text("outer_ns"))))
      << "unshare did not move the caller";
  // The new namespace starts as a copy of the caller's, not of the host's or a default.
  EXPECT_THAT(obs["copied_host"], HasText("nsprobe-outer"));
  EXPECT_THAT(obs["copied_domain"], HasText("outer.nsprobe"));
  EXPECT_THAT(obs["inner_host"], HasText("nsprobe-inner"));
  EXPECT_THAT(obs["outer_host_after"], HasText("nsprobe-outer")) << "the inner rename leaked out";
  EXPECT_THAT(obs["outer_domain_after"], HasText("outer.nsprobe"));
}

TEST_P(UtsNamespace, SetnsBackShowsTheParentsNames) {
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), {Kind::kUts}, [&] {
    if (!SetNamesInChild(w, "nsprobe-outer", "outer.nsprobe")) return 3;
    w.Link("outer_ns", kSelfUts);
    int outer_fd = ::open(kSelfUts, O_RDONLY | O_CLOEXEC);
    long pid = ForkInChild();
    if (pid == 0) {
      w.Result("unshare", testing::Unshare(CLONE_NEWUTS));
      w.Result("inner_sethostname", ::sethostname("nsprobe-inner", 13));
      RecordNamesInChild(w, "inner_host", "inner_domain");
      w.Result("setns", ::setns(outer_fd, CLONE_NEWUTS));
      w.Link("back_ns", kSelfUts);
      RecordNamesInChild(w, "back_host", "back_domain");
      ::_exit(0);
    }
    w.Value("inner_status", WaitInChild(pid));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["inner_sethostname"], Succeeded());
  EXPECT_THAT(obs["outer_ns"], HasText(Ne(ReadNsLink(0, Kind::kUts))));
  EXPECT_THAT(obs["inner_host"], HasText("nsprobe-inner"));
  EXPECT_THAT(obs["setns"], Succeeded());
  EXPECT_THAT(obs["back_ns"], HasText(obs.Text("outer_ns")));
  EXPECT_THAT(obs["back_host"], HasText("nsprobe-outer"));
  EXPECT_THAT(obs["back_domain"], HasText("outer.nsprobe"));
}

// Entering the test's own namespace needs CAP_SYS_ADMIN over it: root on the host has it, a
// user-namespace root does not (its capabilities cover only what its user namespace owns),
// which is also the privileged mode's case when the test itself runs inside `unshare -Ur`.
TEST_P(UtsNamespace, SetnsIntoTheParentsNamespaceNeedsPrivilegeOverIt) {
  const Names ours = OurNames();
  UniqueFd host_ns = OpenOrThrow(kSelfUts, O_RDONLY);
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), {Kind::kUts}, [&] {
    if (!SetNamesInChild(w, "nsprobe-away", "away.nsprobe")) return 3;
    w.Result("setns", ::setns(host_ns.Get(), CLONE_NEWUTS));
    w.Link("ns_after", kSelfUts);
    RecordNamesInChild(w, "host_after", "domain_after");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  if (mode() == Mode::kPrivileged && testing::AdministersOwnNamespace(Kind::kUts)) {
    EXPECT_THAT(obs["setns"], HasValue(0));
    EXPECT_THAT(obs["ns_after"], HasText(ReadNsLink(0, Kind::kUts)));
    EXPECT_THAT(obs["host_after"], HasText(ours.host));
    EXPECT_THAT(obs["domain_after"], HasText(ours.domain));
  } else {
    EXPECT_THAT(obs["setns"], FailedWith(EPERM));
    EXPECT_THAT(obs["ns_after"], HasText(Ne(ReadNsLink(0, Kind::kUts))));
    EXPECT_THAT(obs["host_after"], HasText("nsprobe-away"));
  }
}

TEST_P(UtsNamespace, NamesOf64BytesFitAnd65AreRefused) {
  const Names ours = OurNames();
  const std::string fits(kMaxHostnameBytes, 'n');
  const std::string too_long(kMaxHostnameBytes + 1, 'n');
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), {Kind::kUts}, [&] {
    w.Result("host_64", ::sethostname(fits.data(), fits.size()));
    w.Result("host_65", ::sethostname(too_long.data(), too_long.size()));
    w.Result("domain_64", ::setdomainname(fits.data(), fits.size()));
    w.Result("domain_65", ::setdomainname(too_long.data(), too_long.size()));
    RecordNamesInChild(w, "host", "domain");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  EXPECT_THAT(obs["host_64"], HasValue(0));
  EXPECT_THAT(obs["host_65"], FailedWith(EINVAL));
  EXPECT_THAT(obs["domain_64"], HasValue(0));
  EXPECT_THAT(obs["domain_65"], FailedWith(EINVAL));
  // The refused 65-byte names left the 64-byte ones in place.
  EXPECT_THAT(obs["host"], HasText(fits));
  EXPECT_THAT(obs["domain"], HasText(fits));
  EXPECT_EQ(OurNames().host, ours.host);
  EXPECT_EQ(OurNames().domain, ours.domain);
}

// Namespaces belong to threads: a thread that unshares and renames leaves the other threads
// of its process in the old namespace (gVisor UnameTest.UnshareUTS).
struct ThreadArgs {
  const ObservationWriter* w;
  int done_fd;
};

int UnshareInThread(void* arg) {
  const auto* a = static_cast<const ThreadArgs*>(arg);
  a->w->Result("thread_unshare", testing::Unshare(CLONE_NEWUTS));
  a->w->Result("thread_sethostname", ::sethostname("nsprobe-thread", 14));
  RecordNamesInChild(*a->w, "thread_host", "thread_domain");
  a->w->Link("thread_ns", "/proc/thread-self/ns/uts");
  char c = 'd';
  (void)::write(a->done_fd, &c, 1);
  ::syscall(SYS_exit, 0);  // this thread only
  return 0;
}

TEST_P(UtsNamespace, UnshareInOneThreadLeavesTheOtherThreads) {
  Observations obs;
  auto w = obs.Writer();
  Child child = LaunchInNew(mode(), {Kind::kUts}, [&] {
    if (!SetNamesInChild(w, "nsprobe-main", "main.nsprobe")) return 3;
    int done[2];
    if (::pipe2(done, O_CLOEXEC) != 0) return 4;
    alignas(16) static char stack[64 * 1024];
    ThreadArgs args{&w, done[1]};
    int tid = ::clone(
        UnshareInThread, stack + sizeof stack,
        CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, &args);
    w.Result("clone_thread", tid);
    char c;
    if (tid < 0 || ::read(done[0], &c, 1) != 1) return 5;
    RecordNamesInChild(w, "main_host", "main_domain");
    w.Link("main_ns", "/proc/thread-self/ns/uts");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["thread_unshare"], Succeeded());
  EXPECT_THAT(obs["thread_host"], HasText("nsprobe-thread"));
  EXPECT_THAT(obs["main_host"], HasText("nsprobe-main"))
      << "the thread's rename reached its process";
  EXPECT_THAT(obs["thread_ns"], HasText(Ne(obs.Text("main_ns"))));
  EXPECT_THAT(obs["main_ns"], HasText(Ne(ReadNsLink(0, Kind::kUts))));
}

INSTANTIATE_TEST_SUITE_P(Modes, UtsNamespace, testing::kBothModes, testing::ModeParamName);

// Gives up privilege for good: uid and gid 65534 where that id exists here, else (inside
// `unshare -Ur`, where 65534 is unmapped) the same uid with every capability cleared.
// Returns 1 for "became 65534", 2 for "capabilities cleared", -errno on failure.
// Async-signal-safe.
int DropPrivilegeInChild() {
  if (::syscall(SYS_geteuid) != 0) return 1;
  if (::syscall(SYS_setgroups, 0, nullptr) == 0 &&
      ::syscall(SYS_setresgid, 65534, 65534, 65534) == 0 &&
      ::syscall(SYS_setresuid, 65534, 65534, 65534) == 0)
    return 1;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return ::syscall(SYS_capset, &header, data) == 0 ? 2 : -errno;
}

// Forks a child that tries unshare(flags) and reports its errno as its exit code.
// Async-signal-safe.
int UnshareInGrandchild(unsigned long flags) {
  long pid = ForkInChild();
  if (pid == 0) ::_exit(testing::Unshare(static_cast<int>(flags)) == 0 ? 0 : errno);
  int status = WaitInChild(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class UtsNamespaceRules : public testing::NoLeaksTest {};

// LTP utsname04: without CAP_SYS_ADMIN and without a new user namespace, CLONE_NEWUTS is
// refused; the same process gets one through a new user namespace, and a privileged one
// directly.
TEST_F(UtsNamespaceRules, CreatingOneWithoutPrivilegeOrUserNamespaceIsRefused) {
  const bool root = ::geteuid() == 0;
  if (!root) NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, Mode::kUnprivileged);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(Spec{}, [&] {
    if (root) w.Value("privileged_unshare", UnshareInGrandchild(CLONE_NEWUTS));
    w.Value("drop", DropPrivilegeInChild());
    w.Value("euid", ::syscall(SYS_geteuid));
    w.Value("unshare", UnshareInGrandchild(CLONE_NEWUTS));
    long pid = ForkInChild(CLONE_NEWUTS);
    if (pid == 0) ::_exit(0);
    w.Result("clone", pid);
    if (pid > 0) WaitInChild(pid);
    w.Value("with_userns", UnshareInGrandchild(CLONE_NEWUSER | CLONE_NEWUTS));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["drop"], HasValue(Gt(0))) << "could not give up privilege";
  EXPECT_THAT(obs["unshare"], HasValue(EPERM));
  EXPECT_THAT(obs["clone"], FailedWith(EPERM));
  if (root) {
    EXPECT_THAT(obs["privileged_unshare"], HasValue(0)) << "before dropping privilege";
  } else {
    EXPECT_THAT(obs["with_userns"], HasValue(0)) << "through a new user namespace";
  }
}

}  // namespace
}  // namespace nsprobe
