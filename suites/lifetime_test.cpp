// lifetime: a namespace lives while anything refers to it — a process, a descriptor, a bind
// mount of its /proc/PID/ns entry (ip netns add), an mqueue mount (ipc), a namespace it owns
// (user) — and is released when the last reference goes. Releases are observed through nsfs
// file handles (Linux 6.18), which reopen a namespace only while it exists. What lived in a
// namespace (IPC objects, a veth pair) goes with it, asynchronously: the cases report how long.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mqueue.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/tool.hpp"
#include "suites/support/child.hpp"
#include "suites/support/depends.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
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
using testing::Observations;
using testing::SpecFor;
using testing::Succeeded;
using namespace std::chrono_literals;

// open_by_handle_at(2) resolves nsfs handles against this pseudo-descriptor (Linux 6.18,
// include/uapi/linux/fcntl.h; Debian 12's headers predate it).
constexpr int kFdNsfsRoot = -10003;
constexpr auto kTeardownLimit = 10s;

// Teardown times go to the test's XML properties and to stdout, for the closing note.
void ReportDuration(const char* what, std::chrono::microseconds took) {
  ::testing::Test::RecordProperty(what, std::to_string(took.count()));
  std::printf("[ teardown ] %s: %.3f ms\n", what, static_cast<double>(took.count()) / 1000.0);
}

// An nsfs file handle: names one namespace by its id, and reopens it only while it exists.
class NsHandle {
 public:
  // errno of name_to_handle_at when this kernel cannot make one (before 6.18: EOPNOTSUPP).
  int err = 0;

  explicit NsHandle(int ns_fd) {
    buf_.fh.handle_bytes = sizeof buf_.bytes;
    int mount_id = 0;
    if (::name_to_handle_at(ns_fd, "", &buf_.fh, &mount_id, AT_EMPTY_PATH) != 0) err = errno;
  }
  // The reopened namespace, or an invalid fd with errno set.
  UniqueFd Open() const {
    return UniqueFd(
        ::open_by_handle_at(kFdNsfsRoot, const_cast<file_handle*>(&buf_.fh), O_RDONLY | O_CLOEXEC));
  }
  bool Alive() const { return Open().Valid(); }
  // Waits (bounded) until the handle no longer reopens: ESTALE/ENOENT once released.
  std::optional<std::chrono::microseconds> WaitReleased() const {
    return testing::PollFor(kTeardownLimit, [&] {
      UniqueFd fd = Open();
      return !fd && (errno == ESTALE || errno == ENOENT);
    });
  }

 private:
  struct {
    file_handle fh;
    unsigned char bytes[64];
  } buf_{};
};

// Skips with the kernel's own answer when nsfs file handles are missing (before 6.18).
#define SKIP_UNLESS_HANDLE(handle)                                                          \
  do {                                                                                      \
    if ((handle).err != 0)                                                                  \
      GTEST_SKIP() << "unsupported: nsfs file handles need Linux 6.18 (name_to_handle_at: " \
                   << ::strerrorname_np((handle).err) << ")";                               \
  } while (0)

