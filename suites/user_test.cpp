// User namespaces (user_namespaces(7)): ids read through the maps, full capabilities that
// reach only what the namespace owns, the once-only map files and their rules, setgroups,
// nesting, ownership, and capabilities across execve.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_test.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using testing::Entry;
using testing::FailedWith;
using ::testing::HasSubstr;
using testing::HasText;
using testing::HasValue;
using testing::Holder;
using ::testing::Ne;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;

constexpr auto kWait = std::chrono::seconds(20);
// The outside id a root writer maps inside root to in the privileged mode: not root, so the
// view from inside (0) and from outside differ.
constexpr std::uint32_t kPrivilegedOutside = 100000;

// Effective capabilities of the caller. Async-signal-safe.
std::uint64_t EffectiveCaps() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return ~std::uint64_t{0};
  return data[0].effective | (std::uint64_t{data[1].effective} << 32);
}

// Every capability this kernel knows, as a bit mask.
std::uint64_t FullCaps() {
  int last = std::atoi(ReadFile("/proc/sys/kernel/cap_last_cap").c_str());
  return last >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (last + 1)) - 1;
}

void RecordWrite(const ObservationWriter& w, const char* key, const char* path, const char* text) {
  int err = WriteOnceInChild(path, text);
  w.Status(key, err);
}

// The id inside that `map` (a uid_map/gid_map text) gives to the outside id `id`.
std::optional<std::uint32_t> Inside(const std::string& map, std::uint32_t id) {
  std::istringstream in(map);
  std::uint64_t inside, outside, count;
  while (in >> inside >> outside >> count)
    if (id >= outside && id < outside + count)
      return static_cast<std::uint32_t>(inside + id - outside);
  return std::nullopt;
}

// Whether outside ids [first, first + count) exist in the test's own user namespace: a root
// writer can map only ids its own namespace has (under `unshare -Ur` that is 0 alone).
std::string UnmappableHere(std::uint32_t first, std::uint32_t count) {
  std::string map = ReadFile("/proc/self/uid_map");
  for (std::uint32_t id = first; id < first + count; ++id)
    if (!Inside(map, id))
      return "privilege: uid " + std::to_string(id) +
             " is not mapped in the test's own user namespace (uid_map '" + map +
             "'); a root-written map needs ids the writer's namespace has";
  return {};
}

std::string CountLines(std::uint32_t n, std::uint32_t outside_base) {
  std::string text;
  for (std::uint32_t i = 0; i < n; ++i)
    text += std::to_string(i) + " " + std::to_string(outside_base + i) + " 1\n";
  return text;
}

class UserNamespace : public testing::KindTest<Kind::kUser> {
 protected:
  bool Privileged() const { return mode() == Mode::kPrivileged; }

  // The ids the namespace's creator has outside.
  std::uint32_t CreatorUid() const {
    return !Privileged() && ::geteuid() == 0 ? testing::kNobody.uid : ::geteuid();
  }
  std::uint32_t CreatorGid() const {
    return !Privileged() && ::geteuid() == 0 ? testing::kNobody.gid : ::getegid();
  }
  // A user namespace with no maps: the creator is root in the privileged mode, else nobody.
  Spec BareSpec() const {
    Spec spec;
    spec.kinds = KindSet{Kind::kUser};
    if (!Privileged() && ::geteuid() == 0) spec.create_as = testing::kNobody;
    return spec;
  }
  // Root inside: mapped to kPrivilegedOutside by a root writer, or to the unprivileged creator
  // by itself. Skips when the privileged map is impossible here.
  std::optional<Spec> MappedRootSpec() const {
    if (!Privileged()) return SpecFor(mode(), KindSet{Kind::kUser});
    if (!UnmappableHere(kPrivilegedOutside, 1).empty()) return std::nullopt;
    Spec spec = BareSpec();
    spec.uid_map = ParseIdMap("0 " + std::to_string(kPrivilegedOutside) + " 1");
    spec.gid_map = spec.uid_map;
    return spec;
  }
  std::uint32_t MappedRootOutside() const {
    return Privileged() ? kPrivilegedOutside : CreatorUid();
  }
};

