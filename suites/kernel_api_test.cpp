// The newer kernel interfaces that name or reach another process's namespaces, and whether they
// keep to what the namespaces promise: statmount(2)/listmount(2) of a mount namespace by its id
// (6.8, 6.11), the PIDFD_GET_*_NAMESPACE ioctls (6.11), pidfs file handles (6.13), listns(2)
// (6.19) and empty mount namespaces (CLONE_EMPTY_MNTNS, 7.1). A kernel without one skips its
// cases with "unsupported: <interface> needs Linux <version>" and the errno it answered.
//
// Debian 12's headers predate all of them: the numbers and structures are the kernel's uapi
// (include/uapi/linux/{mount,nsfs,pidfd,sched}.h), defined here. Every namespace a case makes
// goes through the negative-control seam (testing::Launch, ForkInChild, Seamed), so that under
// `nsprobe run --negative-control KIND` the case runs without it and fails.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/types.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "runtime/fd.hpp"
#include "runtime/identity.hpp"
#include "runtime/syscalls.hpp"
#include "suites/support/child.hpp"
#include "suites/support/depends.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/namespaces.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe {
namespace {

using ::testing::AnyOf;
using testing::FailedWith;
using testing::HasValue;
using testing::KeyName;
using testing::LaunchInNew;
using ::testing::Ne;
using testing::Observations;
using testing::Succeeded;

// System call numbers: asm-generic's, which x86_64 shares for every call since 424.
constexpr long kSysStatmount = 457;  // 6.8
constexpr long kSysListmount = 458;  // 6.8

// include/uapi/linux/mount.h
struct MntIdReq {
  __u32 size = sizeof(MntIdReq);  // MNT_ID_REQ_SIZE_VER1: with mnt_ns_id (6.11)
  __u32 spare = 0;                // mnt_ns_fd from 6.18; 0 here, the id names the namespace
  __u64 mnt_id = 0;
  __u64 param = 0;  // statmount: the mask; listmount: the last id listed
  __u64 mnt_ns_id = 0;
};
static_assert(sizeof(MntIdReq) == 32);
constexpr __u64 kLsmtRoot = ~__u64{0};
constexpr __u64 kStatmountMntNsId = 0x40;
// The fixed head of struct statmount, up to mnt_ns_id; the kernel writes the rest (strings
// included) only when asked, and wants room for the whole fixed part (512 bytes).
struct StatmountHead {
  __u32 size, mnt_opts;
  __u64 mask;
  __u32 sb_dev_major, sb_dev_minor;
  __u64 sb_magic;
  __u32 sb_flags, fs_type;
  __u64 mnt_id, mnt_parent_id;
  __u32 mnt_id_old, mnt_parent_id_old;
  __u64 mnt_attr, mnt_propagation, mnt_peer_group, mnt_master, propagate_from;
  __u32 mnt_root, mnt_point;
  __u64 mnt_ns_id;
};
static_assert(offsetof(StatmountHead, mnt_ns_id) == 112);
union StatmountBuf {
  StatmountHead head;
  char bytes[4096];
};

// include/uapi/linux/nsfs.h
constexpr unsigned long kNsGetMntnsId = _IOR(0xb7, 5, __u64);  // 6.11
constexpr unsigned long kNsGetId = _IOR(0xb7, 13, __u64);      // 6.18
using sys::kListnsCurrentUser;
using sys::Listns;
using sys::NsIdReq;

// include/uapi/linux/pidfd.h
constexpr unsigned long kPidfdGetCgroupNamespace = _IO(0xFF, 1);
constexpr unsigned long kPidfdGetIpcNamespace = _IO(0xFF, 2);
constexpr unsigned long kPidfdGetMntNamespace = _IO(0xFF, 3);
constexpr unsigned long kPidfdGetNetNamespace = _IO(0xFF, 4);
constexpr unsigned long kPidfdGetPidNamespace = _IO(0xFF, 5);
constexpr unsigned long kPidfdGetPidForChildrenNamespace = _IO(0xFF, 6);
constexpr unsigned long kPidfdGetTimeNamespace = _IO(0xFF, 7);
constexpr unsigned long kPidfdGetTimeForChildrenNamespace = _IO(0xFF, 8);
constexpr unsigned long kPidfdGetUserNamespace = _IO(0xFF, 9);
constexpr unsigned long kPidfdGetUtsNamespace = _IO(0xFF, 10);
struct PidfdInfo {  // PIDFD_INFO_SIZE_VER0
  __u64 mask;
  __u64 cgroupid;
  __u32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  __u32 spare0[1];
};
static_assert(sizeof(PidfdInfo) == 64);
constexpr unsigned long kPidfdGetInfo = _IOWR(0xFF, 11, PidfdInfo);  // 6.13
constexpr __u64 kPidfdInfoPid = 1;

// include/uapi/linux/sched.h of 7.1: clone3 only; implies CLONE_NEWNS.
constexpr __u64 kCloneEmptyMntns = __u64{1} << 37;

// Async-signal-safe wrappers, for either side of a clone.
long Statmount(const MntIdReq& req, StatmountBuf& buf) {
  return ::syscall(kSysStatmount, &req, &buf, sizeof buf, 0);
}
long Listmount(const MntIdReq& req, __u64* ids, std::size_t n) {
  return ::syscall(kSysListmount, &req, ids, n, 0);
}
long PidfdOpen(pid_t pid) { return ::syscall(SYS_pidfd_open, pid, 0); }
// The ioctl `request` on the nsfs file `path`: its number, or -1 with errno.
long NsIoctlU64(const char* path, unsigned long request, __u64* out) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long r = ::ioctl(fd, request, out);
  int err = errno;
  ::close(fd);
  errno = err;
  return r;
}
// clone3 without a stack, as fork: 0 in the child; `flags` (CLONE_NEW*) through the seam, the
// pidfd of the child in `pidfd` when asked for.
long Clone3InChild(__u64 flags, int* pidfd = nullptr) {
  struct {
    __u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  } args{};
  args.flags = testing::Seamed(flags) | (pidfd != nullptr ? CLONE_PIDFD : 0);
  args.pidfd = reinterpret_cast<__u64>(pidfd);
  args.exit_signal = SIGCHLD;
  return ::syscall(SYS_clone3, &args, sizeof args);
}
bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// "unsupported: statmount(2) needs Linux 6.8 (ENOSYS on 6.1.0-13-amd64)".
std::string Needs(const char* what, const char* version, int err) {
  struct utsname u {};
  ::uname(&u);
  return std::string("unsupported: ") + what + " needs Linux " + version + " (" +
         testing::ErrnoName(err) + " on " + u.release + ")";
}