std::string LinkOfFd(int fd) {
  char buf[128];
  ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

// The user namespace that owns the namespace behind `ns_fd`, when it is not ours: a joiner
// must enter it first to hold capabilities over what it owns (the unprivileged case).
UniqueFd OwnerToEnter(int ns_fd) {
  NsFdAnswer owner = NsGetUserns(ns_fd);
  if (!owner.Ok()) return {};
  if (IdentityOfFd(owner.fd.Get(), Kind::kUser) == *IdentityOf(0, Kind::kUser)) return {};
  return std::move(owner.fd);
}

// A plain child enters the owner user namespace (when given), then `ns_fd`, and reports the
// namespace it is in ("link"), its hostname, and whether it can fork there ("fork").
Observations EnterThrough(int user_fd, int ns_fd, Kind kind) {
  Observations obs;
  auto w = obs.Writer();
  // setns(pid) moves only the caller's future children.
  const std::string path = NsPath(0, kind, kind == Kind::kPid ? "pid_for_children" : nullptr);
  const int nstype = static_cast<int>(CloneFlag(kind));
  Child c = testing::Launch(Spec{}, [&] {
    if (user_fd >= 0) w.Result("enter_user", ::setns(user_fd, CLONE_NEWUSER));
    w.Result("setns", ::setns(ns_fd, nstype));
    w.Link("link", path.c_str());
    utsname u{};
    ::uname(&u);
    w.Text("nodename", u.nodename);
    long pid = testing::ForkInChild();
    if (pid == 0) ::_exit(0);
    w.Result("fork", pid);
    if (pid > 0) testing::WaitInChild(pid);
    return 0;
  });
  EXPECT_TRUE(c.Wait(10s).Success());
  obs.Collect();
  return obs;
}

// ---------------------------------------------------------------------------------------------
// A descriptor keeps a namespace after its last process, usable; closing it releases it.

class HeldByDescriptor : public testing::NoLeaksTest,
                         public ::testing::WithParamInterface<std::tuple<Kind, Mode>> {};

TEST_P(HeldByDescriptor, OutlivesItsLastProcessAndGoesWithTheDescriptor) {
  const auto [kind, mode] = GetParam();
  testing::DependsOnKinds(KindSet{kind});
  NSPROBE_SKIP_UNLESS_AVAILABLE(kind, mode);
  Spec spec = SpecFor(mode, KindSet{kind});
  if (kind == Kind::kUts) spec.hostname = "nsprobe-kept";
  Holder holder(spec);
  ASSERT_TRUE(holder.Ready());
  ASSERT_FALSE(testing::SharesNamespace(holder.Pid(), kind)) << "no new " << Name(kind);
  UniqueFd fd = OpenOrThrow(NsPath(holder.Pid(), kind).c_str(), O_RDONLY);
  const std::string link = ReadNsLink(holder.Pid(), kind);
  const NsAnswer id = NsGetId(fd.Get());
  NsHandle handle(fd.Get());
  ASSERT_TRUE(holder.Release().Success());

  // No process is left in it; the descriptor still names the same namespace.
  EXPECT_EQ(LinkOfFd(fd.Get()), link);
  if (!id.unsupported) {
    ASSERT_TRUE(id.Ok()) << ::strerrorname_np(id.err);
    EXPECT_EQ(NsGetId(fd.Get()).value, id.value) << "NS_GET_ID changed";
  }
  if (handle.err == 0) {
    EXPECT_TRUE(handle.Alive()) << "released while a descriptor holds it";
  }

  UniqueFd owner = OwnerToEnter(fd.Get());
  Observations obs = EnterThrough(owner.Get(), fd.Get(), kind);
  ASSERT_THAT(obs["setns"], HasValue(0));
  EXPECT_THAT(obs["link"], HasText(link));
  if (kind == Kind::kUts) {
    EXPECT_THAT(obs["nodename"], HasText("nsprobe-kept"));
  }
  // A pid namespace whose init has exited is kept but takes no new members
  // (pid_namespaces(7)): setns works, the fork that would enter it is ENOMEM.
  if (kind == Kind::kPid) {
    EXPECT_THAT(obs["fork"], FailedWith(ENOMEM));
  } else {
    EXPECT_THAT(obs["fork"], HasValue(Gt(0)));
  }

  owner.Reset();
  fd.Reset();
  SKIP_UNLESS_HANDLE(handle);
  auto took = handle.WaitReleased();
  ASSERT_TRUE(took) << link << " still reopens " << kTeardownLimit.count()
                    << " s after its last descriptor closed";
  ReportDuration((std::string(Name(kind)) + "_release_after_last_fd").c_str(), *took);
}

INSTANTIATE_TEST_SUITE_P(Kinds, HeldByDescriptor, testing::kEveryKindBothModes,
                         testing::KindModeParamName);

class Lifetime : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {};

// ---------------------------------------------------------------------------------------------
// What `ip netns add` relies on: a bind mount of /proc/PID/ns/net keeps the namespace.

TEST_P(Lifetime, BindMountOfTheNsEntryKeepsANetworkNamespace) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, mode);
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode);
  testing::TempDir dir;
  const std::string file = dir.Path() + "/netns";
  std::ofstream(file).put('\n');
  // The holder bind-mounts its own net entry inside its own mount namespace, which we keep by
  // descriptor: when it exits, only that mount refers to its network namespace.
  Holder holder(SpecFor(mode, KindSet{Kind::kNet, Kind::kMnt}), [&] {
    return ::mount("/proc/self/ns/net", file.c_str(), nullptr, MS_BIND, nullptr) == 0 ? 0 : 81;
  });
  ASSERT_TRUE(holder.Ready());
  ASSERT_FALSE(testing::SharesNamespace(holder.Pid(), Kind::kNet));
  UniqueFd mnt = OpenOrThrow(NsPath(holder.Pid(), Kind::kMnt).c_str(), O_RDONLY);
  const std::string net_link = ReadNsLink(holder.Pid(), Kind::kNet);
  UniqueFd net = OpenOrThrow(NsPath(holder.Pid(), Kind::kNet).c_str(), O_RDONLY);
  NsHandle handle(net.Get());
  const ino_t net_ino = IdentityOfFd(net.Get(), Kind::kNet).ino;
  net.Reset();
  ASSERT_TRUE(holder.Release().Success());
  EXPECT_NE(testing::InodeOf(file.c_str()), net_ino) << "the bind mount is visible on the host";

  // Usable: enter the kept mount namespace, open the bind-mounted file, enter through it.
  UniqueFd owner = OwnerToEnter(mnt.Get());
  Observations obs;
  auto w = obs.Writer();
  const int user_fd = owner.Get(), mnt_fd = mnt.Get();
  Child c = testing::Launch(Spec{}, [&] {
    if (user_fd >= 0) w.Result("enter_user", ::setns(user_fd, CLONE_NEWUSER));
    w.Result("enter_mnt", ::setns(mnt_fd, CLONE_NEWNS));
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    w.Result("open", fd);
    w.Result("enter_net", ::setns(fd, CLONE_NEWNET));
    w.Link("net", "/proc/self/ns/net");
    return 0;
  });
  ASSERT_TRUE(c.Wait(10s).Success());
  obs.Collect();
  EXPECT_THAT(obs["enter_net"], HasValue(0));
  EXPECT_THAT(obs["net"], HasText(net_link));
  if (handle.err == 0) {
    EXPECT_TRUE(handle.Alive()) << "released while bind-mounted";
  }

  // The mount goes with its mount namespace, and the network namespace with the mount.
  owner.Reset();
  mnt.Reset();
  SKIP_UNLESS_HANDLE(handle);
  auto took = handle.WaitReleased();
  ASSERT_TRUE(took) << net_link << " outlived its bind mount";
  ReportDuration("net_release_after_bind_mount", *took);
}

