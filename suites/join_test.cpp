// join: what nsenter does. Entering a launched process's namespaces (per-kind descriptors and
// one setns(pidfd, flags)), what setns refuses and why, and host tools run inside through the
// runtime's Tool agreeing with util-linux nsenter for the same target.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/tool.hpp"
#include "suites/support/child.hpp"
#include "suites/support/depends.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using testing::FailedWith;
using ::testing::Gt;
using testing::HasText;
using testing::HasValue;
using testing::Holder;
using ::testing::Lt;
using ::testing::MatchesRegex;
using ::testing::Ne;
using testing::Observations;
using testing::SpecFor;
using testing::Succeeded;

// A SysV key no host process uses: the holders create it only inside their IPC namespaces.
constexpr key_t kJoinKey = 0x6e737001;
constexpr int kHolderMtu = 1280;  // lo's MTU in the holder's network namespace (host: 65536)

// The probe's reason why one of `kinds` is unavailable in `mode`, or empty.
std::string UnavailableReason(KindSet kinds, Mode mode) {
  std::string why;
  kinds.ForEach([&](Kind k) {
    if (why.empty()) why = testing::UnavailableReason(k, mode);
  });
  return why;
}

// lo's MTU as the calling process's network namespace sees it, or -errno. Async-signal-safe.
long LoopbackMtu() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, "lo", 3);
  long r = ::ioctl(s, SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : -errno;
  ::close(s);
  return r;
}