// The cases here only look (list, stat, open descriptors) and change nothing of ours, so they
// launch through the seam without LaunchInNew's refusal to run in our namespaces: under the
// negative control their own assertions are what fails, not a refusal.
Child LaunchReadOnly(Mode mode, KindSet kinds, Body body) {
  return testing::Launch(testing::SpecFor(mode, kinds), body);
}

class KernelApi : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  Mode mode() const { return GetParam(); }
};

// ---- statmount(2) / listmount(2) by mount namespace id ---------------------------------------

struct HostMounts {
  std::string unsupported;  // why not, for GTEST_SKIP
  __u64 ns_id = 0;
  std::vector<__u64> ids;
};
HostMounts ReadHostMounts() {
  HostMounts host;
  host.ids.resize(65536);
  MntIdReq req;
  req.mnt_id = kLsmtRoot;
  long n = Listmount(req, host.ids.data(), host.ids.size());
  if (n < 0) {
    if (errno != ENOSYS) throw std::system_error(errno, std::generic_category(), "listmount");
    host.unsupported = Needs("listmount(2)", "6.8", ENOSYS);
    return host;
  }
  host.ids.resize(static_cast<std::size_t>(n));
  if (NsIoctlU64("/proc/self/ns/mnt", kNsGetMntnsId, &host.ns_id) < 0) {
    if (errno != ENOTTY)
      throw std::system_error(errno, std::generic_category(), "ioctl(NS_GET_MNTNS_ID)");
    host.unsupported = Needs("NS_GET_MNTNS_ID (and mnt_id_req.mnt_ns_id)", "6.11", ENOTTY);
  }
  return host;
}

