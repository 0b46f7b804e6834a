// Namespace identity (kernel-semantics.md statements 55, 56, 60 and NS_GET_ID): what
// /proc/PID/ns, nsenter and `ip netns` rely on. A namespace is its {dev, inode}; readlink
// names it; the nsfs ioctls walk ownership and hierarchy.
#include "runtime/identity.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "runtime/launch.hpp"
#include "suites/support/child.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsprobe {
namespace {

using testing::FailedWith;
using testing::HasText;
using testing::HasValue;
using testing::kNobody;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
using testing::Succeeded;

std::string Errno(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : std::to_string(err);
}

// The /proc/self/ns entries a child reports, keyed by their own names.
struct NsEntry {
  Kind kind;
  const char* name;  // "pid" or "pid_for_children"
  const char* path;
};
constexpr NsEntry kEntries[] = {
    {Kind::kMnt, "mnt", "/proc/self/ns/mnt"},
    {Kind::kUts, "uts", "/proc/self/ns/uts"},
    {Kind::kIpc, "ipc", "/proc/self/ns/ipc"},
    {Kind::kNet, "net", "/proc/self/ns/net"},
    {Kind::kPid, "pid", "/proc/self/ns/pid"},
    {Kind::kUser, "user", "/proc/self/ns/user"},
    {Kind::kCgroup, "cgroup", "/proc/self/ns/cgroup"},
    {Kind::kTime, "time", "/proc/self/ns/time"},
    {Kind::kPid, "pid_for_children", "/proc/self/ns/pid_for_children"},
    {Kind::kTime, "time_for_children", "/proc/self/ns/time_for_children"},
};

// Async-signal-safe: readlink of every entry, and its inode.
void RecordEntries(const ObservationWriter& w) {
  for (const NsEntry& e : kEntries) {
    w.Link(e.name, e.path);
    struct stat st {};
    ::stat(e.path, &st);
    char key[32] = "ino_";
    for (std::size_t i = 0; e.name[i] != '\0' && i + 5 < sizeof key; ++i) key[i + 4] = e.name[i];
    w.Value(key, static_cast<std::int64_t>(st.st_ino));
  }
}

const char* EntryArg(const NsEntry& e) {
  return std::string_view(e.name) == Name(e.kind) ? nullptr : e.name;
}

UniqueFd OpenNs(pid_t pid, Kind kind, const char* entry = nullptr) {
  return OpenOrThrow(NsPath(pid, kind, entry).c_str(), O_RDONLY);
}

std::string IdentityText(const std::optional<NsIdentity>& id) {
  return id ? fmt::format("{} (dev {})", id->ToString(), id->dev) : "(unreadable)";
}

// Every kind in `kinds` must be available in `mode`; skips with the probe's reason.
#define SKIP_UNLESS_ALL_AVAILABLE(kinds, mode)                                       \
  do {                                                                               \
    std::string reason_;                                                             \
    (kinds).ForEach([&](Kind k) {                                                    \
      if (reason_.empty()) reason_ = ::nsprobe::testing::UnavailableReason(k, mode); \
    });                                                                              \
    if (!reason_.empty()) GTEST_SKIP() << reason_;                                   \
  } while (0)

// Waits (bounded) for a body to end and collects what it recorded; a fatal failure, with
// everything recorded, unless it exited 0.
void WaitAndCollect(Child& child, Observations& obs) {
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
}

// Launches a child of `spec` that records every /proc/self/ns entry, and waits for it.
void LaunchAndRecordEntries(const Spec& spec, Observations& obs) {
  auto w = obs.Writer();
  Child child = testing::Launch(spec, [&] {
    RecordEntries(w);
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
}

// Launching with a kind set S changes exactly the identities of the kinds in S (plus user,
// which the unprivileged mode adds), and the *_for_children entries follow pid and time.
class IdentityByKindSet : public testing::NoLeaksTest,
                          public ::testing::WithParamInterface<std::tuple<KindSet, Mode>> {};

KindSet FromBits(std::uint8_t bits) {
  KindSet set;
  for (const KindInfo& k : AllKinds())
    if (bits & (1u << static_cast<unsigned>(k.kind))) set.Add(k.kind);
  return set;
}

TEST_P(IdentityByKindSet, LaunchChangesExactlyTheRequestedKinds) {
  auto [requested, mode] = GetParam();
  Spec spec = SpecFor(mode, requested);
  SKIP_UNLESS_ALL_AVAILABLE(spec.kinds, mode);
  Observations obs;
  ASSERT_NO_FATAL_FAILURE(LaunchAndRecordEntries(spec, obs));
  for (const NsEntry& e : kEntries) {
    const std::string ours = ReadNsLink(0, e.kind, EntryArg(e));
    const bool expect_new = spec.kinds.Has(e.kind);
    EXPECT_EQ(obs.Text(e.name) != ours, expect_new)
        << e.name << ": the child has " << obs.Text(e.name) << ", we have " << ours << "; the "
        << "spec creates " << spec.kinds.ToString();
  }
}

// Every single kind, all of them, and a fixed-seed sample of subsets (same names every run).
std::vector<KindSet> KindSetSample() {
  std::vector<KindSet> sets;
  for (const KindInfo& k : AllKinds()) sets.push_back(KindSet{k.kind});
  sets.push_back(KindSet::All());
  std::mt19937 rng(0x6e737072);  // "nspr"
  std::uniform_int_distribution<int> pick(1, 254);
  while (sets.size() < 8 + 1 + 12) {
    const KindSet set = FromBits(static_cast<std::uint8_t>(pick(rng)));
    if (set.Size() >= 2 && std::find(sets.begin(), sets.end(), set) == sets.end())
      sets.push_back(set);
  }
  return sets;
}

INSTANTIATE_TEST_SUITE_P(KindSets, IdentityByKindSet,
                         ::testing::Combine(::testing::ValuesIn(KindSetSample()),
                                            testing::kBothModes),
                         [](const auto& param_info) {
                           std::string set = std::get<0>(param_info.param).ToString();
                           std::replace(set.begin(), set.end(), ',', '_');
                           return set + "_" + std::string(ModeName(std::get<1>(param_info.param)));
                         });

class Identity : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {};

// Two processes share a namespace iff dev and inode are equal, and sharing is what the
// behaviour shows: a joiner of holder 1's UTS namespace sees holder 1's hostname, holder 2
// (another new namespace) does not.
TEST_P(Identity, SharingIsEqualDevAndInode) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, mode);
  Spec s1 = SpecFor(mode, KindSet{Kind::kUts});
  s1.hostname = "nsprobe-identity-1";
  Spec s2 = SpecFor(mode, KindSet{Kind::kUts});
  s2.hostname = "nsprobe-identity-2";
  testing::Holder h1(s1), h2(s2);
  Spec joiner;
  joiner.join = JoinTarget{h1.Pid(), KindSet{Kind::kUts}};
  if (mode == Mode::kUnprivileged) {
    joiner.join->kinds.Add(Kind::kUser);
    if (::geteuid() == 0) joiner.create_as = kNobody;
  }
  Observations obs;
  auto w = obs.Writer();
  Pipe hold = Pipe::Make();
  Child j = testing::Launch(joiner, [&] {
    utsname u{};
    ::uname(&u);
    w.Text("nodename", u.nodename);
    ::close(w.Fd());
    char c;
    return static_cast<int>(::read(hold.read.Get(), &c, 1));
  });
  obs.Collect();
  EXPECT_THAT(obs["nodename"], HasText("nsprobe-identity-1"));
  for (const KindInfo& k : AllKinds()) {
    auto in_j = IdentityOf(j.Pid(), k.kind), in_1 = IdentityOf(h1.Pid(), k.kind),
         in_2 = IdentityOf(h2.Pid(), k.kind), ours = IdentityOf(0, k.kind);
    ASSERT_TRUE(in_j && in_1 && in_2 && ours) << k.name;
    const bool joined = joiner.join->kinds.Has(k.kind);
    const bool new_in_holders = s1.kinds.Has(k.kind);
    EXPECT_EQ(*in_j == *in_1, joined || !new_in_holders)
        << k.name << ": joiner " << IdentityText(in_j) << ", holder 1 " << IdentityText(in_1);
    EXPECT_EQ(*in_j == *in_2, !new_in_holders)
        << k.name << ": joiner " << IdentityText(in_j) << ", holder 2 " << IdentityText(in_2);
    EXPECT_EQ(*in_1 == *ours, !new_in_holders)
        << k.name << ": holder 1 " << IdentityText(in_1) << ", ours " << IdentityText(ours);
    // One nsfs: the device is the same for every namespace, so the inode decides.
    EXPECT_EQ(in_1->dev, ours->dev);
  }
}

// readlink gives "<kind>:[<inode>]" with the inode stat() reports, in new namespaces too.
TEST_P(Identity, ReadlinkShowsKindAndInode) {
  const Mode mode = GetParam();
  Spec spec = SpecFor(mode, KindSet::All());
  SKIP_UNLESS_ALL_AVAILABLE(spec.kinds, mode);
  Observations obs;
  ASSERT_NO_FATAL_FAILURE(LaunchAndRecordEntries(spec, obs));
  for (const NsEntry& e : kEntries) {
    const std::string name(Name(e.kind));
    auto ours = IdentityOf(0, e.kind, EntryArg(e));
    ASSERT_TRUE(ours) << e.name;
    EXPECT_EQ(ReadNsLink(0, e.kind, EntryArg(e)), fmt::format("{}:[{}]", name, ours->ino));
    const auto ino = obs.Value(std::string("ino_") + e.name);
    EXPECT_THAT(obs[e.name], HasText(fmt::format("{}:[{}]", name, ino)));
    EXPECT_NE(static_cast<ino_t>(ino), ours->ino) << e.name << " is not new in the child";
  }
}

// NS_GET_USERNS returns the user namespace that owns a namespace: the creator's. Out of the
// caller's scope (an owner above its own user namespace) the answer is EPERM.
TEST_P(Identity, NsGetUsernsReturnsTheOwningUserNamespace) {
  const Mode mode = GetParam();
  const KindSet kinds{Kind::kUts, Kind::kIpc, Kind::kNet};
  Spec spec = SpecFor(mode, kinds);
  SKIP_UNLESS_ALL_AVAILABLE(spec.kinds, mode);
  UniqueFd our_uts = OpenNs(0, Kind::kUts);
  testing::Holder h(spec);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(spec, [&] {
    int owner = ::ioctl(our_uts.Get(), NS_GET_USERNS);
    w.Result("our_uts_owner", owner);
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  auto holder_user = IdentityOf(h.Pid(), Kind::kUser);
  ASSERT_TRUE(holder_user);
  // Under `unshare -Ur` our own namespaces are owned by the initial user namespace, above
  // our scope: for the kinds the holder shares with us, its answer must be ours.
  auto describe = [](const NsFdAnswer& a) {
    return a.Ok() ? IdentityOfFd(a.fd.Get(), Kind::kUser).ToString() : Errno(a.err);
  };
  for (const KindInfo& k : AllKinds()) {
    if (k.kind == Kind::kUser) continue;
    UniqueFd fd = OpenNs(h.Pid(), k.kind);
    NsFdAnswer owner = NsGetUserns(fd.Get());
    if (spec.kinds.Has(k.kind)) {
      ASSERT_TRUE(owner.Ok()) << k.name << ": NS_GET_USERNS gave " << Errno(owner.err);
      EXPECT_EQ(IdentityOfFd(owner.fd.Get(), Kind::kUser), *holder_user)
          << k.name << ": owner " << describe(owner) << ", the holder's user namespace "
          << holder_user->ToString();
    } else {
      UniqueFd our_fd = OpenNs(0, k.kind);
      NsFdAnswer our_owner = NsGetUserns(our_fd.Get());
      EXPECT_EQ(describe(owner), describe(our_owner)) << k.name << " is shared with us";
    }
  }
  // A child in a new user namespace asking about our UTS namespace: its owner is above the
  // child's scope (EPERM); a child sharing our user namespace gets our own answer.
  NsFdAnswer our_uts_owner = NsGetUserns(our_uts.Get());
  if (mode == Mode::kUnprivileged)
    EXPECT_THAT(obs["our_uts_owner"], FailedWith(EPERM));
  else
    EXPECT_EQ(obs.Err("our_uts_owner"), our_uts_owner.err);
}

// NS_GET_PARENT walks the pid and user hierarchies up to the caller's own namespace, and
// answers EPERM for a step above it. The holder, pid 1 of a new pid namespace, unshares a
// further pid namespace (with a member in it) and a further user namespace.
TEST_P(Identity, NsGetParentWalksThePidAndUserHierarchies) {
  const Mode mode = GetParam();
  Spec spec = SpecFor(mode, KindSet{Kind::kPid, Kind::kUts});
  SKIP_UNLESS_ALL_AVAILABLE(spec.kinds, mode);
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, mode);  // the holder unshares a user namespace
  Observations obs;
  auto w = obs.Writer();
  Pipe hold = Pipe::Make();
  Child holder = testing::Launch(spec, [&] {
    int own_pid = ::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    w.Result("own_pid_parent", ::ioctl(own_pid, NS_GET_PARENT));
    w.Result("unshare_pid", testing::Unshare(CLONE_NEWPID));
    long member = testing::ForkInChild();
    if (member == 0) {
      // Dies with the holder even where the holder is no pid namespace init (the negative
      // control withholding pid), and never holds the pipe it waits on.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::close(w.Fd());
      ::close(hold.write.Get());
      char c;
      ::_exit(static_cast<int>(::read(hold.read.Get(), &c, 1)));
    }
    w.Result("member", member);
    w.Result("unshare_user", testing::Unshare(CLONE_NEWUSER));
    int own_user = ::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    w.Result("own_user_parent", ::ioctl(own_user, NS_GET_PARENT));
    ::close(w.Fd());
    char c;
    return static_cast<int>(::read(hold.read.Get(), &c, 1));
  });
  obs.Collect();
  for (const char* key : {"unshare_pid", "member", "unshare_user"})
    ASSERT_THAT(obs[key], Succeeded()) << key;
  // From inside, the parent of its own namespaces is above its root.
  EXPECT_THAT(obs["own_pid_parent"], FailedWith(EPERM));
  EXPECT_THAT(obs["own_user_parent"], FailedWith(EPERM));

  auto walk = [](UniqueFd fd, Kind kind) {
    std::vector<NsIdentity> chain;
    while (true) {
      NsFdAnswer parent = NsGetParent(fd.Get());
      if (!parent.Ok()) return std::pair{chain, parent.err};
      chain.push_back(IdentityOfFd(parent.fd.Get(), kind));
      fd = std::move(parent.fd);
    }
  };
  auto show = [](const std::vector<NsIdentity>& chain) {
    std::string out;
    for (const NsIdentity& id : chain) out += id.ToString() + " ";
    return out;
  };
  // pid: the holder's pid_for_children -> the holder's pid namespace -> ours, then EPERM.
  auto [pid_chain, pid_end] =
      walk(OpenNs(holder.Pid(), Kind::kPid, "pid_for_children"), Kind::kPid);
  std::vector<NsIdentity> expected_pid = {*IdentityOf(holder.Pid(), Kind::kPid),
                                          *IdentityOf(0, Kind::kPid)};
  EXPECT_EQ(pid_chain, expected_pid)
      << "walked " << show(pid_chain) << "expected " << show(expected_pid);
  EXPECT_EQ(pid_end, EPERM) << Errno(pid_end);
  // user: the holder's new user namespace -> the one that owns its UTS namespace (the mode's
  // user namespace, or ours when privileged) -> ... -> ours, then EPERM.
  UniqueFd uts = OpenNs(holder.Pid(), Kind::kUts);
  NsFdAnswer uts_owner = NsGetUserns(uts.Get());
  ASSERT_TRUE(uts_owner.Ok()) << Errno(uts_owner.err);
  std::vector<NsIdentity> expected_user = {IdentityOfFd(uts_owner.fd.Get(), Kind::kUser)};
  if (mode == Mode::kUnprivileged) expected_user.push_back(*IdentityOf(0, Kind::kUser));
  auto [user_chain, user_end] = walk(OpenNs(holder.Pid(), Kind::kUser), Kind::kUser);
  EXPECT_EQ(user_chain, expected_user)
      << "walked " << show(user_chain) << "expected " << show(expected_user);
  EXPECT_EQ(user_end, EPERM) << Errno(user_end);
}

// NS_GET_ID (Linux 6.18): a non-zero 64-bit id, the same through every descriptor of one
// namespace, different for a new one; for a network namespace it is its SO_NETNS_COOKIE.
TEST_P(Identity, NsGetIdIsNonZeroStableAndDistinct) {
  const Mode mode = GetParam();
  {
    UniqueFd probe = OpenNs(0, Kind::kUts);
    NsAnswer a = NsGetId(probe.Get());
    if (a.unsupported) GTEST_SKIP() << "unsupported: NS_GET_ID needs Linux 6.18 (ENOTTY)";
  }
  Spec spec = SpecFor(mode, KindSet::All());
  SKIP_UNLESS_ALL_AVAILABLE(spec.kinds, mode);
  Observations obs;
  auto w = obs.Writer();
  testing::Holder holder(spec, [&] {
    int s = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    w.Result("cookie_call", ::getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len));
    w.Value("cookie", static_cast<std::int64_t>(cookie));
    return 0;
  });
  ASSERT_TRUE(holder.Ready());
  obs.Collect();
  auto id_of = [](const std::string& path) {
    UniqueFd fd = OpenOrThrow(path.c_str(), O_RDONLY);
    NsAnswer a = NsGetId(fd.Get());
    EXPECT_TRUE(a.Ok()) << path << ": " << Errno(a.err);
    return a.value;
  };
  for (const KindInfo& k : AllKinds()) {
    const std::int64_t ours = id_of(NsPath(0, k.kind));
    const std::int64_t ours_again = id_of(NsPath(::getpid(), k.kind));
    const std::int64_t theirs = id_of(NsPath(holder.Pid(), k.kind));
    EXPECT_NE(ours, 0) << k.name;
    EXPECT_NE(theirs, 0) << k.name;
    EXPECT_EQ(ours, ours_again) << k.name << ": two descriptors of one namespace";
    EXPECT_NE(ours, theirs) << k.name << ": a new namespace kept our id";
  }
  ASSERT_THAT(obs["cookie_call"], Succeeded());
  EXPECT_THAT(obs["cookie"], HasValue(id_of(NsPath(holder.Pid(), Kind::kNet))))
      << "SO_NETNS_COOKIE";
}

// pid_for_children and time_for_children differ from pid and time exactly between an
// unshare of that kind and the caller's entry: unshare moves them alone, a child is born in
// them, and setns into time_for_children brings time back in line.
TEST_P(Identity, ForChildrenEntriesDifferExactlyWhenTheyShould) {
  const Mode mode = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, mode);
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kTime, mode);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode, {}), [&] {
    w.Link("start_pid", "/proc/self/ns/pid");
    w.Link("start_pid_fc", "/proc/self/ns/pid_for_children");
    w.Link("start_time", "/proc/self/ns/time");
    w.Link("start_time_fc", "/proc/self/ns/time_for_children");
    w.Result("unshare", testing::Unshare(CLONE_NEWPID | CLONE_NEWTIME));
    w.Link("pid", "/proc/self/ns/pid");
    w.Link("time", "/proc/self/ns/time");
    w.Link("time_fc", "/proc/self/ns/time_for_children");
    int gate[2];
    if (::pipe2(gate, O_CLOEXEC) != 0) return 2;
    long pid = testing::ForkInChild();
    if (pid == 0) {
      ::close(gate[1]);
      w.Link("child_pid", "/proc/self/ns/pid");
      w.Link("child_pid_fc", "/proc/self/ns/pid_for_children");
      w.Link("child_time", "/proc/self/ns/time");
      w.Link("child_time_fc", "/proc/self/ns/time_for_children");
      char c;
      ::_exit(static_cast<int>(::read(gate[0], &c, 1)));
    }
    w.Result("clone", pid);
    // Read while the child lives: a pid namespace without a living init has no
    // pid_for_children to show (readlink answers ENOENT before the first child).
    w.Link("pid_fc", "/proc/self/ns/pid_for_children");
    ::close(gate[1]);
    if (pid > 0) testing::WaitInChild(pid);
    int fd = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    w.Result("setns_time", ::setns(fd, CLONE_NEWTIME));
    w.Link("time_entered", "/proc/self/ns/time");
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  for (const char* key : {"unshare", "clone", "setns_time"})
    ASSERT_THAT(obs[key], Succeeded()) << key;
  auto t = [&](const char* key) { return obs.Text(key); };
  EXPECT_EQ(t("start_pid_fc"), t("start_pid"));
  EXPECT_EQ(t("start_time_fc"), t("start_time"));
  EXPECT_EQ(t("pid"), t("start_pid")) << "unshare moved the caller's pid namespace";
  EXPECT_NE(t("pid_fc"), t("pid"));
  EXPECT_EQ(t("time"), t("start_time")) << "unshare moved the caller's time namespace";
  EXPECT_NE(t("time_fc"), t("time"));
  EXPECT_EQ(t("child_pid"), t("pid_fc"));
  EXPECT_EQ(t("child_pid_fc"), t("child_pid"));
  EXPECT_EQ(t("child_time"), t("time_fc"));
  EXPECT_EQ(t("child_time_fc"), t("child_time"));
  EXPECT_EQ(t("time_entered"), t("time_fc"));
}