std::vector<std::string> LinkPaths(KindSet kinds) {
  std::vector<std::string> paths;
  kinds.ForEach([&](Kind k) { paths.push_back(NsPath(0, k)); });
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Entering every namespace of a holder: by one setns(pidfd, flags) call or by one descriptor
// per kind. The joiner must see what the holder set up, none of which exists on the host.

struct EntryCase {
  Mode mode;
  bool by_fds;
};
void PrintTo(const EntryCase& c, std::ostream* os) {
  *os << ModeName(c.mode) << (c.by_fds ? ", one descriptor per kind" : ", one setns(pidfd)");
}

class JoinEntersTarget : public testing::NoLeaksTest,
                         public ::testing::WithParamInterface<EntryCase> {};

TEST_P(JoinEntersTarget, JoinerSeesTheTargetsHostnameIpcInterfacesMountsAndPids) {
  const Mode mode = GetParam().mode;
  KindSet all = KindSet::All();
  if (mode == Mode::kPrivileged) all.Remove(Kind::kUser);  // root, no user namespace
  if (std::string why = UnavailableReason(all, mode); !why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  const std::string marker = dir.Path() + "/marker";

  Spec holder_spec = SpecFor(mode, all);
  holder_spec.hostname = "nsprobe-joined";
  // The holder refuses to run this in one of our own namespaces (see Holder).
  Holder holder(holder_spec, [&] {
    if (::msgget(kJoinKey, IPC_CREAT | 0600) < 0) return 82;
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, "lo", 3);
    ifr.ifr_mtu = kHolderMtu;
    if (s < 0 || ::ioctl(s, SIOCSIFMTU, &ifr) != 0) return 83;
    ::close(s);
    if (::mount("nsprobe", dir.Path().c_str(), "tmpfs", 0, "size=64k") != 0) return 84;
    int fd = ::open(marker.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return 85;
    ::close(fd);
    return 0;
  });
  ASSERT_TRUE(holder.Ready());

  const KindSet kinds = holder_spec.kinds;
  const std::vector<std::string> links = LinkPaths(kinds);
  Spec joiner;
  joiner.join = JoinTarget{holder.Pid(), kinds, GetParam().by_fds};
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(joiner, [&] {
    utsname u{};
    ::uname(&u);
    w.Text("nodename", u.nodename);
    w.Result("msgget", ::msgget(kJoinKey, 0));
    w.Value("lo_mtu", LoopbackMtu());
    struct stat st {};
    w.Result("marker", ::stat(marker.c_str(), &st));
    w.Value("pid", ::syscall(SYS_getpid));
    w.Value("ppid", ::syscall(SYS_getppid));
    for (const std::string& l : links) w.Link(l.c_str(), l.c_str());
    return 0;
  });
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();

  EXPECT_THAT(obs["nodename"], HasText("nsprobe-joined"));
  EXPECT_THAT(obs["msgget"], Succeeded()) << "the holder's message queue is invisible";
  EXPECT_THAT(obs["lo_mtu"], HasValue(kHolderMtu));
  EXPECT_THAT(obs["marker"], Succeeded()) << "the holder's tmpfs is not mounted here";
  // The joiner was forked after setns(pid): a member, whose parent is outside (ppid 0).
  EXPECT_THAT(obs["ppid"], HasValue(0));
  EXPECT_THAT(obs["pid"], HasValue(Lt(holder.Pid()))) << "not a pid of the holder's namespace";
  kinds.ForEach([&](Kind k) {
    std::string path = NsPath(0, k);
    EXPECT_THAT(obs[path], HasText(ReadNsLink(holder.Pid(), k))) << path;
    EXPECT_THAT(obs[path], HasText(Ne(ReadNsLink(0, k)))) << path << " is still ours";
  });

  // Contrast: none of it is visible from here.
  utsname ours{};
  ::uname(&ours);
  EXPECT_STRNE(ours.nodename, "nsprobe-joined");
  errno = 0;
  EXPECT_EQ(::msgget(kJoinKey, 0), -1);
  EXPECT_EQ(errno, ENOENT) << "the host has key " << kJoinKey;
  EXPECT_NE(LoopbackMtu(), kHolderMtu);
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the holder's mount leaked to the host";
  EXPECT_EQ(holder.Release().code, 0);
}

INSTANTIATE_TEST_SUITE_P(Paths, JoinEntersTarget,
                         ::testing::Values(EntryCase{Mode::kPrivileged, false},
                                           EntryCase{Mode::kPrivileged, true},
                                           EntryCase{Mode::kUnprivileged, false},
                                           EntryCase{Mode::kUnprivileged, true}),
                         [](const auto& param_info) {
                           return std::string(ModeName(param_info.param.mode)) +
                                  (param_info.param.by_fds ? "_by_fds" : "_by_pidfd");
                         });

// ---------------------------------------------------------------------------------------------
// setns(pidfd, flags) is atomic: it enters all or nothing.

class SetnsByPidfd : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, GetParam());
    Spec spec = SpecFor(GetParam(), KindSet{Kind::kUts});
    spec.hostname = "nsprobe-pidfd";
    flags_ = static_cast<int>(spec.kinds.CloneFlags());
    holder_.emplace(spec);
    ASSERT_TRUE(holder_->Ready());
    ASSERT_FALSE(testing::SharesNamespace(holder_->Pid(), Kind::kUts));
    // Our own reference: it outlives the reaping, which closes the Child's.
    pidfd_.Reset(::fcntl(holder_->child().PidFd(), F_DUPFD_CLOEXEC, 3));
    ASSERT_TRUE(pidfd_.Valid());
  }
  void TearDown() override {
    holder_.reset();
    pidfd_.Reset();
    NoLeaksTest::TearDown();
  }

  // A plain child calls setns(holder's pidfd, flags) for each of `tries`, then reports its uts
  // namespace and hostname: "rc0".."rcN" and "uts", "nodename".
  Observations TrySetns(const std::vector<int>& tries) {
    Observations obs;
    auto w = obs.Writer();
    const int pidfd = pidfd_.Get();
    Child c = testing::Launch(Spec{}, [&] {
      char key[] = "rc0";
      for (int flags : tries) {
        w.Result(key, ::setns(pidfd, flags));
        ++key[2];
      }
      utsname u{};
      ::uname(&u);
      w.Text("nodename", u.nodename);
      w.Link("uts", "/proc/self/ns/uts");
      return 0;
    });
    EXPECT_TRUE(c.Wait(std::chrono::seconds(10)).Success());
    obs.Collect();
    return obs;
  }

  int flags_ = 0;
  std::optional<Holder> holder_;
  UniqueFd pidfd_;
};

TEST_P(SetnsByPidfd, FlagsZeroOrUnknownGiveEinvalAndChangeNothing) {
  // setns(2): with a pidfd, nstype 0 or bits that name no namespace are EINVAL; the selftest
  // pidfd_setns_test.c also tries CLONE_VM alone and with a namespace flag.
  Observations obs = TrySetns({0, CLONE_VM, flags_ | CLONE_VM, -1});
  for (const char* key : {"rc0", "rc1", "rc2", "rc3"}) {
    EXPECT_EQ(obs.Value(key), -1) << key;
    EXPECT_THAT(obs[key], FailedWith(EINVAL)) << key;
  }
  EXPECT_THAT(obs["uts"], HasText(ReadNsLink(0, Kind::kUts))) << "a refused setns moved the caller";
  EXPECT_THAT(obs["nodename"], HasText(Ne("nsprobe-pidfd")));
  // Contrast: the same pidfd with the right flags enters.
  Observations ok = TrySetns({flags_});
  EXPECT_THAT(ok["rc0"], HasValue(0));
  EXPECT_THAT(ok["nodename"], HasText("nsprobe-pidfd"));
}