// A child in a new mount namespace lists its own mounts, then asks for ours by our namespace's
// id. The keys: own_ns (its NS_GET_MNTNS_ID), own_list (listmount's count), own_shared (how
// many of its mount ids are ours), own_stat_ns (statmount's mnt_ns_id of its first mount),
// host_list and host_stat (the same calls for our namespace).
Observations ObserveMountNamespaces(Mode mode, const HostMounts& host) {
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchReadOnly(mode, {Kind::kMnt}, [&] {
    static __u64 ids[65536];  // a body's stack may be small; a body is one process
    static StatmountBuf buf;
    __u64 own_ns = 0;
    if (NsIoctlU64("/proc/self/ns/mnt", kNsGetMntnsId, &own_ns) < 0) return 2;
    w.Value("own_ns", static_cast<std::int64_t>(own_ns));
    MntIdReq req;
    req.mnt_id = kLsmtRoot;
    long n = Listmount(req, ids, sizeof ids / sizeof ids[0]);
    w.Result("own_list", n);
    long shared = 0;
    for (long i = 0; i < n; ++i)
      for (__u64 ours : host.ids) shared += ids[i] == ours;
    w.Value("own_shared", shared);
    if (n > 0) {
      MntIdReq stat_req;
      stat_req.mnt_id = ids[0];
      stat_req.param = kStatmountMntNsId;
      long r = Statmount(stat_req, buf);
      w.Result("own_stat", r);
      if (r == 0) w.Value("own_stat_ns", static_cast<std::int64_t>(buf.head.mnt_ns_id));
    }
    req.mnt_ns_id = host.ns_id;
    w.Result("host_list", Listmount(req, ids, sizeof ids / sizeof ids[0]));
    MntIdReq stat_req;
    stat_req.mnt_id = host.ids.empty() ? 0 : host.ids[0];
    stat_req.param = kStatmountMntNsId;
    stat_req.mnt_ns_id = host.ns_id;
    w.Result("host_stat", Statmount(stat_req, buf));
    return 0;
  });
  EXPECT_TRUE(testing::Finished(c, obs));
  return obs;
}

// listmount(2) (6.8) lists the caller's own mount namespace: a child in a new one gets mount
// ids of its own (copy_mnt_ns() makes every mount anew), none of ours, and statmount(2) says
// they are in the child's namespace, whose id (NS_GET_MNTNS_ID, 6.11) is not ours.
TEST_P(KernelApi, ListmountInAChildMountNamespaceListsOnlyItsOwnMounts) {
  testing::DependsOnKinds(KindSet{Kind::kMnt});
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  const HostMounts host = ReadHostMounts();
  if (!host.unsupported.empty()) GTEST_SKIP() << host.unsupported;
  Observations obs = ObserveMountNamespaces(mode(), host);
  ASSERT_THAT(obs["own_list"], Succeeded());
  EXPECT_GT(obs.Value("own_list"), 0);
  EXPECT_THAT(obs["own_ns"], HasValue(Ne(static_cast<std::int64_t>(host.ns_id))))
      << "the child is in our mount namespace";
  EXPECT_THAT(obs["own_shared"], HasValue(0)) << "the child listed mount ids of ours";
  EXPECT_THAT(obs["own_stat_ns"], HasValue(obs.Value("own_ns")));
}

// fs/namespace.c, statmount and listmount with mnt_id_req.mnt_ns_id (6.11): another mount
// namespace is reached only with CAP_SYS_ADMIN over the user namespace that owns it. Root of
// the initial user namespace lists ours from a child mount namespace (the control); root of a
// user namespace of its own does not: ENOENT, or EPERM once statmount says so (6.19's
// "statmount: permission check should return EPERM", in the stable trees too).
TEST_P(KernelApi, ForeignMountNamespaceByIdNeedsCapSysAdminOverItsOwner) {
  testing::DependsOnKinds(KindSet{Kind::kMnt});
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  if (mode() == Mode::kPrivileged && !testing::AdministersOwnNamespace(Kind::kMnt))
    GTEST_SKIP() << "privilege: the control lists our mount namespace, which needs "
                    "CAP_SYS_ADMIN over the user namespace that owns it";
  const HostMounts host = ReadHostMounts();
  if (!host.unsupported.empty()) GTEST_SKIP() << host.unsupported;
  Observations obs = ObserveMountNamespaces(mode(), host);
  ASSERT_THAT(obs["own_list"], Succeeded());
  EXPECT_THAT(obs["own_ns"], HasValue(Ne(static_cast<std::int64_t>(host.ns_id))))
      << "the child is in our mount namespace: the case asks for its own";
  if (mode() == Mode::kPrivileged) {
    EXPECT_THAT(obs["host_list"], HasValue(::testing::Gt(0)))
        << "control: root of the initial user namespace lists ours";
    EXPECT_THAT(obs["host_stat"], Succeeded());
    return;
  }
  EXPECT_THAT(obs["host_list"], AnyOf(FailedWith(ENOENT), FailedWith(EPERM)));
  EXPECT_THAT(obs["host_stat"], AnyOf(FailedWith(ENOENT), FailedWith(EPERM)));
}

