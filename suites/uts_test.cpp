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
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_suite.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe {
namespace {

using testing::EntryKinds;
using testing::ForkInChild;
using testing::Handshake;
using testing::NsInodeInChild;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
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

ino_t OurUtsInode() { return IdentityOf(0, Kind::kUts).value().ino; }

// Async-signal-safe.
void RecordNamesInChild(const ObservationWriter& w, const char* host_key, const char* domain_key) {
  utsname u{};
  ::uname(&u);
  w.Text(host_key, u.nodename);
  w.Text(domain_key, u.domainname);
}

// Renames only a namespace that is not `avoid` (the test's own), so that a runtime that
// failed to create one never renames the host: the refusal is recorded and the case fails.
// Returns false when refused or when the kernel said no. Async-signal-safe.
bool SetNamesInChild(const ObservationWriter& w, ino_t avoid, const char* host,
                     const char* domain) {
  if (NsInodeInChild(kSelfUts) == avoid) {
    w.Value("refused_shared_uts", 1);
    return false;
  }
  long h = ::sethostname(host, std::strlen(host));
  w.Result("sethostname", h, errno);
  long d = ::setdomainname(domain, std::strlen(domain));
  w.Result("setdomainname", d, errno);
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
  const ino_t our_ns = OurUtsInode();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child child = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    SetNamesInChild(w, our_ns, "nsprobe-uts-inside", "inside.nsprobe");
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
  ASSERT_EQ(obs.Err("sethostname"), 0) << obs.Dump();
  ASSERT_EQ(obs.Err("setdomainname"), 0) << obs.Dump();
  EXPECT_EQ(obs.Text("host"), "nsprobe-uts-inside") << obs.Dump();
  EXPECT_EQ(obs.Text("domain"), "inside.nsprobe") << obs.Dump();
  EXPECT_EQ(during.host, ours.host) << "the child's sethostname reached the parent";
  EXPECT_EQ(during.domain, ours.domain) << "the child's setdomainname reached the parent";
  EXPECT_EQ(inside.out, "nsprobe-uts-inside\n") << inside.Describe();
  EXPECT_EQ(outside.out, ours.host + "\n") << outside.Describe();
}

TEST_P(UtsNamespace, HostnameChangeInvisibleToSiblings) {
  const Names ours = OurNames();
  const ino_t our_ns = OurUtsInode();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs_a;
  Child a = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    SetNamesInChild(w, our_ns, "nsprobe-sibling-a", "a.nsprobe");
    hs_a.Ready();
    hs_a.AwaitGo();
    RecordNamesInChild(w, "a_host_after_b", "a_domain_after_b");
    return 0;
  });
  ASSERT_TRUE(hs_a.AwaitReady());
  // B: a sibling with its own namespace sees the parent's names, not A's, and renames itself.
  Child b = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    RecordNamesInChild(w, "b_host_before", "b_domain_before");
    if (NsInodeInChild(kSelfUts) == our_ns) return 3;
    NSPROBE_RECORD(w, "b_sethostname", ::sethostname("nsprobe-sibling-b", 17));
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
  ASSERT_TRUE(a_status.Success()) << a_status.Describe() << "; " << obs.Dump();
  ASSERT_TRUE(b_status.Success()) << b_status.Describe() << "; " << obs.Dump();
  ASSERT_TRUE(c_status.Success()) << c_status.Describe() << "; " << obs.Dump();
  ASSERT_EQ(obs.Err("sethostname"), 0) << obs.Dump();
  ASSERT_EQ(obs.Err("b_sethostname"), 0) << obs.Dump();
  EXPECT_EQ(obs.Text("b_host_before"), ours.host) << "B saw A's name: " << obs.Dump();
  EXPECT_EQ(obs.Text("b_domain_before"), ours.domain) << obs.Dump();
  EXPECT_EQ(obs.Text("a_host_after_b"), "nsprobe-sibling-a") << "B's name reached A";
  EXPECT_EQ(obs.Text("c_host"), "nsprobe-sibling-a") << "setns into A's namespace: " << obs.Dump();
  EXPECT_EQ(obs.Text("c_domain"), "a.nsprobe") << obs.Dump();
  EXPECT_EQ(OurNames().host, ours.host);
}