TEST_P(SetnsByPidfd, ExitedOrZombieTargetGivesEsrchAndChangesNothing) {
  Observations alive = TrySetns({flags_});
  ASSERT_THAT(alive["rc0"], HasValue(0)) << "contrast: a living target can be entered";
  holder_->LetEnd();
  // The pidfd turns readable when the process exits; it stays a zombie until we reap it.
  pollfd p{holder_->child().PidFd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1) << "the holder did not exit";
  Observations zombie = TrySetns({flags_});
  EXPECT_EQ(zombie.Value("rc0"), -1);
  EXPECT_THAT(zombie["rc0"], FailedWith(ESRCH));
  EXPECT_THAT(zombie["uts"], HasText(ReadNsLink(0, Kind::kUts))) << "partially entered a zombie";
  holder_->child().Wait();
  Observations reaped = TrySetns({flags_});
  EXPECT_THAT(reaped["rc0"], FailedWith(ESRCH));
  EXPECT_THAT(reaped["uts"], HasText(ReadNsLink(0, Kind::kUts)));
}

INSTANTIATE_TEST_SUITE_P(Modes, SetnsByPidfd, testing::kBothModes, testing::ModeParamName);

// ---------------------------------------------------------------------------------------------
// Entering user namespaces: own, sibling, multithreaded (setns(2), user_namespaces(7)).

class SetnsUser : public testing::NoLeaksTest {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kUnprivileged);
    holder_.emplace(SpecFor(Mode::kUnprivileged, KindSet{Kind::kUts}));
    ASSERT_TRUE(holder_->Ready());
    ASSERT_FALSE(testing::SharesNamespace(holder_->Pid(), Kind::kUser));
    user_fd_ = OpenOrThrow(NsPath(holder_->Pid(), Kind::kUser).c_str(), O_RDONLY);
    uts_fd_ = OpenOrThrow(NsPath(holder_->Pid(), Kind::kUts).c_str(), O_RDONLY);
  }
  void TearDown() override {
    holder_.reset();
    user_fd_.Reset();
    uts_fd_.Reset();
    NoLeaksTest::TearDown();
  }
  std::optional<Holder> holder_;
  UniqueFd user_fd_, uts_fd_;
};

TEST_F(SetnsUser, EnteringYourOwnUserNamespaceGivesEinval) {
  Observations obs;
  auto w = obs.Writer();
  const int fd = user_fd_.Get();
  Child c = testing::Launch(Spec{}, [&] {
    w.Result("first", ::setns(fd, CLONE_NEWUSER));
    w.Link("user", "/proc/self/ns/user");
    w.Result("again", ::setns(fd, CLONE_NEWUSER));
    return 0;
  });
  ASSERT_TRUE(c.Wait(std::chrono::seconds(10)).Success());
  obs.Collect();
  EXPECT_THAT(obs["first"], HasValue(0));
  EXPECT_THAT(obs["user"], HasText(ReadNsLink(holder_->Pid(), Kind::kUser)));
  EXPECT_THAT(obs["again"], FailedWith(EINVAL)) << "entering the user namespace we are in";
}

TEST_F(SetnsUser, MultithreadedCallerGetsEinval) {
  Observations obs;
  auto w = obs.Writer();
  const int fd = user_fd_.Get();
  Child c = testing::Launch(Spec{}, [&] {
    // Contrast first: a single-threaded copy of this process enters.
    long pid = testing::ForkInChild();
    if (pid == 0) ::_exit(::setns(fd, CLONE_NEWUSER) == 0 ? 0 : errno);
    w.Value("single_status", testing::WaitInChild(pid));
    // A second thread, not sharing fs (which would be EINVAL for its own reason).
    alignas(16) static char stack[64 * 1024];
    long tid = ::clone(
        [](void*) -> int {
          for (;;) ::pause();
        },
        stack + sizeof stack, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, nullptr);
    w.Result("thread", tid);
    w.Result("setns", ::setns(fd, CLONE_NEWUSER));
    w.Link("user", "/proc/self/ns/user");
    ::_exit(0);  // exit_group: the thread never returns
    return 0;
  });
  ASSERT_TRUE(c.Wait(std::chrono::seconds(10)).Success());
  obs.Collect();
  EXPECT_THAT(obs["single_status"], HasValue(0)) << "single-threaded setns failed";
  ASSERT_THAT(obs["thread"], HasValue(Gt(0)));
  EXPECT_THAT(obs["setns"], FailedWith(EINVAL));
  EXPECT_THAT(obs["user"], HasText(ReadNsLink(0, Kind::kUser))) << "moved despite the refusal";
}