#define NSPROBE_MAPPED_ROOT_SPEC(var)                                    \
  auto var##_opt = MappedRootSpec();                                     \
  if (!var##_opt) GTEST_SKIP() << UnmappableHere(kPrivilegedOutside, 1); \
  const Spec& var = *var##_opt

// ---------------------------------------------------------------------------------------------

class UserEntry : public testing::NoLeaksTest,
                  public ::testing::WithParamInterface<std::tuple<Entry, Mode>> {};

TEST_P(UserEntry, IdsReadThroughTheMapWithFullCapabilities) {
  auto [entry, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, mode);
  Observations obs;
  auto w = obs.Writer();
  ExitStatus st = testing::RunVia(
      entry, mode, Kind::kUser, obs, [] { return 0; },
      [&] {
        w.Value("uid", ::syscall(SYS_getuid));
        w.File("uid_map", "/proc/self/uid_map");
        w.Value("caps", static_cast<std::int64_t>(EffectiveCaps()));
        return 0;
      });
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  const std::string our_map = ReadFile("/proc/self/uid_map");
  EXPECT_THAT(obs["ns_link"], HasText(Ne(ReadNsLink(0, Kind::kUser))));
  EXPECT_THAT(obs["uid_map"], HasText(Ne(our_map))) << "the contrast: our own uid_map";
  // Whoever ends up inside keeps its id outside (the creator's); inside it reads through the
  // namespace's map, or as the overflow uid when the map does not cover it.
  const std::uint32_t outside =
      mode == Mode::kPrivileged || ::geteuid() != 0 ? ::geteuid() : testing::kNobody.uid;
  const std::uint32_t overflow = std::atoi(ReadFile("/proc/sys/kernel/overflowuid").c_str());
  EXPECT_THAT(obs["uid"], HasValue(Inside(obs.Text("uid_map"), outside).value_or(overflow)))
      << "outside uid " << outside;
  EXPECT_EQ(static_cast<std::uint64_t>(obs.Value("caps")), FullCaps());
}

INSTANTIATE_TEST_SUITE_P(Paths, UserEntry,
                         ::testing::Combine(testing::kAllEntries, testing::kBothModes),
                         testing::EntryModeParamName);

// ---------------------------------------------------------------------------------------------

TEST_P(UserNamespace, UnmappedIdsReadAsTheOverflowIds) {
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(BareSpec(), [&] {
    w.Value("uid", ::syscall(SYS_getuid));
    w.Value("gid", ::syscall(SYS_getgid));
    w.File("uid_map", "/proc/self/uid_map");
    w.File("gid_map", "/proc/self/gid_map");
    return 0;
  });
  ASSERT_TRUE(c.Wait(kWait).Success());
  obs.Collect();
  EXPECT_THAT(obs["uid"], HasValue(std::atoi(ReadFile("/proc/sys/kernel/overflowuid").c_str())));
  EXPECT_THAT(obs["gid"], HasValue(std::atoi(ReadFile("/proc/sys/kernel/overflowgid").c_str())));
  EXPECT_THAT(obs["uid_map"], HasText(""));
  EXPECT_THAT(obs["gid_map"], HasText(""));
  EXPECT_NE(ReadFile("/proc/self/uid_map"), "") << "the contrast: our uid_map";
}

TEST_P(UserNamespace, MappedRootHasFullCapabilitiesInsideAndIsItsCreatorOutside) {
  NSPROBE_MAPPED_ROOT_SPEC(spec);
  Observations obs;
  auto w = obs.Writer();
  Holder h(spec, [&] {
    w.Value("uid", ::syscall(SYS_getuid));
    w.Value("gid", ::syscall(SYS_getgid));
    w.Value("caps", static_cast<std::int64_t>(EffectiveCaps()));
    return 0;
  });
  ASSERT_TRUE(h.Ready());
  std::string status = ReadFile("/proc/" + std::to_string(h.Pid()) + "/status");
  ASSERT_TRUE(h.Release().Success());
  obs.Collect();
  EXPECT_THAT(obs["uid"], HasValue(0));
  EXPECT_THAT(obs["gid"], HasValue(0));
  EXPECT_EQ(static_cast<std::uint64_t>(obs.Value("caps")), FullCaps());
  const std::string outside = std::to_string(MappedRootOutside());
  EXPECT_THAT(status, HasSubstr("Uid:\t" + outside + "\t" + outside))
      << "what we see of the same process";

  // The contrast: the same outside uid without a user namespace holds no capability.
  if (::geteuid() != 0 && MappedRootOutside() != ::geteuid()) return;
  Spec sibling;
  if (::geteuid() == 0) sibling.create_as = Credentials{MappedRootOutside(), MappedRootOutside()};
  Observations sib;
  auto sw = sib.Writer();
  ASSERT_TRUE(testing::Launch(sibling,
                              [&] {
                                sw.Value("caps", static_cast<std::int64_t>(EffectiveCaps()));
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  sib.Collect();
  EXPECT_THAT(sib["caps"], HasValue(0)) << "uid " << outside << " outside has capabilities";
}

TEST_P(UserNamespace, CapabilitiesDoNotReachTheParentsResources) {
  NSPROBE_MAPPED_ROOT_SPEC(spec);
  // Harmless even where they succeed: our own hostname again, a mount on a fresh directory
  // (undone), and reboot(2) with bad magic, which checks CAP_SYS_BOOT before the magic.
  const std::string hostname = ReadFile("/proc/sys/kernel/hostname").substr(0, 64);
  const std::string name = hostname.substr(0, hostname.find('\n'));
  testing::TempDir tmp("user");
  const char* dir = tmp.Path().c_str();
  const ino_t our_user_ns = IdentityOf(0, Kind::kUser).value().ino;
  auto attempts = [&](const ObservationWriter& w) {
    struct stat st {};
    ::stat("/proc/self/ns/user", &st);
    w.Value("own_user_ns", st.st_ino != our_user_ns ? 1 : 0);
    if (st.st_ino == our_user_ns) return;  // our own powers: nothing to learn, nothing to risk
    w.Result("sethostname", ::syscall(SYS_sethostname, name.c_str(), name.size()));
    long m = ::mount("none", dir, "tmpfs", 0, nullptr);
    w.Result("mount", m);
    if (m == 0) ::umount2(dir, MNT_DETACH);
    w.Result("reboot", ::syscall(SYS_reboot, 0, 0, 0, nullptr));
  };
  Observations obs;
  auto w = obs.Writer();
  ASSERT_TRUE(testing::Launch(spec,
                              [&] {
                                attempts(w);
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  obs.Collect();
  // The contrast: with a uts and a mount namespace of its own, the same capabilities work.
  Spec owning = spec;
  owning.kinds.Add(Kind::kUts);
  owning.kinds.Add(Kind::kMnt);
  Observations own;
  auto ow = own.Writer();
  ASSERT_TRUE(testing::Launch(owning,
                              [&] {
                                attempts(ow);
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  own.Collect();
  ASSERT_THAT(obs["own_user_ns"], HasValue(1)) << "the child shares our user namespace";
  EXPECT_THAT(obs["sethostname"], FailedWith(EPERM));
  EXPECT_THAT(obs["mount"], FailedWith(EPERM));
  EXPECT_THAT(obs["reboot"], FailedWith(EPERM));
  EXPECT_THAT(own["sethostname"], HasValue(0));
  EXPECT_THAT(own["mount"], HasValue(0));
}

TEST_P(UserNamespace, MapsCanBeWrittenOnlyOnce) {
  const std::string uid_line = "0 " + std::to_string(CreatorUid()) + " 1";
  const std::string gid_line = "0 " + std::to_string(CreatorGid()) + " 1";
  Observations obs;
  auto w = obs.Writer();
  Holder h(BareSpec(), [&] {
    RecordWrite(w, "setgroups", "/proc/self/setgroups", "deny");
    RecordWrite(w, "gid_map_1", "/proc/self/gid_map", gid_line.c_str());
    RecordWrite(w, "gid_map_2", "/proc/self/gid_map", gid_line.c_str());
    RecordWrite(w, "uid_map_1", "/proc/self/uid_map", uid_line.c_str());
    RecordWrite(w, "uid_map_2", "/proc/self/uid_map", uid_line.c_str());
    return 0;
  });
  ASSERT_TRUE(h.Ready());
  std::string path = "/proc/" + std::to_string(h.Pid()) + "/uid_map";
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  int from_parent =
      fd < 0 ? errno : (::write(fd, uid_line.data(), uid_line.size()) < 0 ? errno : 0);
  if (fd >= 0) ::close(fd);
  ASSERT_TRUE(h.Release().Success());
  obs.Collect();
  EXPECT_THAT(obs["gid_map_1"], HasValue(0));
  EXPECT_THAT(obs["uid_map_1"], HasValue(0));
  EXPECT_THAT(obs["gid_map_2"], FailedWith(EPERM));
  EXPECT_THAT(obs["uid_map_2"], FailedWith(EPERM));
  EXPECT_EQ(from_parent, EPERM) << "a second write from outside: " << std::strerror(from_parent);
}

TEST_P(UserNamespace, AWriterInsideMayMapOnlyItsOwnIdAndGidNeedsSetgroupsDeny) {
  // Root included: a writer inside has no CAP_SETUID in the parent namespace.
  const std::string own_uid = "0 " + std::to_string(CreatorUid()) + " 1";
  const std::string own_gid = "0 " + std::to_string(CreatorGid()) + " 1";
  const std::string other_uid = "0 " + std::to_string(CreatorUid() + 1) + " 1";
  const std::string two_uids = "0 " + std::to_string(CreatorUid()) + " 2";
  Observations obs;
  auto w = obs.Writer();
  ASSERT_TRUE(
      testing::Launch(BareSpec(),
                      [&] {
                        RecordWrite(w, "other_uid", "/proc/self/uid_map", other_uid.c_str());
                        RecordWrite(w, "two_uids", "/proc/self/uid_map", two_uids.c_str());
                        RecordWrite(w, "gid_before_deny", "/proc/self/gid_map", own_gid.c_str());
                        RecordWrite(w, "deny", "/proc/self/setgroups", "deny");
                        RecordWrite(w, "gid_after_deny", "/proc/self/gid_map", own_gid.c_str());
                        RecordWrite(w, "own_uid", "/proc/self/uid_map", own_uid.c_str());
                        w.Value("uid", ::syscall(SYS_getuid));
                        return 0;
                      })
          .Wait(kWait)
          .Success());
  obs.Collect();
  EXPECT_THAT(obs["other_uid"], FailedWith(EPERM));
  EXPECT_THAT(obs["two_uids"], FailedWith(EPERM));
  if (ReadFile("/proc/self/setgroups") == "allow\n") {
    EXPECT_THAT(obs["gid_before_deny"], FailedWith(EPERM));
    EXPECT_THAT(obs["deny"], HasValue(0));
    EXPECT_THAT(obs["gid_after_deny"], HasValue(0));
  } else {
    // Our own namespace denies setgroups (as under `unshare -Ur`), and a new one inherits
    // that: the gid map needs nothing first, and it is then written.
    EXPECT_THAT(obs["gid_before_deny"], HasValue(0));
  }
  EXPECT_THAT(obs["own_uid"], HasValue(0));
  EXPECT_THAT(obs["uid"], HasValue(0));
}

TEST_P(UserNamespace, SetgroupsDenyIsFinalAndInherited) {
  const std::string own_gid = "0 " + std::to_string(CreatorGid()) + " 1";
  const std::string own_uid = "0 " + std::to_string(CreatorUid()) + " 1";
  Observations obs;
  auto w = obs.Writer();
  ASSERT_TRUE(testing::Launch(BareSpec(),
                              [&] {
                                w.File("initial", "/proc/self/setgroups");
                                w.Result("setgroups_call", ::syscall(SYS_setgroups, 0, nullptr));
                                RecordWrite(w, "deny", "/proc/self/setgroups", "deny");
                                RecordWrite(w, "allow", "/proc/self/setgroups", "allow");
                                w.File("after", "/proc/self/setgroups");
                                RecordWrite(w, "gid_map", "/proc/self/gid_map", own_gid.c_str());
                                RecordWrite(w, "uid_map", "/proc/self/uid_map", own_uid.c_str());
                                w.Result("nested", testing::Unshare(CLONE_NEWUSER));
                                w.File("nested_setgroups", "/proc/self/setgroups");
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  obs.Collect();
  const std::string ours = ReadFile("/proc/self/setgroups");
  EXPECT_THAT(obs["initial"], HasText(ours)) << "a new namespace starts with its parent's setting";
  EXPECT_THAT(obs["setgroups_call"], FailedWith(EPERM)) << "setgroups(2) before a gid map";
  EXPECT_THAT(obs["deny"], HasValue(0));
  EXPECT_THAT(obs["allow"], FailedWith(EPERM));
  EXPECT_THAT(obs["after"], HasText("deny\n"));
  ASSERT_THAT(obs["nested"], HasValue(0));
  EXPECT_THAT(obs["nested_setgroups"], HasText("deny\n")) << "a child user namespace inherits deny";
}

TEST_P(UserNamespace, SetgroupsDenyAfterAGidMapIsRefused) {
  NSPROBE_MAPPED_ROOT_SPEC(spec);
  Observations obs;
  auto w = obs.Writer();
  ASSERT_TRUE(testing::Launch(spec,
                              [&] {
                                w.Link("user_ns", "/proc/self/ns/user");
                                w.File("gid_map", "/proc/self/gid_map");
                                // Becoming root inside changed our uid, which made us non-dumpable
                                // and our /proc files root's: undo that, so the kernel's rule
                                // answers.
                                ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
                                RecordWrite(w, "deny", "/proc/self/setgroups", "deny");
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  obs.Collect();
  ASSERT_THAT(obs["user_ns"], HasText(Ne(ReadNsLink(0, Kind::kUser))));
  ASSERT_THAT(obs["gid_map"], HasText(Ne("")));
  EXPECT_THAT(obs["deny"], FailedWith(EPERM));
}

TEST_P(UserNamespace, MapLinesMustNotOverlapOrBeEmptyAndNumberAtMost340) {
  const std::uint32_t base = CreatorUid();
  const std::string zero = "0 " + std::to_string(base) + " 0";
  const std::string overlap = "0 " + std::to_string(base) + " 1\n0 " + std::to_string(base) + " 1";
  // Outside ids 0..N-1: the ones a root writer is sure to have.
  const std::string lines_340 = CountLines(kMaxIdMapLines, 0);
  const std::string lines_341 = CountLines(kMaxIdMapLines + 1, 0);
  Observations obs;
  auto w = obs.Writer();
  Holder h(BareSpec(), [&] {
    RecordWrite(w, "zero", "/proc/self/uid_map", zero.c_str());
    RecordWrite(w, "overlap", "/proc/self/uid_map", overlap.c_str());
    RecordWrite(w, "lines_341", "/proc/self/uid_map", lines_341.c_str());
    // Well formed: refused only for want of CAP_SETUID in the parent namespace.
    RecordWrite(w, "lines_340", "/proc/self/uid_map", lines_340.c_str());
    return 0;
  });
  ASSERT_TRUE(h.Ready());
  const std::string path = "/proc/" + std::to_string(h.Pid()) + "/uid_map";
  std::string root_wrote;
  if (Privileged() && UnmappableHere(0, kMaxIdMapLines).empty()) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    int err = ::write(fd, lines_340.data(), lines_340.size()) < 0 ? errno : 0;
    ::close(fd);
    EXPECT_EQ(err, 0) << "root writing 340 lines: " << std::strerror(err);
    root_wrote = ReadFile(path);
  }
  ASSERT_TRUE(h.Release().Success());
  obs.Collect();
  EXPECT_THAT(obs["zero"], FailedWith(EINVAL));
  EXPECT_THAT(obs["overlap"], FailedWith(EINVAL));
  EXPECT_THAT(obs["lines_341"], FailedWith(EINVAL));
  EXPECT_THAT(obs["lines_340"], FailedWith(EPERM));
  if (!root_wrote.empty()) {
    EXPECT_EQ(std::count(root_wrote.begin(), root_wrote.end(), '\n'), 340) << root_wrote;
  }
}

TEST_P(UserNamespace, NestingStopsAtTheKernelsDepthLimit) {
  // Each level must map the caller's ids before it may create the next (an unmapped euid
  // gives EPERM). Below the first level the caller is root in its parent.
  const std::string first_uid = "0 " + std::to_string(CreatorUid()) + " 1";
  const std::string first_gid = "0 " + std::to_string(CreatorGid()) + " 1";
  Observations obs;
  auto w = obs.Writer();
  ASSERT_TRUE(testing::Launch(BareSpec(),
                              [&] {
                                int depth = 1;
                                int err = 0;
                                for (;; ++depth) {
                                  const char* u = depth == 1 ? first_uid.c_str() : "0 0 1";
                                  const char* g = depth == 1 ? first_gid.c_str() : "0 0 1";
                                  WriteOnceInChild("/proc/self/setgroups", "deny");
                                  int e = WriteOnceInChild("/proc/self/gid_map", g);
                                  if (e == 0) e = WriteOnceInChild("/proc/self/uid_map", u);
                                  if (e != 0) {
                                    w.Failed("map", e);
                                    return 1;
                                  }
                                  if (testing::Unshare(CLONE_NEWUSER) != 0) {
                                    err = errno;
                                    break;
                                  }
                                }
                                w.Value("depth", depth);
                                w.Value("last_err", err);
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  obs.Collect();
  // The level of our own namespace: how many parents it has.
  int our_level = 0;
  for (UniqueFd ns = OpenOrThrow("/proc/self/ns/user", O_RDONLY);;) {
    NsFdAnswer parent = NsGetParent(ns.Get());
    if (!parent.Ok()) break;
    ns = std::move(parent.fd);
    ++our_level;
  }
  const std::int64_t deepest = our_level + obs.Value("depth");
  EXPECT_GE(deepest, 32);
  EXPECT_THAT(obs["last_err"], HasValue(ENOSPC)) << "the refusal at level " << deepest + 1;
  RecordProperty("deepest_user_namespace_level", std::to_string(deepest));
}

TEST_P(UserNamespace, OwnerUidIsTheCreatorAndTheParentIsOurs) {
  Holder h(BareSpec());
  ASSERT_TRUE(h.Ready());
  UniqueFd theirs = OpenOrThrow(NsPath(h.Pid(), Kind::kUser).c_str(), O_RDONLY);
  UniqueFd ours = OpenOrThrow(NsPath(0, Kind::kUser).c_str(), O_RDONLY);
  NsAnswer owner = NsGetOwnerUid(theirs.Get());
  NsAnswer our_owner = NsGetOwnerUid(ours.Get());
  NsFdAnswer parent = NsGetParent(theirs.Get());
  ASSERT_TRUE(h.Release().Success());
  if (owner.unsupported) GTEST_SKIP() << "unsupported: NS_GET_OWNER_UID needs Linux 4.11 (ENOTTY)";
  ASSERT_TRUE(owner.Ok()) << std::strerror(owner.err);
  ASSERT_TRUE(parent.Ok()) << "NS_GET_PARENT: " << std::strerror(parent.err);
  EXPECT_EQ(owner.value, CreatorUid()) << "our namespace's owner: " << our_owner.value;
  EXPECT_EQ(IdentityOfFd(parent.fd.Get(), Kind::kUser), IdentityOfFd(ours.Get(), Kind::kUser))
      << "the child's user namespace is not a child of ours";
}

TEST_P(UserNamespace, ExecClearsTheCapabilitiesOfANonRootUid) {
  // Exec a reader of its own capabilities as uid 1000 and as uid 0 inside. The creator maps
  // itself (one line, its own id), so both modes can write this map.
  auto caps_after_exec = [&](std::uint32_t inside) {
    Spec spec = BareSpec();
    spec.uid_map = ParseIdMap(std::to_string(inside) + " " + std::to_string(CreatorUid()) + " 1");
    spec.gid_map = ParseIdMap(std::to_string(inside) + " " + std::to_string(CreatorGid()) + " 1");
    Pipe out = Pipe::Make();
    spec.fds = {{out.write.Get(), 1}};
    Child c =
        testing::Launch(spec, std::vector<std::string>{"grep", "^CapEff:", "/proc/self/status"});
    out.write.Reset();
    std::string text;
    char buf[256];
    for (ssize_t n; (n = ::read(out.read.Get(), buf, sizeof buf)) > 0;) text.append(buf, n);
    EXPECT_TRUE(c.Wait(kWait).Success()) << text;
    return text;
  };
  Observations obs;
  auto w = obs.Writer();
  Spec before = BareSpec();
  before.uid_map = ParseIdMap("1000 " + std::to_string(CreatorUid()) + " 1");
  before.gid_map = ParseIdMap("1000 " + std::to_string(CreatorGid()) + " 1");
  ASSERT_TRUE(testing::Launch(before,
                              [&] {
                                w.Value("uid", ::syscall(SYS_getuid));
                                w.Value("caps", static_cast<std::int64_t>(EffectiveCaps()));
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  obs.Collect();
  EXPECT_THAT(obs["uid"], HasValue(1000));
  EXPECT_EQ(static_cast<std::uint64_t>(obs.Value("caps")), FullCaps())
      << "before exec, uid 1000 holds the creator's capabilities";
  char full[32];
  std::snprintf(full, sizeof full, "CapEff:\t%016llx\n",
                static_cast<unsigned long long>(FullCaps()));
  EXPECT_EQ(caps_after_exec(1000), "CapEff:\t0000000000000000\n");
  EXPECT_EQ(caps_after_exec(0), full) << "the contrast: uid 0 keeps them across exec";
}

TEST_P(UserNamespace, SetnsIntoASiblingUserNamespaceIsRefused) {
  Holder a(BareSpec());
  ASSERT_TRUE(a.Ready());
  UniqueFd a_ns = OpenOrThrow(NsPath(a.Pid(), Kind::kUser).c_str(), O_RDONLY);
  Observations obs;
  auto w = obs.Writer();
  ASSERT_TRUE(testing::Launch(BareSpec(),
                              [&] {
                                w.Result("sibling", ::setns(a_ns.Get(), CLONE_NEWUSER));
                                int own = ::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
                                w.Result("own", ::setns(own, CLONE_NEWUSER));
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  // The contrast: from our level, the same namespace can be joined.
  Spec joiner;
  joiner.join = JoinTarget{a.Pid(), KindSet{Kind::kUser}};
  if (!Privileged() && ::geteuid() == 0) joiner.create_as = testing::kNobody;
  ASSERT_TRUE(testing::Launch(joiner,
                              [&] {
                                w.Link("joined", "/proc/self/ns/user");
                                return 0;
                              })
                  .Wait(kWait)
                  .Success());
  const std::string a_link = ReadNsLink(a.Pid(), Kind::kUser);
  ASSERT_TRUE(a.Release().Success());
  obs.Collect();
  EXPECT_THAT(obs["sibling"], FailedWith(EPERM));
  EXPECT_THAT(obs["own"], FailedWith(EINVAL));
  EXPECT_THAT(obs["joined"], HasText(a_link));
}

INSTANTIATE_TEST_SUITE_P(Modes, UserNamespace, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