// ---- PIDFD_GET_*_NAMESPACE -------------------------------------------------------------------

struct PidfdNsIoctl {
  Kind kind;
  const char* entry;  // in /proc/PID/ns
  unsigned long request;
};
constexpr PidfdNsIoctl kPidfdNsIoctls[] = {
    {Kind::kCgroup, "cgroup", kPidfdGetCgroupNamespace},
    {Kind::kIpc, "ipc", kPidfdGetIpcNamespace},
    {Kind::kMnt, "mnt", kPidfdGetMntNamespace},
    {Kind::kNet, "net", kPidfdGetNetNamespace},
    {Kind::kPid, "pid", kPidfdGetPidNamespace},
    {Kind::kPid, "pid_for_children", kPidfdGetPidForChildrenNamespace},
    {Kind::kTime, "time", kPidfdGetTimeNamespace},
    {Kind::kTime, "time_for_children", kPidfdGetTimeForChildrenNamespace},
    {Kind::kUser, "user", kPidfdGetUserNamespace},
    {Kind::kUts, "uts", kPidfdGetUtsNamespace},
};

class PidfdNamespaceIoctl : public testing::NoLeaksTest,
                            public ::testing::WithParamInterface<std::tuple<Kind, Mode>> {};

// fs/pidfs.c pidfd_ioctl (6.11): PIDFD_GET_<KIND>_NAMESPACE opens the namespace of the pidfd's
// process, the same nsfs file (st_dev, st_ino) as /proc/PID/ns/<kind>. The target is a child
// made by clone3 with the kind's flag (and CLONE_PIDFD); its namespace is not its parent's, so
// an ioctl that answered for the caller instead would fail here.
TEST_P(PidfdNamespaceIoctl, OpensTheSameNamespaceAsProcPidNs) {
  auto [kind, mode] = GetParam();
  testing::DependsOnKinds(KindSet{kind});
  NSPROBE_SKIP_UNLESS_AVAILABLE(kind, mode);
  NSPROBE_SKIP_UNLESS_CLONE3();
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode, {}, [&] {
    int hold[2];
    if (::pipe2(hold, O_CLOEXEC) != 0) return 2;
    int pidfd = -1;
    const long target = Clone3InChild(CloneFlag(kind), &pidfd);
    if (target == 0) {
      char byte;
      ::close(hold[1]);
      while (::read(hold[0], &byte, 1) < 0 && errno == EINTR) {
      }
      ::_exit(0);
    }
    ::close(hold[0]);
    w.Result("clone3", target);
    if (target < 0) return 0;
    for (const PidfdNsIoctl& entry : kPidfdNsIoctls) {
      if (entry.kind != kind) continue;
      char theirs[64], ours[64];
      std::snprintf(theirs, sizeof theirs, "/proc/%ld/ns/%s", target, entry.entry);
      std::snprintf(ours, sizeof ours, "/proc/self/ns/%s", entry.entry);
      const long fd = ::ioctl(pidfd, entry.request, 0);
      w.Result(KeyName(entry.entry, "_ioctl"), fd);
      struct stat got {};
      struct stat their_st {};
      struct stat our_st {};
      const bool seen = fd >= 0 && ::fstat(static_cast<int>(fd), &got) == 0 &&
                        ::stat(theirs, &their_st) == 0 && ::stat(ours, &our_st) == 0;
      if (fd >= 0) ::close(static_cast<int>(fd));
      if (!seen) continue;
      w.Value(KeyName(entry.entry, "_is_target"), SameFile(got, their_st));
      w.Value(KeyName(entry.entry, "_is_own"), SameFile(got, our_st));
    }
    ::close(hold[1]);
    testing::WaitInChild(target);
    ::close(pidfd);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["clone3"], Succeeded());
  for (const PidfdNsIoctl& entry : kPidfdNsIoctls) {
    if (entry.kind != kind) continue;
    const std::string e = entry.entry;
    if (obs.Err(e + "_ioctl") == ENOTTY)
      GTEST_SKIP() << Needs("PIDFD_GET_*_NAMESPACE", "6.11", ENOTTY);
    ASSERT_THAT(obs[e + "_ioctl"], Succeeded()) << e;
    EXPECT_THAT(obs[e + "_is_target"], HasValue(1)) << "not /proc/PID/ns/" << e << " of the target";
    EXPECT_THAT(obs[e + "_is_own"], HasValue(0)) << e << ": the caller's own namespace";
  }
}