TEST_F(SetnsUser, SiblingUserNamespaceWithoutCapabilitiesGivesEperm) {
  Observations obs;
  auto w = obs.Writer();
  const int user_fd = user_fd_.Get(), uts_fd = uts_fd_.Get();
  // The caller is root in a user namespace of its own, a sibling of the holder's: its
  // capabilities cover neither the holder's user namespace nor what that owns.
  Child sibling = testing::Launch(SpecFor(Mode::kUnprivileged, {}), [&] {
    w.Link("user", "/proc/self/ns/user");
    w.Result("user_setns", ::setns(user_fd, CLONE_NEWUSER));
    w.Result("uts_setns", ::setns(uts_fd, CLONE_NEWUTS));
    return 0;
  });
  ASSERT_TRUE(sibling.Wait(std::chrono::seconds(10)).Success());
  obs.Collect();
  EXPECT_THAT(obs["user"], HasText(Ne(ReadNsLink(0, Kind::kUser))))
      << "the caller has no user namespace";
  EXPECT_THAT(obs["user"], HasText(Ne(ReadNsLink(holder_->Pid(), Kind::kUser))));
  EXPECT_THAT(obs["user_setns"], FailedWith(EPERM));
  EXPECT_THAT(obs["uts_setns"], FailedWith(EPERM));
  // Contrast: from the parent user namespace (owner or root there) both enter.
  Observations parent;
  auto pw = parent.Writer();
  Child c = testing::Launch(Spec{}, [&] {
    pw.Result("user_setns", ::setns(user_fd, CLONE_NEWUSER));
    pw.Result("uts_setns", ::setns(uts_fd, CLONE_NEWUTS));
    return 0;
  });
  ASSERT_TRUE(c.Wait(std::chrono::seconds(10)).Success());
  parent.Collect();
  EXPECT_THAT(parent["user_setns"], HasValue(0));
  EXPECT_THAT(parent["uts_setns"], HasValue(0));
}

// ---------------------------------------------------------------------------------------------
// setns to an ancestor pid namespace is EINVAL; to the caller's own it is allowed (setns(2)).

class SetnsPid : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {};

TEST_P(SetnsPid, AncestorPidNamespaceGivesEinval) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, mode);
  UniqueFd host_pid = OpenOrThrow("/proc/self/ns/pid", O_RDONLY);
  const int host_fd = host_pid.Get();
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(SpecFor(mode, KindSet{Kind::kPid}), [&] {
    w.Link("p1", "/proc/self/ns/pid");
    w.Result("host", ::setns(host_fd, CLONE_NEWPID));
    int p1 = ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    // One level further down: the launched namespace becomes an ancestor the grandchild owns
    // capabilities over in both modes, so only the ancestry rule can refuse it.
    w.Result("unshare", testing::Unshare(CLONE_NEWPID));
    long pid = testing::ForkInChild();
    if (pid == 0) {
      w.Link("p2", "/proc/self/ns/pid");
      w.Result("ancestor", ::setns(p1, CLONE_NEWPID));
      int own = ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
      w.Result("own", ::setns(own, CLONE_NEWPID));
      ::_exit(0);
    }
    w.Value("status", testing::WaitInChild(pid));
    return 0;
  });
  ASSERT_TRUE(c.Wait(std::chrono::seconds(10)).Success());
  obs.Collect();
  EXPECT_THAT(obs["p1"], HasText(Ne(ReadNsLink(0, Kind::kPid)))) << "not in a new pid namespace";
  ASSERT_THAT(obs["unshare"], HasValue(0));
  EXPECT_THAT(obs["p2"], HasText(Ne(obs.Text("p1"))));
  EXPECT_THAT(obs["ancestor"], FailedWith(EINVAL));
  EXPECT_THAT(obs["own"], HasValue(0));
  // Our pid namespace is an ancestor too. With CAP_SYS_ADMIN over it (privileged, and we are
  // in the user namespace owning it) only ancestry refuses it; otherwise the capability check
  // comes first (pidns_install) and says EPERM.
  // NS_GET_USERNS is EPERM when the owner lies above our own user namespace (unshare -Ur).
  NsFdAnswer owner = NsGetUserns(host_fd);
  ASSERT_TRUE(owner.Ok() || owner.err == EPERM) << ::strerrorname_np(owner.err);
  const bool capable = mode == Mode::kPrivileged && owner.Ok() &&
                       IdentityOfFd(owner.fd.Get(), Kind::kUser) == *IdentityOf(0, Kind::kUser);
  EXPECT_THAT(obs["host"], FailedWith(capable ? EINVAL : EPERM));
}

