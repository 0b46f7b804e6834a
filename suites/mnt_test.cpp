// Mount namespaces (mount_namespaces(7)): private mount tables, the four propagation types
// (LTP mountns01-04), the less privileged copy a new user namespace gets (shared becomes
// slave, inherited mounts locked), and the CLONE_FS rule.
//
// Every mount here is a tmpfs on a fresh directory under /tmp, made inside a mount namespace
// this suite created; a child that finds itself in the test's own mount namespace refuses to
// mount anything.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/proc_files.hpp"
#include "suites/support/entry.hpp"
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
using ::testing::Ne;
using ::testing::Not;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
using testing::TempDir;

constexpr auto kWait = std::chrono::seconds(20);

// Whether `path` is a mount point over `below` (a different device). Async-signal-safe.
int MountedOver(const char* path, const char* below) {
  struct stat a {
  }, b{};
  if (::stat(path, &a) != 0 || ::stat(below, &b) != 0) return -1;
  return a.st_dev != b.st_dev ? 1 : 0;
}

long MountTmpfs(const char* path, unsigned long flags = 0) {
  return ::mount("nsprobe", path, "tmpfs", flags, "size=64k");
}

// The guard every mounting body runs first: true when the caller's mount namespace is not the
// test's (`ours`), so nothing it mounts can reach the host. Async-signal-safe.
bool InOwnMountNamespace(const ObservationWriter& w, ino_t ours) {
  struct stat st {};
  ::stat("/proc/self/ns/mnt", &st);
  w.Value("own_mnt_ns", st.st_ino != ours ? 1 : 0);
  return st.st_ino != ours;
}

ino_t OurMountNs() { return IdentityOf(0, Kind::kMnt).value().ino; }

// Our own view, for the contrast.
std::optional<proc::MountInfo> MountAt(const std::string& mountinfo, const std::string& path) {
  std::optional<proc::MountInfo> found;
  for (const proc::MountInfo& m : proc::ParseMountInfo(mountinfo))
    if (m.mount_point == path) found = m;  // the last one is on top
  return found;
}

// Lets a child body pause while the test looks at the world, although the test thread is
// blocked waiting for that child: the look runs on a thread of its own.
class Checkpoint {
 public:
  struct Note {
    long a = 0;
    long b = 0;
  };
  explicit Checkpoint(std::function<void(Note)> look)
      : thread_([this, look = std::move(look)] {
          Note n;
          if (::read(reached_.read.Get(), &n, sizeof n) == sizeof n) look(n);
          (void)!::write(resume_.write.Get(), "c", 1);
        }) {}
  ~Checkpoint() {
    reached_.write.Reset();  // a child that died before reaching it no longer holds a copy
    thread_.join();
  }
  // Async-signal-safe: in the child. Returns once the look is done.
  void ReachInChild(long a = 0, long b = 0) const {
    Note n{a, b};
    (void)!::write(reached_.write.Get(), &n, sizeof n);
    char c;
    (void)!::read(resume_.read.Get(), &c, 1);
  }