// ---------------------------------------------------------------------------------------------
// An mqueue mount outlives its IPC namespace but does not pin it: when the last process goes,
// the namespace is released (put_ipc_ns detaches the superblock, mq_clear_sbinfo), the mount
// still shows the queues made before, and creating one through it is EACCES — what LTP
// mqns_04 asserts. ("The mount pins the namespace" is a common misreading of that test.)

// A child enters the mount namespace (after the owner user namespace, as its root), then
// reports stat() of `existing` and open(O_CREAT) of `fresh` inside the mqueue mount.
Observations LookThroughMount(int user_fd, int mnt_fd, const std::string& existing,
                              const std::string& fresh) {
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(Spec{}, [&] {
    if (user_fd >= 0) {
      w.Result("enter_user", ::setns(user_fd, CLONE_NEWUSER));
      // Root there, as nsenter does: our own uid may not be mapped, and files are created
      // with the creator's ids.
      w.Result("root", ::syscall(SYS_setresgid, 0, 0, 0) | ::syscall(SYS_setresuid, 0, 0, 0));
    }
    w.Result("enter_mnt", ::setns(mnt_fd, CLONE_NEWNS));
    struct stat st {};
    w.Result("existing", ::stat(existing.c_str(), &st));
    long fd = ::open(fresh.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    w.Result("fresh", fd);
    return 0;
  });
  EXPECT_TRUE(c.Wait(10s).Success());
  obs.Collect();
  return obs;
}

TEST_P(Lifetime, MqueueMountOutlivesItsIpcNamespaceWithoutPinningIt) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kIpc, mode);
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode);
  testing::TempDir dir;
  Holder holder(SpecFor(mode, KindSet{Kind::kIpc, Kind::kMnt}), [&] {
    // The queue's name for the raw system call has no leading '/'.
    long q = ::syscall(SYS_mq_open, "nsprobe-made", O_CREAT | O_RDWR | O_CLOEXEC, 0600, nullptr);
    if (q < 0) return 82;
    ::close(static_cast<int>(q));
    return ::mount("mqueue", dir.Path().c_str(), "mqueue", 0, nullptr) == 0 ? 0 : 83;
  });
  ASSERT_TRUE(holder.Ready());
  ASSERT_FALSE(testing::SharesNamespace(holder.Pid(), Kind::kIpc));
  const std::string ipc_link = ReadNsLink(holder.Pid(), Kind::kIpc);
  UniqueFd mnt = OpenOrThrow(NsPath(holder.Pid(), Kind::kMnt).c_str(), O_RDONLY);
  std::optional<NsHandle> ipc;
  {
    UniqueFd fd = OpenOrThrow(NsPath(holder.Pid(), Kind::kIpc).c_str(), O_RDONLY);
    ipc.emplace(fd.Get());
  }
  UniqueFd owner = OwnerToEnter(mnt.Get());
  const std::string made = dir.Path() + "/nsprobe-made";

  // While the namespace lives, the mount creates queues in it.
  Observations alive = LookThroughMount(owner.Get(), mnt.Get(), made, dir.Path() + "/alive");
  EXPECT_THAT(alive["existing"], HasValue(0));
  EXPECT_THAT(alive["fresh"], Succeeded());

  ASSERT_TRUE(holder.Release().Success());
  SKIP_UNLESS_HANDLE(*ipc);
  auto took = ipc->WaitReleased();
  ASSERT_TRUE(took) << ipc_link << " lived on " << kTeardownLimit.count()
                    << " s after its last process although only an mqueue mount refers to it";
  ReportDuration("ipc_release_under_mqueue_mount", *took);

  Observations after = LookThroughMount(owner.Get(), mnt.Get(), made, dir.Path() + "/after");
  EXPECT_THAT(after["existing"], HasValue(0)) << "the mount lost its queues";
  EXPECT_THAT(after["fresh"], FailedWith(EACCES)) << "no namespace is behind the mount";
}