INSTANTIATE_TEST_SUITE_P(Modes, SetnsPid, testing::kBothModes, testing::ModeParamName);

// ---------------------------------------------------------------------------------------------
// Host tools run through the runtime's Tool see what util-linux nsenter sees, and not the host.

struct ToolCase {
  Kind kind;
  std::vector<std::string> argv;
  std::vector<std::string> nsenter_flags;  // the nsenter options for the kind
  const char* expect;                      // a regex the output matches inside the target
};
void PrintTo(const ToolCase& c, std::ostream* os) {
  *os << Name(c.kind) << ":";
  for (const std::string& arg : c.argv) *os << " " << arg;
}

class ToolAgreesWithNsenter : public testing::NoLeaksTest,
                              public ::testing::WithParamInterface<std::tuple<ToolCase, Mode>> {};

// ps lists itself with a pid that differs between runs: drop that line.
std::string WithoutPsLine(const std::string& out) {
  std::string kept, line;
  for (char ch : out) {
    line += ch;
    if (ch != '\n') continue;
    if (line.find(" ps\n") == std::string::npos) kept += line;
    line.clear();
  }
  return kept + line;
}

TEST_P(ToolAgreesWithNsenter, SameOutputAsNsenterAndNotTheHosts) {
  const ToolCase& tc = std::get<0>(GetParam());
  const Mode mode = std::get<1>(GetParam());
  testing::DependsOnKinds(KindSet{tc.kind});
  NSPROBE_SKIP_UNLESS_AVAILABLE(tc.kind, mode);
  if (tc.kind == Kind::kPid) NSPROBE_SKIP_UNLESS_FRESH_PROC(mode);
  KindSet kinds{tc.kind};
  if (tc.kind == Kind::kPid) kinds.Add(Kind::kMnt);  // ps reads the /proc of the target
  Spec spec = SpecFor(mode, kinds);
  if (tc.kind == Kind::kUts) spec.hostname = "nsprobe-tool";
  if (tc.kind == Kind::kPid) spec.mount_proc = true;
  Holder holder(spec, [&] {
    if (tc.kind != Kind::kIpc) return 0;
    return ::msgget(kJoinKey, IPC_CREAT | 0600) < 0 ? 82 : 0;
  });
  ASSERT_TRUE(holder.Ready());

  ToolResult tool = RunTool(holder.Pid(), spec.kinds, tc.argv);
  std::vector<std::string> nsenter = {"nsenter", "-t", std::to_string(holder.Pid())};
  // Keep our ids: nsenter's default setgroups() is refused where setgroups is denied.
  if (spec.kinds.Has(Kind::kUser)) nsenter.insert(nsenter.end(), {"-U", "--preserve-credentials"});
  nsenter.insert(nsenter.end(), tc.nsenter_flags.begin(), tc.nsenter_flags.end());
  nsenter.push_back("--");
  nsenter.insert(nsenter.end(), tc.argv.begin(), tc.argv.end());
  ToolResult reference = RunTool(0, {}, nsenter);
  ToolResult host = RunTool(0, {}, tc.argv);

  ASSERT_EQ(tool.exit_code, 0) << tool.Describe();
  ASSERT_EQ(reference.exit_code, 0) << reference.Describe();
  EXPECT_THAT(tool.out, MatchesRegex(tc.expect)) << tool.Describe();
  EXPECT_EQ(WithoutPsLine(tool.out), WithoutPsLine(reference.out))
      << "Tool: " << tool.Describe() << "\nnsenter: " << reference.Describe();
  EXPECT_NE(WithoutPsLine(tool.out), WithoutPsLine(host.out)) << "the tool saw the host";
}

INSTANTIATE_TEST_SUITE_P(
    Tools, ToolAgreesWithNsenter,
    ::testing::Combine(
        ::testing::Values(
            ToolCase{Kind::kUts, {"hostname"}, {"-u"}, "nsprobe-tool\n"},
            ToolCase{Kind::kIpc, {"ipcs", "-q"}, {"-i"}, "(.|\n)*0x6e737001 (.|\n)*"},
            ToolCase{Kind::kNet, {"ip", "-o", "link"}, {"-n"}, "1: lo: <LOOPBACK> [^\n]*\n"},
            ToolCase{Kind::kPid,
                     {"ps", "-e", "-o", "pid=,comm="},
                     {"-p", "-m"},
                     " *1 [^\n]+\n *[0-9]+ ps\n"}),
        testing::kBothModes),
    [](const auto& param_info) {
      return std::string(Name(std::get<0>(param_info.param).kind)) + "_" +
             std::string(ModeName(std::get<1>(param_info.param)));
    });

}  // namespace
}  // namespace nsprobe