INSTANTIATE_TEST_SUITE_P(Modes, Identity, testing::kBothModes, testing::ModeParamName);

class IdentityTest : public testing::NoLeaksTest {};

// NS_GET_NSTYPE answers the CLONE_NEW* flag of the namespace, *_for_children included.
TEST_F(IdentityTest, NsGetNstypeReturnsTheCloneFlag) {
  for (const NsEntry& e : kEntries) {
    UniqueFd fd = OpenNs(0, e.kind, EntryArg(e));
    NsAnswer type = NsGetType(fd.Get());
    ASSERT_TRUE(type.Ok()) << e.name << ": " << Errno(type.err);
    EXPECT_EQ(static_cast<std::uint64_t>(type.value), CloneFlag(e.kind))
        << e.name << " answered 0x" << std::hex << type.value << ", " << CloneFlagName(e.kind)
        << " is 0x" << CloneFlag(e.kind);
  }
}

// NS_GET_PARENT on a kind without a hierarchy is EINVAL; on pid and user at the caller's
// own top it is EPERM (the contrast: the hierarchical kinds are told apart).
TEST_F(IdentityTest, NsGetParentOnAFlatKindGivesEinval) {
  for (const KindInfo& k : AllKinds()) {
    UniqueFd fd = OpenNs(0, k.kind);
    NsFdAnswer parent = NsGetParent(fd.Get());
    const bool hierarchical = k.kind == Kind::kPid || k.kind == Kind::kUser;
    EXPECT_EQ(parent.err, hierarchical ? EPERM : EINVAL)
        << k.name << ": NS_GET_PARENT gave " << (parent.Ok() ? "a descriptor" : Errno(parent.err));
  }
}