// ---------------------------------------------------------------------------------------------
// A user namespace lives while a namespace it owns does (user_namespaces(7)).

TEST_P(Lifetime, UserNamespaceLivesWhileANamespaceItOwnsDoes) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, mode);
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, mode);
  Holder holder(SpecFor(mode, KindSet{Kind::kUser, Kind::kUts}));
  ASSERT_TRUE(holder.Ready());
  ASSERT_FALSE(testing::SharesNamespace(holder.Pid(), Kind::kUser));
  UniqueFd uts = OpenOrThrow(NsPath(holder.Pid(), Kind::kUts).c_str(), O_RDONLY);
  const std::string user_link = ReadNsLink(holder.Pid(), Kind::kUser);
  std::optional<NsHandle> user;
  {
    UniqueFd fd = OpenOrThrow(NsPath(holder.Pid(), Kind::kUser).c_str(), O_RDONLY);
    user.emplace(fd.Get());
  }
  ASSERT_TRUE(holder.Release().Success());

  // Nothing refers to the user namespace but the uts namespace it owns.
  NsFdAnswer owner = NsGetUserns(uts.Get());
  ASSERT_TRUE(owner.Ok()) << ::strerrorname_np(owner.err);
  EXPECT_EQ(LinkOfFd(owner.fd.Get()), user_link);
  owner.fd.Reset();
  SKIP_UNLESS_HANDLE(*user);
  EXPECT_TRUE(user->Alive()) << user_link << " died while it owns a live uts namespace";

  uts.Reset();
  auto took = user->WaitReleased();
  ASSERT_TRUE(took) << user_link << " outlived the last namespace it owned";
  ReportDuration("user_release_after_owned_ns", *took);
}

