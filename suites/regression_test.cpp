// Historical namespace escapes as regression cases: each case is named after the behaviour the
// fix established and cites its CVE or fix commit. None runs a reproducer that corrupts
// memory: each asserts the refusal the fix put in, next to its own control, the same
// operation in the case where the kernel allows it, so that a refusal for another reason
// (or a runtime that created nothing) cannot pass for the fix.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "suites/support/cgroup.hpp"
#include "suites/support/child.hpp"
#include "suites/support/depends.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using testing::FailedWith;
using ::testing::HasSubstr;
using testing::HasText;
using testing::HasValue;
using testing::LaunchInNew;
using ::testing::Not;
using testing::Observations;
using testing::ObservationWriter;
using testing::Succeeded;
using testing::Unshare;

// Whether this process is in the initial user namespace, whose uid_map maps every id.
bool InInitialUserNamespace() {
  std::ifstream in("/proc/self/uid_map");
  unsigned long inside = 1, outside = 1, count = 0;
  in >> inside >> outside >> count;
  return inside == 0 && outside == 0 && count == 4294967295UL;
}

class Regression : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    // The fixes' controls are root's of the initial user namespace (README: privileged is
    // root with no user namespace); root of `unshare -Ur` is not that.
    if (mode() == Mode::kPrivileged && !InInitialUserNamespace())
      GTEST_SKIP() << "privilege: privileged mode needs root of the initial user namespace; "
                      "this process is in a user namespace";
  }
  Mode mode() const { return GetParam(); }
};

// Skips the case with the probe's reason when `kinds` cannot be made in this mode.
#define SKIP_UNLESS_MADE(...)                                                                      \
  do {                                                                                             \
    if (std::string why_ = testing::UnavailableReason(KindSet __VA_ARGS__, mode()); !why_.empty()) \
      GTEST_SKIP() << why_;                                                                        \
  } while (0)
// Declares that the case depends on `kinds` (the negative control withholds each of them and
// counts the case into its sensitivity), then skips it as SKIP_UNLESS_MADE does.
#define NEED(...)                                 \
  do {                                            \
    testing::DependsOnKinds(KindSet __VA_ARGS__); \
    SKIP_UNLESS_MADE(__VA_ARGS__);                \
  } while (0)