// The nsfs ioctls on a descriptor that is no namespace: ENOTTY, and not mistaken for an
// old kernel (the runtime's `unsupported` flag stays false).
TEST_F(IdentityTest, NonNsfsDescriptorGivesEnotty) {
  UniqueFd status = OpenOrThrow("/proc/self/status", O_RDONLY);
  UniqueFd null = OpenOrThrow("/dev/null", O_RDONLY);
  Pipe pipe = Pipe::Make();
  for (int fd : {status.Get(), null.Get(), pipe.read.Get()}) {
    EXPECT_FALSE(IsNsfs(fd));
    NsAnswer type = NsGetType(fd);
    EXPECT_EQ(type.err, ENOTTY) << "fd " << fd << ": " << Errno(type.err);
    EXPECT_FALSE(type.unsupported);
    EXPECT_EQ(NsGetParent(fd).err, ENOTTY) << "fd " << fd;
    EXPECT_EQ(NsGetUserns(fd).err, ENOTTY) << "fd " << fd;
  }
  UniqueFd ns = OpenNs(0, Kind::kUts);
  EXPECT_TRUE(IsNsfs(ns.Get()));
  EXPECT_TRUE(NsGetType(ns.Get()).Ok()) << "contrast: an nsfs descriptor answers";
}

// The initial namespaces have fixed inode numbers (ipc 0xEFFFFFFF down to mnt 0xEFFFFFF8;
// net and mnt only since 6.17). An inode in that reserved range always belongs to the
// initial namespace of its own kind, and a new namespace never gets one.
TEST_F(IdentityTest, ReservedInodesBelongToTheInitialNamespaces) {
  const std::map<Kind, ino_t> kInitial = {{Kind::kIpc, 0xEFFFFFFF},    {Kind::kUts, 0xEFFFFFFE},
                                          {Kind::kUser, 0xEFFFFFFD},   {Kind::kPid, 0xEFFFFFFC},
                                          {Kind::kCgroup, 0xEFFFFFFB}, {Kind::kTime, 0xEFFFFFFA},
                                          {Kind::kNet, 0xEFFFFFF9},    {Kind::kMnt, 0xEFFFFFF8}};
  auto reserved = [](ino_t ino) { return ino >= 0xEFFFFFF8 && ino <= 0xEFFFFFFF; };
  const Mode mode = ::geteuid() == 0 ? Mode::kPrivileged : Mode::kUnprivileged;
  Spec spec = SpecFor(mode, KindSet::All());
  SKIP_UNLESS_ALL_AVAILABLE(spec.kinds, mode);
  Observations obs;
  ASSERT_NO_FATAL_FAILURE(LaunchAndRecordEntries(spec, obs));
  int initial_here = 0;
  for (const KindInfo& k : AllKinds()) {
    const ino_t ours = IdentityOf(0, k.kind)->ino;
    if (reserved(ours)) {
      ++initial_here;
      EXPECT_EQ(ours, kInitial.at(k.kind)) << k.name << " has another kind's reserved inode";
    }
    const auto theirs = static_cast<ino_t>(obs.Value(fmt::format("ino_{}", k.name)));
    EXPECT_FALSE(reserved(theirs))
        << fmt::format("a new {} namespace got inode {:#x}", k.name, theirs);
  }
  RecordProperty("initial_namespaces_here", initial_here);
}

}  // namespace
}  // namespace nsprobe