// ---------------------------------------------------------------------------------------------
// A veth pair dies with either end's namespace: the peer in a surviving namespace vanishes
// (network_namespaces(7)), once the asynchronous cleanup_net has run.

// A child in `target`'s network namespace looks for "vb" until it is gone or `deadline_ns`
// (CLOCK_MONOTONIC) passes: "present" (first look), "gone_at" (ns), "tries".
Observations WatchPeer(pid_t target, KindSet kinds, std::int64_t deadline_ns) {
  Observations obs;
  auto w = obs.Writer();
  Spec spec;
  spec.join = JoinTarget{target, kinds};
  Child c = testing::Launch(spec, [&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, "vb", 3);
    for (long tries = 1;; ++tries) {
      bool present = ::ioctl(s, SIOCGIFINDEX, &ifr) == 0;
      if (tries == 1) w.Value("present", present);
      if (!present || testing::MonotonicNsInChild() > deadline_ns) {
        w.Value("gone_at", present ? -1 : testing::MonotonicNsInChild());
        w.Value("tries", tries);
        break;
      }
      testing::SleepUsInChild(100);
    }
    return 0;
  });
  EXPECT_TRUE(c.Wait(20s).Success());
  obs.Collect();
  return obs;
}

TEST_P(Lifetime, VethPeerIsDestroyedWithTheOtherEndsNamespace) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, mode);
  const Spec a_spec = SpecFor(mode, KindSet{Kind::kNet});
  Holder a(a_spec);
  ASSERT_TRUE(a.Ready());
  // Never create links on the host.
  ASSERT_FALSE(testing::SharesNamespace(a.Pid(), Kind::kNet)) << "no new network namespace";
  // The surviving end: a second network namespace in the same user namespace as the first,
  // so that one `ip` there holds CAP_NET_ADMIN over both.
  Spec b_spec;
  b_spec.join = JoinTarget{a.Pid(), KindSet{Kind::kUser}};
  const ino_t a_net = testing::InodeOf(NsPath(a.Pid(), Kind::kNet).c_str());
  Holder b(b_spec, [&] {
    if (testing::Unshare(CLONE_NEWNET) != 0) return 80;
    return testing::InodeOf("/proc/self/ns/net") == a_net ? 81 : 0;
  });
  ASSERT_TRUE(b.Ready());
  ASSERT_FALSE(testing::SharesNamespace(b.Pid(), Kind::kNet));

  // nsenter, not Tool: `ip` needs CAP_NET_ADMIN after execve, which it keeps only as root of
  // the user namespace; nsenter switches to uid 0 there (when we are not already it).
  std::vector<std::string> nsenter = {"nsenter", "-t", std::to_string(a.Pid()), "-n"};
  if (a_spec.kinds.Has(Kind::kUser)) {
    nsenter.push_back("-U");
    if (::geteuid() != 0) nsenter.push_back("--preserve-credentials");  // already root there
  }
  nsenter.insert(nsenter.end(), {"--", "ip", "link", "add", "va", "type", "veth", "peer", "name",
                                 "vb", "netns", std::to_string(b.Pid())});
  ToolResult add = RunTool(0, {}, nsenter);
  ASSERT_EQ(add.exit_code, 0) << add.Describe();
  KindSet b_kinds{Kind::kNet};
  if (a_spec.kinds.Has(Kind::kUser)) b_kinds.Add(Kind::kUser);
  Observations before = WatchPeer(b.Pid(), b_kinds, 0);
  ASSERT_THAT(before["present"], HasValue(1)) << "vb never reached the second namespace";

  ASSERT_TRUE(a.Release().Success());
  const std::int64_t died = testing::MonotonicNsInChild();
  Observations after = WatchPeer(b.Pid(), b_kinds, died + 10'000'000'000);
  ASSERT_THAT(after["gone_at"], HasValue(Gt(0))) << "vb outlived va's namespace by 10 s";
  ReportDuration("net_veth_peer_gone_after_exit",
                 std::chrono::microseconds((after.Value("gone_at") - died) / 1000));
  EXPECT_EQ(b.Release().code, 0);
}