// Async-signal-safe helpers for the bodies.
bool WriteFileInChild(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::write(fd, text, std::strlen(text));
  int err = errno;
  ::close(fd);
  errno = err;
  return n == static_cast<ssize_t>(std::strlen(text));
}
// A private tmpfs on /tmp of the caller's own mount namespace, to build on.
bool PrivateTmpInChild(const ObservationWriter& w) {
  w.Result("private", ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
  long r = ::mount("nsprobe", "/tmp", "tmpfs", 0, "mode=0755");
  w.Result("tmpfs", r);
  return r == 0;
}
// Whether the file `path` contains `needle` (reads at most 64 KiB).
bool FileHasInChild(const char* path, const char* needle) {
  static char buf[65536];  // a body's stack may be small; a body is one process
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t got = 0;
  ssize_t n;
  while (got < sizeof buf - 1 && (n = ::read(fd, buf + got, sizeof buf - 1 - got)) > 0)
    got += static_cast<std::size_t>(n);
  ::close(fd);
  buf[got] = '\0';
  return std::strstr(buf, needle) != nullptr;
}

// CVE-2013-1858, e66eded8309e "userns: Don't allow CLONE_NEWUSER | CLONE_FS": a new user
// namespace sharing its fs_struct with the parent would let the parent chroot with its caps.
TEST_P(Regression, UserNamespaceWithSharedFsRefused) {
  NEED({Kind::kUser});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {}, [&] {
    const long pid = testing::ForkInChild(CLONE_NEWUSER | CLONE_FS);
    if (pid == 0) ::_exit(0);
    w.Result("with_fs_err", pid);
    if (pid > 0) testing::WaitInChild(pid);
    w.Value("alone", testing::InForkedChild([] { return 0; }, CLONE_NEWUSER));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  EXPECT_THAT(obs["with_fs_err"], FailedWith(EINVAL));
  EXPECT_THAT(obs["alone"], testing::ExitedWith(0)) << "control: CLONE_NEWUSER alone";
}

// CVE-2013-1956, 3151527ee007 "userns: Don't allow creation if the user is chrooted": a
// chrooted process could make a user namespace and escape the chroot with its caps there.
TEST_P(Regression, NoUserNamespaceFromInsideChroot) {
  NEED({Kind::kUser, Kind::kMnt});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt}, [&] {
    w.Value("before", testing::InForkedChild([] { return Unshare(CLONE_NEWUSER) == 0 ? 0 : 1; }));
    w.Result("chroot", ::chroot("/dev"));
    w.Result("unshare", Unshare(CLONE_NEWUSER));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["chroot"], Succeeded());
  EXPECT_THAT(obs["before"], testing::ExitedWith(0)) << "control: unshare before chroot";
  EXPECT_THAT(obs["unshare"], FailedWith(EPERM));
}

// 132c94e31b8b "vfs: Carefully propogate mounts across user namespaces": a mount namespace
// owned by a less privileged user namespace gets shared mounts as slaves, so that its mounts
// never propagate back into the more privileged one.
TEST_P(Regression, LessPrivilegedMountNamespaceTurnsSharedIntoSlave) {
  NEED({Kind::kUser, Kind::kMnt});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt}, [&] {
    if (!PrivateTmpInChild(w)) return 1;
    w.Result("shared", ::mount(nullptr, "/tmp", nullptr, MS_SHARED, nullptr));
    w.Value("same_user", testing::InForkedChild([] {
              if (Unshare(CLONE_NEWNS) != 0) return 2;
              return FileHasInChild("/proc/self/mountinfo", "/tmp rw") &&
                             !FileHasInChild("/proc/self/mountinfo", "master:")
                         ? 0
                         : 1;
            }));
    w.Value("new_user", testing::InForkedChild([] {
              if (Unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return 2;
              return FileHasInChild("/proc/self/mountinfo", "master:") ? 0 : 1;
            }));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["shared"], Succeeded());
  EXPECT_THAT(obs["same_user"], testing::ExitedWith(0))
      << "control: a copy in the same user namespace keeps the mount shared";
  EXPECT_THAT(obs["new_user"], testing::ExitedWith(0))
      << "a copy owned by a new user namespace must show the mount as a slave (master:)";
}

// CVE-2014-5206/5207, a6138db815df "mnt: Only change user settable mount flags in remount",
// 9566d6742852 "mnt: Correct permission checks in do_remount": flags a more privileged
// namespace set (ro, nosuid, nodev) are locked for a less privileged one.
TEST_P(Regression, LockedMountFlagsCannotBeCleared) {
  NEED({Kind::kUser, Kind::kMnt});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt}, [&] {
    if (!PrivateTmpInChild(w)) return 1;
    constexpr unsigned long kLocked = MS_RDONLY | MS_NOSUID | MS_NODEV;
    w.Result("ro", ::mount(nullptr, "/tmp", nullptr, MS_REMOUNT | MS_BIND | kLocked, nullptr));
    if (Unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return 2;
    w.Result("keep", ::mount(nullptr, "/tmp", nullptr, MS_REMOUNT | MS_BIND | kLocked, nullptr));
    w.Result("clear_ro", ::mount(nullptr, "/tmp", nullptr,
                                 MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV, nullptr));
    w.Result("clear_nosuid", ::mount(nullptr, "/tmp", nullptr,
                                     MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NODEV, nullptr));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["ro"], Succeeded());
  EXPECT_THAT(obs["keep"], Succeeded()) << "control: a remount that keeps the locked flags";
  EXPECT_THAT(obs["clear_ro"], FailedWith(EPERM));
  EXPECT_THAT(obs["clear_nosuid"], FailedWith(EPERM));
}

// CVE-2014-9717 and 5ff9d8a65ce8 "vfs: Lock in place mounts from more privileged users": a
// mount inherited from a more privileged namespace cannot be detached to show what it covers.
TEST_P(Regression, LockedMountCannotBeDetachedToRevealWhatItCovers) {
  NEED({Kind::kUser, Kind::kMnt});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt}, [&] {
    if (!PrivateTmpInChild(w)) return 1;
    ::mkdir("/tmp/covered", 0755);
    ::mkdir("/tmp/mine", 0755);
    ::close(::open("/tmp/covered/secret", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
    w.Result("cover", ::mount("cover", "/tmp/covered", "tmpfs", 0, nullptr));
    if (Unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return 2;
    w.Result("mount_mine", ::mount("mine", "/tmp/mine", "tmpfs", 0, nullptr));
    w.Result("umount_mine", ::umount2("/tmp/mine", MNT_DETACH));
    w.Result("umount_locked", ::umount2("/tmp/covered", MNT_DETACH));
    w.Result("secret", ::access("/tmp/covered/secret", F_OK));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["cover"], Succeeded());
  EXPECT_THAT(obs["umount_mine"], Succeeded()) << "control: a mount of the namespace's own";
  EXPECT_THAT(obs["umount_locked"], FailedWith(EINVAL));
  EXPECT_THAT(obs["secret"], FailedWith(ENOENT)) << "what the locked mount covers showed";
}

// CVE-2014-8989, 9cc46516ddf4 "userns: Add a knob to disable setgroups on a per user
// namespace basis" and 66d2f338ee4c "userns: Allow setting gid_maps without privilege when
// setgroups is disabled": an unprivileged gid_map needs setgroups "deny" first, or the new
// root could drop the groups that deny it access.
TEST_P(Regression, GidMapNeedsSetgroupsDeny) {
  NEED({Kind::kUser});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {}, [&] {
    char line[32];
    std::snprintf(line, sizeof line, "0 %u 1", static_cast<unsigned>(::getegid()));
    if (Unshare(CLONE_NEWUSER) != 0) return 2;
    w.File("inherited", "/proc/self/setgroups");
    w.Value("allow_map", WriteFileInChild("/proc/self/gid_map", line) ? 0 : errno);
    w.Value("deny", WriteFileInChild("/proc/self/setgroups", "deny") ? 0 : errno);
    w.Value("reallow", WriteFileInChild("/proc/self/setgroups", "allow") ? 0 : errno);
    w.Value("deny_map", WriteFileInChild("/proc/self/gid_map", line) ? 0 : errno);
    // "deny" is for good: not even the namespace's own root turns it back.
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  EXPECT_THAT(obs["reallow"], HasValue(EPERM)) << "setgroups turned back to allow";
  if (mode() == Mode::kUnprivileged) {
    // Made inside a namespace that denies setgroups already: the new one inherits "deny",
    // and so the map is allowed at once.
    EXPECT_THAT(obs["inherited"], HasText(HasSubstr("deny")));
    EXPECT_THAT(obs["allow_map"], HasValue(0)) << "control: the map under an inherited deny";
    return;
  }
  EXPECT_THAT(obs["deny_map"], HasValue(0)) << "control: the same map after setgroups deny";
  EXPECT_THAT(obs["inherited"], HasText(HasSubstr("allow")));
  EXPECT_THAT(obs["allow_map"], HasValue(EPERM)) << "gid_map written with setgroups allowed";
  EXPECT_THAT(obs["deny"], HasValue(0));
}

// CVE-2013-1959, e3211c120a85 "userns: Check uid_map's opener's fsuid, not the current
// fsuid" and 6708075f104c: without privilege over the parent namespace a map may name only
// the writer's own id.
TEST_P(Regression, UidMapWithoutPrivilegeMapsOnlyTheWritersOwnId) {
  NEED({Kind::kUser});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {}, [&] {
    char own[32], other[32];
    std::snprintf(own, sizeof own, "0 %u 1", static_cast<unsigned>(::geteuid()));
    std::snprintf(other, sizeof other, "0 %u 1", static_cast<unsigned>(::geteuid() + 1));
    if (Unshare(CLONE_NEWUSER) != 0) return 2;
    w.Value("other", WriteFileInChild("/proc/self/uid_map", other) ? 0 : errno);
    w.Value("own", WriteFileInChild("/proc/self/uid_map", own) ? 0 : errno);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  EXPECT_THAT(obs["other"], HasValue(EPERM));
  EXPECT_THAT(obs["own"], HasValue(0)) << "control: the writer's own id";
}

// CVE-2015-2925, 397d425dc26d "vfs: Test for and handle paths that are unreachable from their
// mnt_root": a directory renamed out of a bind mount's root is cut off, and ".." from it does
// not climb into what the bind mount hides.
TEST_P(Regression, NoEscapeFromBindMountByRenameAndDotDot) {
  NEED({Kind::kMnt});
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt}, [&] {
    if (!PrivateTmpInChild(w)) return 1;
    ::mkdir("/tmp/a", 0755);
    ::mkdir("/tmp/a/b", 0755);
    ::mkdir("/tmp/a/b/c", 0755);
    ::mkdir("/tmp/x", 0755);
    w.Result("bind", ::mount("/tmp/a/b", "/tmp/x", nullptr, MS_BIND, nullptr));
    w.Result("cd", ::chdir("/tmp/x/c"));
    w.Value("up_before", testing::InForkedChild([] { return ::chdir("..") == 0 ? 0 : errno; }));
    w.Result("rename", ::rename("/tmp/a/b/c", "/tmp/a/c"));
    w.Result("up_after", ::chdir(".."));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["bind"], Succeeded());
  ASSERT_THAT(obs["rename"], Succeeded());
  EXPECT_THAT(obs["up_before"], testing::ExitedWith(0)) << "control: '..' inside the bind mount";
  EXPECT_THAT(obs["up_after"], FailedWith(ENOENT));
}

// 92f28d973cce "scm: Require CAP_SYS_ADMIN over the current pidns to spoof pids": a process
// may put only a pid of its own namespace in SCM_CREDENTIALS; one outside it does not exist.
TEST_P(Regression, ScmCredentialsCannotForgeAPidOutside) {
  NEED({Kind::kPid});
  const pid_t outside = ::getpid();
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kPid}, [&] {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) return 2;
    int on = 1;
    ::setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    auto send_as = [&](pid_t pid) {
      ucred cred{pid, ::getuid(), ::getgid()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof cred)] = {};
      char byte = 'x';
      iovec iov{&byte, 1};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_CREDENTIALS;
      cm->cmsg_len = CMSG_LEN(sizeof cred);
      std::memcpy(CMSG_DATA(cm), &cred, sizeof cred);
      return ::sendmsg(sv[0], &msg, 0);
    };
    w.Result("outside_visible", ::kill(outside, 0));
    w.Result("own", send_as(::getpid()));
    w.Result("forged", send_as(outside));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["outside_visible"], FailedWith(ESRCH)) << "our pid exists in the child's";
  EXPECT_THAT(obs["own"], Succeeded()) << "control: the sender's own pid";
  EXPECT_THAT(obs["forged"], FailedWith(ESRCH));
}

// CVE-2014-4014, 23adbe12ef7d "fs,userns: Change inode_capable to capable_wrt_inode_uidgid":
// capabilities in a user namespace do not let chmod set the setgid bit of a file whose group
// the namespace does not map (nor, without them, of a group the caller is not in).
TEST_P(Regression, SetgidThroughAnUnmappedGroupIsCleared) {
  // Privileged, the case is uid 65534 in our own user namespace, with no namespace of its own:
  // nothing the negative control withholds decides that half's verdict, whose evidence is its
  // control (a group the caller has) in the same process. Only the unprivileged half declares.
  if (mode() == Mode::kUnprivileged) testing::DependsOnKinds(KindSet{Kind::kUser});
  SKIP_UNLESS_MADE({Kind::kUser});
  if (::geteuid() != 0)
    GTEST_SKIP() << "privilege: the files of another owner and group this case sets up need root";
  testing::TempDir dir("setgid");
  const std::string unmapped = dir.Sub("unmapped"), mapped = dir.Sub("mapped");
  for (const std::string& f : {unmapped, mapped}) std::ofstream(f) << "x";
  ASSERT_EQ(::chown(unmapped.c_str(), testing::kNobody.uid, 0), 0);
  ASSERT_EQ(::chown(mapped.c_str(), testing::kNobody.uid, testing::kNobody.gid), 0);
  Observations obs;
  auto w = obs.Writer();
  // Privileged: uid and gid 65534 with no capability at all; unprivileged: root of a user
  // namespace mapped to them, with every capability there.
  Child c = LaunchInNew(mode(), {}, [&] {
    if (mode() == Mode::kPrivileged &&
        (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
         ::setresuid(65534, 65534, 65534) != 0))
      return 2;
    struct stat st {};
    w.Result("chmod_unmapped", ::chmod(unmapped.c_str(), 02755));
    ::stat(unmapped.c_str(), &st);
    w.Value("unmapped_sgid", (st.st_mode & S_ISGID) != 0);
    w.Result("chmod_mapped", ::chmod(mapped.c_str(), 02755));
    ::stat(mapped.c_str(), &st);
    w.Value("mapped_sgid", (st.st_mode & S_ISGID) != 0);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["chmod_unmapped"], Succeeded());
  EXPECT_THAT(obs["mapped_sgid"], HasValue(1)) << "control: a group the caller has";
  EXPECT_THAT(obs["unmapped_sgid"], HasValue(0));
}

// CVE-2018-13405, 0fa3ecd87848 "Fix up non-directory creation in SGID directories": a file
// created in a setgid directory of a group the creator is not in loses its setgid bit.
TEST_P(Regression, FileCreatedInForeignSetgidDirectoryLosesSetgid) {
  // As above: privileged, no namespace of its own; its control (its own group's directory) is
  // the evidence.
  if (mode() == Mode::kUnprivileged) testing::DependsOnKinds(KindSet{Kind::kUser});
  SKIP_UNLESS_MADE({Kind::kUser});
  if (::geteuid() != 0)
    GTEST_SKIP() << "privilege: the files of another owner and group this case sets up need root";
  testing::TempDir dir("sgiddir");
  const std::string foreign = dir.Sub("foreign"), own = dir.Sub("own");
  ASSERT_EQ(::mkdir(foreign.c_str(), 0777), 0);
  ASSERT_EQ(::mkdir(own.c_str(), 0777), 0);
  ASSERT_EQ(::chown(foreign.c_str(), 0, 0), 0);
  ASSERT_EQ(::chown(own.c_str(), 0, testing::kNobody.gid), 0);
  ASSERT_EQ(::chmod(foreign.c_str(), 02777), 0);
  ASSERT_EQ(::chmod(own.c_str(), 02777), 0);
  const std::string in_foreign = foreign + "/f", in_own = own + "/f";
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {}, [&] {
    if (mode() == Mode::kPrivileged &&
        (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
         ::setresuid(65534, 65534, 65534) != 0))
      return 2;
    ::umask(0);
    struct stat st {};
    w.Result("foreign", ::open(in_foreign.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 02755));
    ::stat(in_foreign.c_str(), &st);
    w.Value("foreign_sgid", (st.st_mode & S_ISGID) != 0);
    w.Result("own", ::open(in_own.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 02755));
    ::stat(in_own.c_str(), &st);
    w.Value("own_sgid", (st.st_mode & S_ISGID) != 0);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["foreign"], Succeeded());
  EXPECT_THAT(obs["own_sgid"], HasValue(1)) << "control: a directory of the creator's group";
  EXPECT_THAT(obs["foreign_sgid"], HasValue(0));
}

// /proc/net and /proc/sysvipc show the namespace the reader is in now, not the one it was in
// when /proc was first looked at: 1fde6f21d90f "proc: fix /proc/net/* after setns(2)".
// `unshare` makes the namespace in a grandchild, marks it, and the child joins it by setns.
struct FollowCase {
  int flag;
  const char* ns;
  const char* proc_file;
};
void MarkInChild(int flag, const char* marker) {
  if (flag == CLONE_NEWNET) {
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path + 1, marker, std::strlen(marker));
    ::bind(s, reinterpret_cast<sockaddr*>(&a),
           static_cast<socklen_t>(sizeof(sa_family_t) + 1 + std::strlen(marker)));
  } else {
    ::msgget(0x6e737072, IPC_CREAT | 0600);  // "nspr", shown in /proc/sysvipc/msg
  }
}
void ExpectProcFollowsSetns(Mode mode, const FollowCase& fc, const char* marker) {
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode, {}, [&] {
    int ready[2], go[2];
    if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(go, O_CLOEXEC) != 0) return 4;
    char byte = 'r';
    const long gc = testing::ForkInChild();
    if (gc == 0) {
      ::close(go[1]);
      if (Unshare(fc.flag) != 0) ::_exit(2);
      MarkInChild(fc.flag, marker);
      if (::write(ready[1], &byte, 1) != 1) ::_exit(3);
      (void)!::read(go[0], &byte, 1);  // EOF when the child closes its end
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(go[0]);
    char ns[64];
    std::snprintf(ns, sizeof ns, "/proc/%ld/ns/%s", gc, fc.ns);
    // Looked at once the mark is made, so that a mark made in our own namespace (where none
    // new was made: the negative control) shows here and fails the control.
    if (::read(ready[0], &byte, 1) != 1) return 3;
    w.Value("before", FileHasInChild(fc.proc_file, marker));
    int fd = ::open(ns, O_RDONLY | O_CLOEXEC);
    w.Result("setns", ::setns(fd, fc.flag));
    w.Value("after", FileHasInChild(fc.proc_file, marker));
    ::close(go[1]);
    testing::WaitInChild(gc);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["setns"], Succeeded());
  EXPECT_THAT(obs["before"], HasValue(0)) << "control: the mark is not in the first namespace";
  EXPECT_THAT(obs["after"], HasValue(1)) << fc.proc_file << " still shows the old namespace";
}
TEST_P(Regression, ProcNetFollowsSetns) {
  NEED({Kind::kNet});
  ExpectProcFollowsSetns(mode(), {CLONE_NEWNET, "net", "/proc/net/unix"}, "nsprobe-regress");
}
TEST_P(Regression, ProcSysvipcFollowsSetns) {
  NEED({Kind::kIpc});
  ExpectProcFollowsSetns(mode(), {CLONE_NEWIPC, "ipc", "/proc/sysvipc/msg"}, "1853059186");
}

// 69879c01a0c3 "proc: Reconfigure proc per mount point"... and the series that gave every
// proc mount its own options (5.8): before it, hidepid set by a mount in a child mount
// namespace of the same pid namespace changed the host's /proc too.
TEST_P(Regression, ChildHidepidProcDoesNotChangeHostProc) {
  // Mounting proc needs privilege over the pid namespace: unprivileged, a pid namespace too.
  const KindSet kinds =
      mode() == Mode::kPrivileged ? KindSet{Kind::kMnt} : KindSet{Kind::kMnt, Kind::kPid};
  NEED({kinds});
  NSPROBE_SKIP_UNLESS_FRESH_PROC(mode());
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), kinds, [&] {
    if (!PrivateTmpInChild(w)) return 1;
    ::mkdir("/tmp/proc", 0755);
    w.Result("mount", ::mount("proc", "/tmp/proc", "proc", 0, "hidepid=invisible"));
    w.Value("child_hidepid", FileHasInChild("/proc/self/mountinfo", "hidepid=invisible"));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  std::ifstream mi("/proc/self/mountinfo");
  std::stringstream ours;
  ours << mi.rdbuf();
  ASSERT_THAT(obs["mount"], Succeeded());
  EXPECT_THAT(obs["child_hidepid"], HasValue(1)) << "control: the child's mount has hidepid";
  EXPECT_THAT(ours.str(), Not(HasSubstr("hidepid=invisible")))
      << "a child's proc mount changed the options of ours";
}

// CVE-2022-0492, 24f600856418 "cgroup-v1: Require capabilities to set release_agent": root
// of a user namespace that mounts a cgroup v1 hierarchy may not set the program the host's
// kernel runs as root when a cgroup empties. The write puts the current value back, so that
// the privileged control changes nothing.
TEST_P(Regression, CgroupV1ReleaseAgentRefusedOutsideTheInitialUserNamespace) {
  NEED({Kind::kMnt, Kind::kCgroup});
  std::ifstream mi("/proc/self/mountinfo");
  std::stringstream all;
  all << mi.rdbuf();
  const char* options = all.str().find("name=systemd") != std::string::npos ? "none,name=systemd"
                        : all.str().find(" cgroup rw,pids") != std::string::npos ? "pids"
                                                                                 : nullptr;
  if (options == nullptr)
    GTEST_SKIP() << "unsupported: no cgroup v1 hierarchy (name=systemd or pids) is mounted here";
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt, Kind::kCgroup}, [&] {
    if (!PrivateTmpInChild(w)) return 1;
    w.Result("mount", ::mount("cgroup", "/tmp", "cgroup", 0, options));
    char agent[512] = {};
    int fd = ::open("/tmp/release_agent", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : ::read(fd, agent, sizeof agent - 1);
    if (fd >= 0) ::close(fd);
    if (n <= 0) std::memcpy(agent, "\n", 2);
    fd = ::open("/tmp/release_agent", O_WRONLY | O_CLOEXEC);
    w.Result("open", fd);
    w.Result("write", fd < 0 ? -1 : ::write(fd, agent, std::strlen(agent)));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  if (mode() == Mode::kPrivileged) {
    ASSERT_THAT(obs["mount"], Succeeded());
    EXPECT_THAT(obs["write"], Succeeded()) << "control: root of the initial user namespace";
    return;
  }
  // Either the hierarchy cannot be mounted at all there, or its release_agent refuses.
  if (obs["mount"].value < 0) {
    EXPECT_THAT(obs["mount"], FailedWith(EPERM));
    return;
  }
  // Refused at open (the file is the initial namespace root's) or, opened, at the write.
  EXPECT_THAT(obs["write"], ::testing::AnyOf(FailedWith(EPERM), FailedWith(EACCES)));
}

// runc CVE-2023-25809 (GHSA-m8cg-xc2p-r3fc), and the kernel semantics that fix it: a cgroup
// namespace roots a cgroup2 mount made inside at the member's own cgroup (a79a908fd2b0 "cgroup:
// introduce cgroup namespaces" and "cgroup: mount cgroupns-root when inside non-init cgroupns",
// 4.6). Rootless runc without a cgroup namespace bind-mounted the host's hierarchy, writable
// where the user's own cgroups are; with one, the container's cgroupfs is its own cgroup. The
// child starts in a private cgroup "a" that has a sub-cgroup "inner"; our own cgroup2 mount
// says, by inode, which directories "a" and the hierarchy's root are.
TEST_P(Regression, CgroupNamespaceRootsItsCgroup2MountAtItsOwnCgroup) {
  NEED({Kind::kMnt, Kind::kCgroup});
  testing::PrivateCgroup cgroup;
  if (!cgroup.Unavailable().empty()) GTEST_SKIP() << cgroup.Unavailable();
  cgroup.MakeSub("a");
  cgroup.MakeSub("a/inner");
  // cgroup2 is one kernfs tree: every mount of it shows a cgroup's directory with one inode.
  struct stat own_st {};
  struct stat root_st {};
  ASSERT_EQ(::stat(cgroup.Dir("a").c_str(), &own_st), 0);
  ASSERT_EQ(::stat(cgroup.Mount().c_str(), &root_st), 0);
  // The first directory of the private cgroup's path: below the host's root, never below "a".
  const std::string outside_name = cgroup.Path().substr(1, cgroup.Path().find('/', 1) - 1);
  testing::Handshake moved;
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {Kind::kMnt}, [&] {
    moved.Ready();
    if (!moved.AwaitGo()) return 3;
    if (!PrivateTmpInChild(w)) return 1;
    ::mkdir("/tmp/same", 0755);
    ::mkdir("/tmp/new", 0755);
    struct stat st {};
    // Control: the same mount from our cgroup namespace is the host's whole hierarchy (or, in
    // a user namespace, refused: the namespace's owner is the initial user namespace).
    w.Result("mount_same", ::mount("nsprobe", "/tmp/same", "cgroup2", 0, nullptr));
    w.Value("same_root", ::stat("/tmp/same", &st) == 0 ? static_cast<std::int64_t>(st.st_ino) : 0);
    w.Result("unshare", Unshare(CLONE_NEWCGROUP));
    w.Value("self_at_root", FileHasInChild("/proc/self/cgroup", "0::/\n"));
    w.Result("mount_new", ::mount("nsprobe", "/tmp/new", "cgroup2", 0, nullptr));
    w.Value("new_root", ::stat("/tmp/new", &st) == 0 ? static_cast<std::int64_t>(st.st_ino) : 0);
    w.Result("inner", ::access("/tmp/new/inner", F_OK));
    char outside[256];
    std::snprintf(outside, sizeof outside, "/tmp/new/%s", outside_name.c_str());
    w.Result("outside", ::access(outside, F_OK));
    return 0;
  });
  ASSERT_TRUE(moved.AwaitReady()) << "the child ended before it could be moved";
  cgroup.Move(c.Pid(), "a");
  moved.Go();
  ASSERT_TRUE(testing::Finished(c, obs));
  if (mode() == Mode::kPrivileged) {
    ASSERT_THAT(obs["mount_same"], Succeeded());
    EXPECT_THAT(obs["same_root"], HasValue(root_st.st_ino))
        << "control: without a cgroup namespace the mount is the host's hierarchy";
  } else {
    EXPECT_THAT(obs["mount_same"], FailedWith(EPERM))
        << "a user namespace mounted the cgroup hierarchy of a cgroup namespace it does not own";
  }
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["mount_new"], Succeeded());
  EXPECT_THAT(obs["self_at_root"], HasValue(1)) << "/proc/self/cgroup does not read 0::/";
  EXPECT_THAT(obs["new_root"], HasValue(own_st.st_ino))
      << "the new mount's root is not the child's cgroup " << cgroup.Path("a") << " (the host's "
      << "root is inode " << root_st.st_ino << ")";
  EXPECT_THAT(obs["inner"], Succeeded()) << "the child's sub-cgroup is not below the mount's root";
  EXPECT_THAT(obs["outside"], FailedWith(ENOENT))
      << "/" << outside_name << ", below the host's root, shows in the child's mount";
}

INSTANTIATE_TEST_SUITE_P(BothModes, Regression, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