TEST_P(UtsNamespace, UnshareCopiesTheCallersNamesAndKeepsChangesInside) {
  const ino_t our_ns = OurUtsInode();
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    if (!SetNamesInChild(w, our_ns, "nsprobe-outer", "outer.nsprobe")) return 3;
    w.Link("outer_ns", kSelfUts);
    const ino_t outer = NsInodeInChild(kSelfUts);
    long pid = ForkInChild();
    if (pid == 0) {
      NSPROBE_RECORD(w, "unshare", testing::Unshare(CLONE_NEWUTS));
      w.Link("inner_ns", kSelfUts);
      RecordNamesInChild(w, "copied_host", "copied_domain");
      if (NsInodeInChild(kSelfUts) == outer) ::_exit(4);
      NSPROBE_RECORD(w, "inner_sethostname", ::sethostname("nsprobe-inner", 13));
      RecordNamesInChild(w, "inner_host", "inner_domain");
      ::_exit(0);
    }
    w.Value("inner_status", WaitInChild(pid));
    RecordNamesInChild(w, "outer_host_after", "outer_domain_after");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_EQ(obs.Value("inner_status"), 0) << obs.Dump();
  ASSERT_EQ(obs.Err("unshare"), 0) << obs.Dump();
  EXPECT_NE(obs.Text("outer_ns"), ReadNsLink(0, Kind::kUts));
  EXPECT_NE(obs.Text("inner_ns"), obs.Text("outer_ns")) << "unshare did not move the caller";
  // The new namespace starts as a copy of the caller's, not of the host's or a default.
  EXPECT_EQ(obs.Text("copied_host"), "nsprobe-outer") << obs.Dump();
  EXPECT_EQ(obs.Text("copied_domain"), "outer.nsprobe") << obs.Dump();
  EXPECT_EQ(obs.Text("inner_host"), "nsprobe-inner") << obs.Dump();
  EXPECT_EQ(obs.Text("outer_host_after"), "nsprobe-outer") << "the inner rename leaked out";
  EXPECT_EQ(obs.Text("outer_domain_after"), "outer.nsprobe");
}

TEST_P(UtsNamespace, SetnsBackShowsTheParentsNames) {
  const ino_t our_ns = OurUtsInode();
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    if (!SetNamesInChild(w, our_ns, "nsprobe-outer", "outer.nsprobe")) return 3;
    w.Link("outer_ns", kSelfUts);
    int outer_fd = ::open(kSelfUts, O_RDONLY | O_CLOEXEC);
    long pid = ForkInChild();
    if (pid == 0) {
      NSPROBE_RECORD(w, "unshare", testing::Unshare(CLONE_NEWUTS));
      NSPROBE_RECORD(w, "inner_sethostname", ::sethostname("nsprobe-inner", 13));
      RecordNamesInChild(w, "inner_host", "inner_domain");
      NSPROBE_RECORD(w, "setns", ::setns(outer_fd, CLONE_NEWUTS));
      w.Link("back_ns", kSelfUts);
      RecordNamesInChild(w, "back_host", "back_domain");
      ::_exit(0);
    }
    w.Value("inner_status", WaitInChild(pid));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_EQ(obs.Err("unshare"), 0) << obs.Dump();
  ASSERT_EQ(obs.Err("inner_sethostname"), 0) << obs.Dump();
  EXPECT_NE(obs.Text("outer_ns"), ReadNsLink(0, Kind::kUts));
  EXPECT_EQ(obs.Text("inner_host"), "nsprobe-inner") << obs.Dump();
  EXPECT_EQ(obs.Err("setns"), 0) << obs.Dump();
  EXPECT_EQ(obs.Text("back_ns"), obs.Text("outer_ns")) << obs.Dump();
  EXPECT_EQ(obs.Text("back_host"), "nsprobe-outer") << obs.Dump();
  EXPECT_EQ(obs.Text("back_domain"), "outer.nsprobe") << obs.Dump();
}

// Entering the test's own namespace needs CAP_SYS_ADMIN over it: root on the host has it, a
// user-namespace root does not (its capabilities cover only what its user namespace owns),
// which is also the privileged mode's case when the test itself runs inside `unshare -Ur`.
TEST_P(UtsNamespace, SetnsIntoTheParentsNamespaceNeedsPrivilegeOverIt) {
  const Names ours = OurNames();
  const ino_t our_ns = OurUtsInode();
  UniqueFd host_ns = OpenOrThrow(kSelfUts, O_RDONLY);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    if (!SetNamesInChild(w, our_ns, "nsprobe-away", "away.nsprobe")) return 3;
    NSPROBE_RECORD(w, "setns", ::setns(host_ns.Get(), CLONE_NEWUTS));
    w.Link("ns_after", kSelfUts);
    RecordNamesInChild(w, "host_after", "domain_after");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  if (mode() == Mode::kPrivileged && testing::AdministersOwnNamespace(Kind::kUts)) {
    EXPECT_EQ(obs.Value("setns"), 0) << obs.Dump();
    EXPECT_EQ(obs.Text("ns_after"), ReadNsLink(0, Kind::kUts));
    EXPECT_EQ(obs.Text("host_after"), ours.host) << obs.Dump();
    EXPECT_EQ(obs.Text("domain_after"), ours.domain) << obs.Dump();
  } else {
    EXPECT_EQ(obs.Err("setns"), EPERM) << obs.Dump();
    EXPECT_NE(obs.Text("ns_after"), ReadNsLink(0, Kind::kUts));
    EXPECT_EQ(obs.Text("host_after"), "nsprobe-away") << obs.Dump();
  }
}