 private:
  Pipe reached_ = Pipe::Make();
  Pipe resume_ = Pipe::Make();
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------

class MntEntry : public testing::NoLeaksTest,
                 public ::testing::WithParamInterface<std::tuple<Entry, Mode>> {};

TEST_P(MntEntry, MountInsideIsInvisibleOutside) {
  auto [entry, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode);
  TempDir dir("mnt");
  const char* d = dir.Path().c_str();
  const ino_t ours = OurMountNs();
  std::optional<proc::MountInfo> seen_outside;
  int outside_over = -2;
  Checkpoint look([&](Checkpoint::Note) {
    seen_outside = MountAt(ReadFile("/proc/self/mountinfo"), dir.Path());
    outside_over = MountedOver(d, "/tmp");
  });
  Observations obs;
  auto w = obs.Writer();
  ExitStatus st = testing::RunVia(
      entry, mode, Kind::kMnt, obs,
      [&] {
        if (!InOwnMountNamespace(w, ours)) return 1;
        w.Result("mount", MountTmpfs(d));
        return 0;
      },
      [&] {
        w.Value("inside_over", MountedOver(d, "/tmp"));
        look.ReachInChild();
        return 0;
      });
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_THAT(obs["mount"], HasValue(0));
  EXPECT_THAT(obs["inside_over"], HasValue(1)) << "the child does not see its own mount";
  EXPECT_EQ(outside_over, 0) << dir.Path() << " is a mount point in our namespace too";
  EXPECT_FALSE(seen_outside) << "our mountinfo lists " << dir.Path();
}

INSTANTIATE_TEST_SUITE_P(Paths, MntEntry,
                         ::testing::Combine(testing::kAllEntries, testing::kBothModes),
                         testing::EntryModeParamName);

// ---------------------------------------------------------------------------------------------
// Propagation between a namespace O (made by the runtime) and I (cloned by O with CLONE_NEWNS,
// same user namespace): O mounts a tmpfs D, makes it shared, clones I; I gives its copy of D
// the type under test; then O mounts D/a and I mounts D/b, and each looks for the other's.

enum class Propagation : std::uint8_t { kShared, kPrivate, kSlave, kUnbindable };

struct PropagationInfo {
  Propagation type;
  const char* name;
  unsigned long flag;
};
void PrintTo(const PropagationInfo& p, std::ostream* os) { *os << p.name; }
constexpr PropagationInfo kPropagations[] = {
    {Propagation::kShared, "shared", MS_SHARED},
    {Propagation::kPrivate, "private", MS_PRIVATE},
    {Propagation::kSlave, "slave", MS_SLAVE},
    {Propagation::kUnbindable, "unbindable", MS_UNBINDABLE}};

struct LabResult {
  bool ran = false;
  int inside_sees_outer = -1;  // I sees O's D/a
  int outer_sees_inside = -1;  // O sees I's D/b
  int bind_err = -1;           // I bind-mounts its D elsewhere
  std::string dump;
};

// Async-signal-safe pieces of the lab. 0 or errno.
int SetPropagation(const char* path, unsigned long flag) {
  return ::mount(nullptr, path, nullptr, flag, nullptr) == 0 ? 0 : errno;
}
bool ReadByte(int fd) {
  char c;
  return ::read(fd, &c, 1) == 1;
}
void WriteByte(int fd) { (void)!::write(fd, "x", 1); }

// The exchange between O and I once I is cloned: I says it is ready, O mounts D/a, I looks
// for it and mounts D/b, O looks for that. Pipes made by O before the clone.
struct Exchange {
  const char* d;
  const char* a;
  const char* b;
  int to_inner[2] = {-1, -1};
  int to_outer[2] = {-1, -1};
  bool Open() { return ::pipe2(to_inner, O_CLOEXEC) == 0 && ::pipe2(to_outer, O_CLOEXEC) == 0; }

  // In I. False when O went away. Async-signal-safe.
  bool InnerHalf(const ObservationWriter& w) const {
    WriteByte(to_outer[1]);
    if (!ReadByte(to_inner[0])) return false;
    w.Value("inside_sees_outer", MountedOver(a, d));
    w.Result("inner_mount", MountTmpfs(b));
    return true;
  }
  // In I, when it has nothing more to do.
  void InnerDone() const { WriteByte(to_outer[1]); }

  // In O: its half, then reaps I. 0 when the exchange completed. Async-signal-safe.
  int OuterHalf(const ObservationWriter& w, long inner_pid) const {
    if (inner_pid < 0) {
      w.Result("clone", -1);
      return 1;
    }
    int rc = 1;
    if (ReadByte(to_outer[0])) {
      w.Result("outer_mount", MountTmpfs(a));
      WriteByte(to_inner[1]);
      if (ReadByte(to_outer[0])) {
        w.Value("outer_sees_inside", MountedOver(b, d));
        rc = 0;
      }
    }
    int status = 0;
    ::waitpid(static_cast<pid_t>(inner_pid), &status, 0);
    return rc;
  }
};

LabResult RunPropagationLab(Mode mode, const PropagationInfo& type) {
  TempDir dir("mnt"), elsewhere("mnt");
  const std::string d = dir.Path(), a = dir.Sub("a"), b = dir.Sub("b"), e = elsewhere.Path();
  const ino_t ours = OurMountNs();
  Observations obs;
  auto w = obs.Writer();
  Child o = testing::Launch(SpecFor(mode, KindSet{Kind::kMnt}), [&] {
    if (!InOwnMountNamespace(w, ours)) return 1;
    if (MountTmpfs(d.c_str()) != 0 || ::mkdir(a.c_str(), 0755) != 0 ||
        ::mkdir(b.c_str(), 0755) != 0) {
      w.Result("setup", -1);
      return 1;
    }
    w.Result("make_shared", SetPropagation(d.c_str(), MS_SHARED) == 0 ? 0 : -1);
    Exchange x{d.c_str(), a.c_str(), b.c_str()};
    if (!x.Open()) return 1;
    long pid = ::syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid == 0) {
      int err = SetPropagation(d.c_str(), type.flag);
      w.Status("inner_set_type", err);
      if (!x.InnerHalf(w)) ::_exit(1);
      w.Result("bind", ::mount(d.c_str(), e.c_str(), nullptr, MS_BIND, nullptr));
      x.InnerDone();
      ::_exit(0);
    }
    return x.OuterHalf(w, pid);
  });
  ExitStatus st = o.Wait(kWait);
  obs.Collect();
  LabResult r;
  r.dump = st.Describe() + "; " + obs.Dump();
  r.ran = st.Success() && obs.Has("outer_sees_inside") && obs.Value("make_shared") == 0 &&
          obs.Value("inner_set_type") == 0 && obs.Value("outer_mount") == 0 &&
          obs.Value("inner_mount") == 0;
  if (!r.ran) return r;
  r.inside_sees_outer = static_cast<int>(obs.Value("inside_sees_outer"));
  r.outer_sees_inside = static_cast<int>(obs.Value("outer_sees_inside"));
  r.bind_err = obs.Err("bind");
  return r;
}