// ---------------------------------------------------------------------------------------------
// POSIX message queues die with their IPC namespace, asynchronously (free_ipc_work): their
// bytes stay charged to the creator's RLIMIT_MSGQUEUE until then. Run in a user namespace of
// its own so the charge is ours alone: root's count is shared with every other test.

class IpcTeardown : public testing::NoLeaksTest {};

TEST_F(IpcTeardown, QueueBytesComeBackAfterTheNamespaceDies) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kIpc, Mode::kUnprivileged);
  Observations obs;
  auto w = obs.Writer();
  // Never creates queues in the host's namespaces: LaunchInNew refuses to.
  Child c = testing::LaunchInNew(SpecFor(Mode::kUnprivileged, KindSet{Kind::kIpc}), [&] {
    // Room for one queue of 10 x 8 KiB (about 83 KB with the kernel's bookkeeping), not two.
    rlimit limit{120'000, 120'000};
    w.Result("rlimit", ::syscall(SYS_prlimit64, 0, RLIMIT_MSGQUEUE, &limit, nullptr));
    mq_attr attr{};
    attr.mq_maxmsg = 10;
    attr.mq_msgsize = 8192;
    auto create = [&](const char* name) {
      return ::syscall(SYS_mq_open, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
    };
    long q = create("nsprobe-a");
    w.Result("first", q);
    if (q >= 0) ::close(static_cast<int>(q));  // the queue stays; only its name holds it
    w.Result("second", create("nsprobe-b"));
    // Leaving the namespace drops its last reference: it and its queue are freed later.
    w.Result("unshare", testing::Unshare(CLONE_NEWIPC));
    const std::int64_t t0 = testing::MonotonicNsInChild();
    long r;
    long tries = 0;
    do {
      if (tries++ > 0) testing::SleepUsInChild(100);
      r = create("nsprobe-b");
    } while (r < 0 && errno == EMFILE && testing::MonotonicNsInChild() - t0 < 10'000'000'000);
    w.Result("after", r);
    w.Value("took_ns", testing::MonotonicNsInChild() - t0);
    w.Value("tries", tries);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["rlimit"], HasValue(0));
  ASSERT_THAT(obs["first"], Succeeded());
  EXPECT_THAT(obs["second"], FailedWith(EMFILE)) << "the first queue's bytes are not charged";
  ASSERT_THAT(obs["unshare"], HasValue(0));
  ASSERT_THAT(obs["after"], Succeeded())
      << "the dead namespace's queue still holds its bytes after 10 s";
  ReportDuration("ipc_queue_bytes_back_after_exit",
                 std::chrono::microseconds(obs.Value("took_ns") / 1000));
}

INSTANTIATE_TEST_SUITE_P(Modes, Lifetime, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