TEST_P(UtsNamespace, NamesOf64BytesFitAnd65AreRefused) {
  const Names ours = OurNames();
  const ino_t our_ns = OurUtsInode();
  const std::string fits(kMaxHostnameBytes, 'n');
  const std::string too_long(kMaxHostnameBytes + 1, 'n');
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    if (NsInodeInChild(kSelfUts) == our_ns) return 3;
    NSPROBE_RECORD(w, "host_64", ::sethostname(fits.data(), fits.size()));
    NSPROBE_RECORD(w, "host_65", ::sethostname(too_long.data(), too_long.size()));
    NSPROBE_RECORD(w, "domain_64", ::setdomainname(fits.data(), fits.size()));
    NSPROBE_RECORD(w, "domain_65", ::setdomainname(too_long.data(), too_long.size()));
    RecordNamesInChild(w, "host", "domain");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  EXPECT_EQ(obs.Value("host_64"), 0) << obs.Dump();
  EXPECT_EQ(obs.Err("host_65"), EINVAL) << obs.Dump();
  EXPECT_EQ(obs.Value("domain_64"), 0) << obs.Dump();
  EXPECT_EQ(obs.Err("domain_65"), EINVAL) << obs.Dump();
  // The refused 65-byte names left the 64-byte ones in place.
  EXPECT_EQ(obs.Text("host"), fits);
  EXPECT_EQ(obs.Text("domain"), fits);
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
  NSPROBE_RECORD(*a->w, "thread_unshare", testing::Unshare(CLONE_NEWUTS));
  NSPROBE_RECORD(*a->w, "thread_sethostname", ::sethostname("nsprobe-thread", 14));
  RecordNamesInChild(*a->w, "thread_host", "thread_domain");
  a->w->Link("thread_ns", "/proc/thread-self/ns/uts");
  char c = 'd';
  (void)::write(a->done_fd, &c, 1);
  ::syscall(SYS_exit, 0);  // this thread only
  return 0;
}

TEST_P(UtsNamespace, UnshareInOneThreadLeavesTheOtherThreads) {
  const ino_t our_ns = OurUtsInode();
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kUts}), [&] {
    if (!SetNamesInChild(w, our_ns, "nsprobe-main", "main.nsprobe")) return 3;
    int done[2];
    if (::pipe2(done, O_CLOEXEC) != 0) return 4;
    alignas(16) static char stack[64 * 1024];
    ThreadArgs args{&w, done[1]};
    int tid = ::clone(
        UnshareInThread, stack + sizeof stack,
        CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, &args);
    w.Result("clone_thread", tid, errno);
    char c;
    if (tid < 0 || ::read(done[0], &c, 1) != 1) return 5;
    RecordNamesInChild(w, "main_host", "main_domain");
    w.Link("main_ns", "/proc/thread-self/ns/uts");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_EQ(obs.Err("thread_unshare"), 0) << obs.Dump();
  EXPECT_EQ(obs.Text("thread_host"), "nsprobe-thread") << obs.Dump();
  EXPECT_EQ(obs.Text("main_host"), "nsprobe-main") << "the thread's rename reached its process";
  EXPECT_NE(obs.Text("thread_ns"), obs.Text("main_ns")) << obs.Dump();
  EXPECT_NE(obs.Text("main_ns"), ReadNsLink(0, Kind::kUts));
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
    w.Result("clone", pid, errno);
    if (pid > 0) WaitInChild(pid);
    w.Value("with_userns", UnshareInGrandchild(CLONE_NEWUSER | CLONE_NEWUTS));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_GT(obs.Value("drop"), 0) << "could not give up privilege: " << obs.Dump();
  EXPECT_EQ(obs.Value("unshare"), EPERM) << obs.Dump();
  EXPECT_EQ(obs.Err("clone"), EPERM) << obs.Dump();
  if (root) {
    EXPECT_EQ(obs.Value("privileged_unshare"), 0) << "before dropping privilege: " << obs.Dump();
  } else {
    EXPECT_EQ(obs.Value("with_userns"), 0) << "through a new user namespace: " << obs.Dump();
  }
}

}  // namespace
}  // namespace nsprobe