class MountPropagation : public testing::NoLeaksTest,
                         public ::testing::WithParamInterface<std::tuple<PropagationInfo, Mode>> {};

TEST_P(MountPropagation, FollowsMountNamespaces7) {
  auto [type, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode);
  LabResult r = RunPropagationLab(mode, type);
  ASSERT_TRUE(r.ran) << r.dump;
  // The contrast: the same lab with the opposite answer (private for shared, shared otherwise).
  const PropagationInfo& other = kPropagations[type.type == Propagation::kShared ? 1 : 0];
  LabResult c = RunPropagationLab(mode, other);
  ASSERT_TRUE(c.ran) << c.dump;
  const bool receives = type.type == Propagation::kShared || type.type == Propagation::kSlave;
  const bool sends = type.type == Propagation::kShared;
  EXPECT_EQ(r.inside_sees_outer, receives ? 1 : 0)
      << type.name << ": the outer mount; " << other.name << " gives " << c.inside_sees_outer
      << "; " << r.dump;
  EXPECT_EQ(r.outer_sees_inside, sends ? 1 : 0)
      << type.name << ": the inner mount; " << other.name << " gives " << c.outer_sees_inside
      << "; " << r.dump;
  EXPECT_EQ(r.bind_err, type.type == Propagation::kUnbindable ? EINVAL : 0)
      << type.name << ": bind mount; " << other.name << " gives " << c.bind_err << "; " << r.dump;
  EXPECT_NE(std::tie(r.inside_sees_outer, r.outer_sees_inside, r.bind_err),
            std::tie(c.inside_sees_outer, c.outer_sees_inside, c.bind_err))
      << "the type made no difference";
}

INSTANTIATE_TEST_SUITE_P(Types, MountPropagation,
                         ::testing::Combine(::testing::ValuesIn(kPropagations),
                                            testing::kBothModes),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param).name) + "_" +
                                  std::string(ModeName(std::get<1>(param_info.param)));
                         });

// ---------------------------------------------------------------------------------------------

class MntNamespace : public testing::KindTest<Kind::kMnt> {};