// fs/pidfs.c: the namespace ioctls need ptrace read access (PTRACE_MODE_READ_FSCREDS, as
// /proc/PID/ns does) and are not limited to the caller's pid namespace; PIDFD_GET_INFO (6.13)
// answers only for a process of the caller's pid namespace hierarchy. A child in its own pid
// namespace holds a pidfd of this test process, outside it: root of the initial user namespace
// opens its mount namespace (ptrace access by CAP_SYS_PTRACE), root of a user namespace of its
// own gets EACCES; a pidfd of the child itself answers both (the control).
TEST_P(KernelApi, PidfdOfAProcessOutsideThePidNamespace) {
  testing::DependsOnKinds(KindSet{Kind::kPid});
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, mode());
  UniqueFd outside(static_cast<int>(PidfdOpen(::getpid())));
  ASSERT_TRUE(outside) << "pidfd_open(getpid()): " << testing::ErrnoName(errno);
  const int outside_fd = outside.Get();
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchReadOnly(mode(), {Kind::kPid}, [&] {
    PidfdInfo info{};
    info.mask = kPidfdInfoPid;
    w.Result("info_outside", ::ioctl(outside_fd, kPidfdGetInfo, &info));
    const long self = PidfdOpen(::getpid());
    w.Result("pidfd_self", self);
    if (self < 0) return 2;
    info = PidfdInfo{};
    info.mask = kPidfdInfoPid;
    w.Result("info_own", ::ioctl(static_cast<int>(self), kPidfdGetInfo, &info));
    w.Value("info_own_pid", info.pid);
    long fd = ::ioctl(outside_fd, kPidfdGetMntNamespace, 0);
    w.Result("mnt_outside", fd);
    if (fd >= 0) ::close(static_cast<int>(fd));
    fd = ::ioctl(static_cast<int>(self), kPidfdGetMntNamespace, 0);
    w.Result("mnt_own", fd);
    if (fd >= 0) ::close(static_cast<int>(fd));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  if (obs.Err("mnt_own") == ENOTTY) GTEST_SKIP() << Needs("PIDFD_GET_*_NAMESPACE", "6.11", ENOTTY);
  ASSERT_THAT(obs["mnt_own"], Succeeded()) << "control: the child's own pidfd";
  if (mode() == Mode::kPrivileged)
    EXPECT_THAT(obs["mnt_outside"], Succeeded()) << "control: CAP_SYS_PTRACE over the target";
  else
    EXPECT_THAT(obs["mnt_outside"], FailedWith(EACCES));
  if (obs.Err("info_own") == ENOTTY) GTEST_SKIP() << Needs("PIDFD_GET_INFO", "6.13", ENOTTY);
  ASSERT_THAT(obs["info_own"], Succeeded());
  EXPECT_THAT(obs["info_own_pid"], HasValue(1)) << "control: the child is its namespace's init";
  // ESRCH, or EREMOTE since "pidfs: return -EREMOTE when PIDFD_GET_INFO is called on another
  // ns" (7.0, and the stable trees).
  EXPECT_THAT(obs["info_outside"], AnyOf(FailedWith(ESRCH), FailedWith(EREMOTE)));
}

// ---- pidfs file handles ----------------------------------------------------------------------

struct Handle {
  file_handle fh;
  unsigned char bytes[MAX_HANDLE_SZ];
};
// name_to_handle_at of a pidfd: 0, or -1 with errno. Async-signal-safe.
int PidfdHandle(int pidfd, Handle& h) {
  h.fh.handle_bytes = MAX_HANDLE_SZ;
  int mount_id = 0;
  return ::name_to_handle_at(pidfd, "", &h.fh, &mount_id, AT_EMPTY_PATH);
}

// fs/pidfs.c pidfs_fh_to_dentry (6.13): a pidfs file handle opens (open_by_handle_at on any
// pidfd as the mount) only for a process of the opener's pid namespace hierarchy; another's
// decodes to nothing, ESTALE. A child in a new pid namespace gets our handle and its own: its
// own opens (the control), ours does not; ours opens here.
TEST_P(KernelApi, PidfsHandleDoesNotOpenOutsideTheOpenersPidNamespace) {
  testing::DependsOnKinds(KindSet{Kind::kPid});
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kPid, mode());
  UniqueFd ours(static_cast<int>(PidfdOpen(::getpid())));
  ASSERT_TRUE(ours) << "pidfd_open(getpid()): " << testing::ErrnoName(errno);
  Handle our_handle{};
  if (PidfdHandle(ours.Get(), our_handle) != 0) {
    ASSERT_EQ(errno, EOPNOTSUPP) << "name_to_handle_at(pidfd): " << testing::ErrnoName(errno);
    GTEST_SKIP() << Needs("pidfs file handles (name_to_handle_at of a pidfd)", "6.13", EOPNOTSUPP);
  }
  UniqueFd reopened(::open_by_handle_at(ours.Get(), &our_handle.fh, O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(reopened) << "control: our own handle, here: " << testing::ErrnoName(errno);
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchReadOnly(mode(), {Kind::kPid}, [&] {
    const long self = PidfdOpen(::getpid());
    if (self < 0) return 2;
    static Handle own{};  // a body's stack may be small
    w.Result("own_handle", PidfdHandle(static_cast<int>(self), own));
    long fd = ::open_by_handle_at(static_cast<int>(self), &own.fh, O_RDONLY | O_CLOEXEC);
    w.Result("open_own", fd);
    if (fd >= 0) ::close(static_cast<int>(fd));
    static Handle theirs;
    theirs = our_handle;
    fd = ::open_by_handle_at(static_cast<int>(self), &theirs.fh, O_RDONLY | O_CLOEXEC);
    w.Result("open_outside", fd);
    if (fd >= 0) ::close(static_cast<int>(fd));
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["own_handle"], Succeeded());
  EXPECT_THAT(obs["open_own"], Succeeded()) << "control: the child's own handle";
  EXPECT_THAT(obs["open_outside"], FailedWith(ESTALE));
}

// ---- listns(2) -------------------------------------------------------------------------------

// kernel/nstree.c listns (6.19): filtered to the caller's user namespace (LISTNS_CURRENT_USER)
// and to uts namespaces, it lists the caller's new uts namespace; ours, owned by the initial
// user namespace, shows there only for a caller in that user namespace (the control: root with
// no user namespace of its own).
TEST_P(KernelApi, ListnsOfTheCallersUserNamespaceShowsItsOwnUtsNamespace) {
  testing::DependsOnKinds(KindSet{Kind::kUts});
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUts, mode());
  std::uint64_t ids[1];
  NsIdReq probe;
  if (Listns(probe, ids, 1) < 0 && errno == ENOSYS)
    GTEST_SKIP() << Needs("listns(2)", "6.19", ENOSYS);
  NsAnswer host = NsGetId(OpenOrThrow("/proc/self/ns/uts", O_RDONLY).Get());
  if (host.unsupported) GTEST_SKIP() << Needs("NS_GET_ID", "6.18", ENOTTY);
  ASSERT_TRUE(host.Ok()) << testing::ErrnoName(host.err);
  const auto host_id = static_cast<__u64>(host.value);
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchReadOnly(mode(), {Kind::kUts}, [&] {
    static std::uint64_t listed[4096];
    __u64 own = 0;
    if (NsIoctlU64("/proc/self/ns/uts", kNsGetId, &own) < 0) return 2;
    w.Value("own_id", static_cast<std::int64_t>(own));
    NsIdReq req;
    req.ns_type = CLONE_NEWUTS;
    req.user_ns_id = kListnsCurrentUser;
    long n = Listns(req, listed, sizeof listed / sizeof listed[0]);
    w.Result("listns", n);
    int own_listed = 0, host_listed = 0;
    for (long i = 0; i < n; ++i) {
      own_listed += listed[i] == own;
      host_listed += listed[i] == host_id;
    }
    w.Value("own_listed", own_listed);
    w.Value("host_listed", host_listed);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  ASSERT_THAT(obs["listns"], Succeeded());
  EXPECT_THAT(obs["own_id"], HasValue(Ne(static_cast<std::int64_t>(host_id))))
      << "the child is in our uts namespace";
  EXPECT_THAT(obs["own_listed"], HasValue(1));
  EXPECT_THAT(obs["host_listed"], HasValue(mode() == Mode::kPrivileged ? 1 : 0))
      << (mode() == Mode::kPrivileged ? "control: our uts namespace, owned by the caller's user "
                                        "namespace"
                                      : "ours, owned by another user namespace");
}

// ---- empty mount namespaces ------------------------------------------------------------------

// CLONE_EMPTY_MNTNS through the seam: withholding mnt makes it a plain clone3.
__u64 EmptyMntnsFlag() { return testing::WithheldKinds().Has(Kind::kMnt) ? 0 : kCloneEmptyMntns; }

// kernel/fork.c, fs/namespace.c (7.1): clone3(CLONE_EMPTY_MNTNS) puts the child in a new mount
// namespace that holds one mount, a nullfs at its root and cwd, and none of its parent's.
TEST_P(KernelApi, EmptyMountNamespaceHoldsOneMountAndNoneOfItsParents) {
  testing::DependsOnKinds(KindSet{Kind::kMnt});
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  NSPROBE_SKIP_UNLESS_CLONE3();
  Observations obs;
  auto w = obs.Writer();
  Child c = LaunchInNew(mode(), {}, [&] {
    __u64 parent_ns = 0;
    NsIoctlU64("/proc/self/ns/mnt", kNsGetMntnsId, &parent_ns);
    const long child = Clone3InChild(EmptyMntnsFlag());
    if (child == 0) {
      static __u64 ids[256];
      MntIdReq req;
      req.mnt_id = kLsmtRoot;
      w.Result("mounts", Listmount(req, ids, sizeof ids / sizeof ids[0]));
      static StatmountBuf buf;
      MntIdReq stat_req;
      stat_req.mnt_id = ids[0];
      stat_req.param = kStatmountMntNsId;
      if (Statmount(stat_req, buf) == 0)
        w.Value("new_ns", buf.head.mnt_ns_id != parent_ns && buf.head.mnt_ns_id != 0);
      w.Result("proc", ::access("/proc/self", F_OK));
      ::_exit(0);
    }
    w.Result("clone3", child);
    if (child > 0) testing::WaitInChild(child);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(c, obs));
  if (obs.Err("clone3") == EINVAL)
    GTEST_SKIP() << Needs("CLONE_EMPTY_MNTNS (clone3)", "7.1", EINVAL);
  if (obs.Err("clone3") == ENOSYS) GTEST_SKIP() << Needs("clone3(2)", "5.3", ENOSYS);
  ASSERT_THAT(obs["clone3"], Succeeded());
  EXPECT_THAT(obs["mounts"], HasValue(1)) << "the empty mount namespace's mounts";
  EXPECT_THAT(obs["new_ns"], HasValue(1)) << "the child kept its parent's mount namespace";
  EXPECT_THAT(obs["proc"], FailedWith(ENOENT)) << "the parent's /proc shows";
}

INSTANTIATE_TEST_SUITE_P(BothModes, KernelApi, testing::kBothModes, testing::ModeParamName);
INSTANTIATE_TEST_SUITE_P(EveryKindBothModes, PidfdNamespaceIoctl, testing::kEveryKindBothModes,
                         testing::KindModeParamName);

}  // namespace
}  // namespace nsprobe