// O (the runtime's namespace) holds a shared tmpfs D with a read-only, nosuid, noexec, nodev
// tmpfs at D/l; I is cloned by O with CLONE_NEWUSER|CLONE_NEWNS, so its mount namespace is
// owned by a user namespace below O's: a less privileged copy.
TEST_P(MntNamespace, ALessPrivilegedCopyGetsSlavesAndLockedMounts) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, mode());
  TempDir dir("mnt");
  const std::string d = dir.Path(), a = dir.Sub("a"), b = dir.Sub("b"), l = dir.Sub("l"),
                    m = dir.Sub("m");
  const ino_t ours = OurMountNs();
  constexpr unsigned long kLocked = MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV;
  constexpr std::pair<const char*, unsigned long> kClear[] = {{"clear_rdonly", MS_RDONLY},
                                                              {"clear_nosuid", MS_NOSUID},
                                                              {"clear_noexec", MS_NOEXEC},
                                                              {"clear_nodev", MS_NODEV}};
  std::optional<proc::MountInfo> outer_d, inner_d;
  Checkpoint look([&](Checkpoint::Note n) {
    inner_d = MountAt(ReadFile("/proc/" + std::to_string(n.a) + "/mountinfo"), d);
    outer_d = MountAt(ReadFile("/proc/" + std::to_string(n.b) + "/mountinfo"), d);
  });
  Observations obs;
  auto w = obs.Writer();
  Child o = testing::Launch(SpecFor(mode(), KindSet{Kind::kMnt}), [&] {
    if (!InOwnMountNamespace(w, ours)) return 1;
    if (MountTmpfs(d.c_str()) != 0 || ::mkdir(a.c_str(), 0755) != 0 ||
        ::mkdir(b.c_str(), 0755) != 0 || ::mkdir(l.c_str(), 0755) != 0 ||
        ::mkdir(m.c_str(), 0755) != 0 || MountTmpfs(l.c_str(), kLocked) != 0 ||
        SetPropagation(d.c_str(), MS_SHARED) != 0) {
      w.Result("setup", -1);
      return 1;
    }
    Exchange x{d.c_str(), a.c_str(), b.c_str()};
    if (!x.Open()) return 1;
    long pid = ::syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, nullptr, nullptr,
                         nullptr, nullptr);
    if (pid == 0) {
      // Map ourselves (root of O's user namespace) so that tmpfs inodes have an owner.
      int e = WriteOnceInChild("/proc/self/setgroups", "deny");
      if (e == 0) e = WriteOnceInChild("/proc/self/gid_map", "0 0 1");
      if (e == 0) e = WriteOnceInChild("/proc/self/uid_map", "0 0 1");
      w.Status("inner_maps", e);
      look.ReachInChild(::syscall(SYS_getpid), ::syscall(SYS_getppid));
      w.Result("umount_inherited", ::umount2(l.c_str(), 0));
      for (auto [key, flag] : kClear)
        w.Result(key, ::mount(nullptr, l.c_str(), nullptr, MS_REMOUNT | MS_BIND | (kLocked & ~flag),
                              nullptr));
      w.Result("keep_flags",
               ::mount(nullptr, l.c_str(), nullptr, MS_REMOUNT | MS_BIND | kLocked, nullptr));
      w.Result("own_mount", MountTmpfs(m.c_str()));
      w.Result("umount_own", ::umount2(m.c_str(), 0));
      if (!x.InnerHalf(w)) ::_exit(1);
      x.InnerDone();
      ::_exit(0);
    }
    int rc = x.OuterHalf(w, pid);
    // The contrast: in O, which owns them, the same flags can be cleared.
    w.Result("outer_clear_rdonly", ::mount(nullptr, l.c_str(), nullptr,
                                           MS_REMOUNT | MS_BIND | (kLocked & ~MS_RDONLY), nullptr));
    return rc;
  });
  ExitStatus st = o.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  ASSERT_THAT(obs["inner_maps"], HasValue(0));
  ASSERT_TRUE(outer_d && inner_d);
  EXPECT_THAT(outer_d->propagation, HasSubstr("shared:")) << "O's " << d;
  EXPECT_THAT(inner_d->propagation, HasSubstr("master:")) << "I's " << d;
  EXPECT_THAT(inner_d->propagation, Not(HasSubstr("shared:"))) << "I's " << d;
  EXPECT_THAT(obs["inside_sees_outer"], HasValue(1)) << "a slave receives";
  EXPECT_THAT(obs["outer_sees_inside"], HasValue(0)) << "a slave does not send";
  EXPECT_THAT(obs["umount_inherited"], FailedWith(EINVAL));
  for (auto [key, flag] : kClear) EXPECT_THAT(obs[key], FailedWith(EPERM)) << key;
  EXPECT_THAT(obs["keep_flags"], HasValue(0));
  EXPECT_THAT(obs["own_mount"], HasValue(0));
  EXPECT_THAT(obs["umount_own"], HasValue(0)) << "I's own mount is not locked";
  EXPECT_THAT(obs["outer_clear_rdonly"], HasValue(0)) << "O may clear its own flags";
}

TEST_P(MntNamespace, NewMountNamespaceWithCloneFsIsInvalid) {
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(SpecFor(mode(), KindSet{Kind::kMnt}), [&] {
    // A shared fs_struct would let the two tasks' roots diverge from their mount tables.
    auto try_clone = [&](const char* key, unsigned long flags) {
      long pid = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
      if (pid == 0) ::_exit(0);
      w.Result(key, pid < 0 ? -1 : 0);
      if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
    };
    w.Link("mnt_ns", "/proc/self/ns/mnt");
    try_clone("newns_fs", CLONE_NEWNS | CLONE_FS);
    try_clone("newns", CLONE_NEWNS);
    try_clone("fs", CLONE_FS);
    return 0;
  });
  ASSERT_TRUE(c.Wait(kWait).Success());
  obs.Collect();
  ASSERT_THAT(obs["mnt_ns"], HasText(Ne(ReadNsLink(0, Kind::kMnt))))
      << "not in a mount namespace of its own";
  EXPECT_THAT(obs["newns_fs"], FailedWith(EINVAL));
  EXPECT_THAT(obs["newns"], HasValue(0)) << "the contrast: CLONE_NEWNS alone";
  EXPECT_THAT(obs["fs"], HasValue(0)) << "the contrast: CLONE_FS alone";
}

INSTANTIATE_TEST_SUITE_P(Modes, MntNamespace, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
