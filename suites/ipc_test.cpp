// IPC namespaces (ipc_namespaces(7)): SysV message queues, shared memory and semaphores, POSIX
// message queues and their sysctls belong to the namespace. Entry paths: clone3 (Launch),
// unshare by a launched child, setns (Spec::join). No IPC object is ever created in the
// test's own namespace: every body is launched by LaunchInNew, which refuses to run there.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/tool.hpp"
#include "suites/support/child.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_test.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using testing::Exited0;
using testing::ExpectExits0;
using testing::FailedWith;
using testing::Finished;
using testing::ForkInChild;
using ::testing::Gt;
using testing::Handshake;
using ::testing::HasSubstr;
using testing::HasText;
using testing::HasValue;
using testing::Holder;
using testing::InForkedChild;
using testing::KeyName;
using testing::LaunchInNew;
using ::testing::Ne;
using ::testing::Not;
using testing::Observations;
using testing::ObservationWriter;
using testing::Recorded;
using testing::ResultHere;
using testing::SpecFor;
using testing::Succeeded;
using testing::WaitInChild;

constexpr auto kWait = std::chrono::seconds(20);
constexpr const char* kSelfIpc = "/proc/self/ns/ipc";

// ---- SysV objects, child side (all async-signal-safe) ----

// msgget, shmget and semget of `key` with `flags` (0 looks up, IPC_CREAT|IPC_EXCL creates),
// recorded as "<as>_msg", "<as>_shm" and "<as>_sem".
void SysvGetInChild(const ObservationWriter& w, const char* as, key_t key, int flags) {
  const KeyName msg(as, "_msg"), shm(as, "_shm"), sem(as, "_sem");
  w.Result(msg, ::msgget(key, flags | 0600));
  w.Result(shm, ::shmget(key, 4096, flags | 0600));
  w.Result(sem, ::semget(key, 1, flags | 0600));
}

// The three records SysvGetInChild made under `as`.
std::vector<Recorded> Sysv(const Observations& obs, const std::string& as) {
  return {obs[as + "_msg"], obs[as + "_shm"], obs[as + "_sem"]};
}

void SysvRemoveInChild(key_t key) {
  int id = ::msgget(key, 0);
  if (id >= 0) ::msgctl(id, IPC_RMID, nullptr);
  id = ::shmget(key, 0, 0);
  if (id >= 0) ::shmctl(id, IPC_RMID, nullptr);
  id = ::semget(key, 0, 0);
  if (id >= 0) ::semctl(id, 0, IPC_RMID);
}

union SemArg {
  int val;
  semid_ds* buf;
  unsigned short* array;
};

struct Message {
  long mtype = 1;
  char text[16] = {};
};

// ---- POSIX message queues, child side: the raw system calls, whose names have no '/' ----

int MqOpenInChild(const char* name, int flags, mq_attr* attr = nullptr) {
  return static_cast<int>(::syscall(SYS_mq_open, name, flags | O_CLOEXEC, 0600, attr));
}
int MqUnlinkInChild(const char* name) { return static_cast<int>(::syscall(SYS_mq_unlink, name)); }

// mq_open of `name` by the test process in its own namespace, recorded and closed again.
Recorded MqOpenHere(const char* name) {
  const mqd_t q = ::mq_open(name, O_RDONLY | O_CLOEXEC);
  Recorded r = ResultHere(name, q);
  if (q >= 0) ::mq_close(q);
  return r;
}

// msgget, shmget and semget of `key` by the test process, in its own namespace.
std::vector<Recorded> SysvLookupHere(key_t key) {
  return {ResultHere("msgget", ::msgget(key, 0)), ResultHere("shmget", ::shmget(key, 0, 0)),
          ResultHere("semget", ::semget(key, 0, 0))};
}

class IpcNamespace : public testing::KindTest<Kind::kIpc> {};

TEST_P(IpcNamespace, SysvObjectsCreatedInsideAreInvisibleOutside) {
  constexpr key_t kKey = 0x6e737031;
  Holder holder(SpecFor(mode(), {Kind::kIpc}), [&] {
    SysvGetInChild(w_, "created", kKey, IPC_CREAT | IPC_EXCL);
    return 0;
  });
  ASSERT_TRUE(holder.Ready());
  EXPECT_THAT(SysvLookupHere(kKey), Each(FailedWith(ENOENT)));
  ToolResult inside = RunTool(holder.Pid(), testing::EntryKinds(mode(), {Kind::kIpc}), {"ipcs"});
  EXPECT_THAT(inside.out, HasSubstr("0x6e737031")) << inside.Describe();
  ToolResult outside = RunTool(0, {}, {"ipcs"});
  EXPECT_THAT(outside.out, Not(HasSubstr("0x6e737031"))) << outside.Describe();
  // The contrast: a sibling entering the holder's namespace by setns finds all three; one
  // with a namespace of its own finds none.
  ExpectExits0(testing::Launch(testing::JoinSpec(mode(), holder.Pid(), {Kind::kIpc}), [&] {
    SysvGetInChild(w_, "joined", kKey, 0);
    return 0;
  }));
  ExpectExits0(LaunchInNew(mode(), {Kind::kIpc}, [&] {
    SysvGetInChild(w_, "fresh", kKey, 0);
    return 0;
  }));
  ASSERT_TRUE(Exited0(holder.Release()));
  obs_.Collect();
  ASSERT_THAT(Sysv(obs_, "created"), Each(Succeeded()));
  EXPECT_THAT(Sysv(obs_, "joined"), Each(Succeeded())) << "setns into the holder's namespace";
  EXPECT_THAT(Sysv(obs_, "fresh"), Each(FailedWith(ENOENT))) << "a namespace of its own";
}

// The reverse direction, through unshare: objects of the namespace a process leaves are
// unknown in the one it enters, and their key is free there (LTP shmnstest, mesgq_nstest,
// sem_nstest); a process that stays sees them (the "none" control).
TEST_P(IpcNamespace, SysvKeysOutsideAreUnknownAfterUnshareAndFreeToReuse) {
  constexpr key_t kKey = 0x6e737032;
  Child child = LaunchInNew(mode(), {Kind::kIpc}, [&] {
    w_.Link("outer_ns", kSelfIpc);
    SysvGetInChild(w_, "outer", kKey, IPC_CREAT | IPC_EXCL);
    InForkedChild([&] { SysvGetInChild(w_, "stayer", kKey, 0); });
    InForkedChild([&] {
      w_.Result("unshare", testing::Unshare(CLONE_NEWIPC));
      w_.Link("inner_ns", kSelfIpc);
      SysvGetInChild(w_, "inner_lookup", kKey, 0);
      SysvGetInChild(w_, "inner", kKey, IPC_CREAT | IPC_EXCL);
      Message m;
      std::memcpy(m.text, "inner", 6);
      w_.Result("inner_msgsnd", ::msgsnd(::msgget(kKey, 0), &m, sizeof m.text, IPC_NOWAIT));
      SysvRemoveInChild(kKey);
    });
    Message m;
    w_.Result("outer_msgrcv",
              ::msgrcv(::msgget(kKey, 0), &m, sizeof m.text, 0, IPC_NOWAIT | MSG_NOERROR));
    SysvRemoveInChild(kKey);
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  ASSERT_THAT(obs_["unshare"], Succeeded());
  EXPECT_THAT(obs_["inner_ns"], HasText(Ne(obs_.Text("outer_ns"))));
  for (const char* as : {"outer", "stayer", "inner"})
    EXPECT_THAT(Sysv(obs_, as), Each(Succeeded()));
  EXPECT_THAT(Sysv(obs_, "inner_lookup"), Each(FailedWith(ENOENT)));
  EXPECT_THAT(obs_["inner_msgsnd"], HasValue(0));
  EXPECT_THAT(obs_["outer_msgrcv"], FailedWith(ENOMSG)) << "the inner message reached the outer";
}

// What one sibling does with the shared key: creates all three objects, leaves its own tag
// in each, waits until the other has done the same, then reads the tags back, recording as
// "<as>_...". Async-signal-safe.
int SiblingInChild(const ObservationWriter& w, const Handshake& hs, const char* as, key_t key,
                   int tag) {
  SysvGetInChild(w, as, key, IPC_CREAT | IPC_EXCL);
  int msg = ::msgget(key, 0), shm = ::shmget(key, 0, 0), sem = ::semget(key, 0, 0);
  if (msg < 0 || shm < 0 || sem < 0) return 4;
  void* mem = ::shmat(shm, nullptr, 0);
  if (mem == reinterpret_cast<void*>(-1)) return 5;
  *static_cast<volatile int*>(mem) = tag;
  ::semctl(sem, 0, SETVAL, SemArg{.val = tag});
  Message m{.mtype = tag};
  ::msgsnd(msg, &m, sizeof m.text, IPC_NOWAIT);
  hs.Ready();
  hs.AwaitGo();
  w.Value(KeyName(as, "_shm_tag"), *static_cast<volatile int*>(mem));
  w.Value(KeyName(as, "_sem_tag"), ::semctl(sem, 0, GETVAL));
  const KeyName first(as, "_first"), second(as, "_second");
  w.Result(first, ::msgrcv(msg, &m, sizeof m.text, 0, IPC_NOWAIT) < 0 ? -1 : m.mtype);
  w.Result(second, ::msgrcv(msg, &m, sizeof m.text, 0, IPC_NOWAIT));
  ::shmdt(mem);
  SysvRemoveInChild(key);
  return 0;
}

// LTP msg_comm, shm_comm, sem_comm: two isolated siblings with one key do not share.
TEST_P(IpcNamespace, SiblingsWithTheSameKeyDoNotShare) {
  constexpr key_t kKey = 0x6e737033;
  Handshake hs_a, hs_b;
  Child a =
      LaunchInNew(mode(), {Kind::kIpc}, [&] { return SiblingInChild(w_, hs_a, "a", kKey, 11); });
  ASSERT_TRUE(hs_a.AwaitReady()) << a.Wait(kWait).Describe();
  Child b =
      LaunchInNew(mode(), {Kind::kIpc}, [&] { return SiblingInChild(w_, hs_b, "b", kKey, 22); });
  ASSERT_TRUE(hs_b.AwaitReady()) << b.Wait(kWait).Describe();
  hs_a.Go();
  hs_b.Go();
  const ExitStatus sa = a.Wait(kWait), sb = b.Wait(kWait);
  obs_.Collect();
  ASSERT_TRUE(testing::Exited0(sa));
  ASSERT_TRUE(testing::Exited0(sb));
  for (const char* as : {"a", "b"})
    EXPECT_THAT(Sysv(obs_, as), Each(Succeeded())) << "exclusive create of the same key";
  for (const char* tag : {"_shm_tag", "_sem_tag", "_first"}) {
    EXPECT_THAT(obs_[std::string("a") + tag], HasValue(11));
    EXPECT_THAT(obs_[std::string("b") + tag], HasValue(22));
  }
  EXPECT_THAT(obs_["a_second"], FailedWith(ENOMSG)) << "B's message reached A";
  EXPECT_THAT(obs_["b_second"], FailedWith(ENOMSG)) << "A's message reached B";
}

// LTP mqns_01/02 through clone3 and setns: a POSIX queue made inside is unknown outside,
// while a sibling entering the namespace finds it and cannot create it again.
TEST_P(IpcNamespace, PosixQueueCreatedInsideIsInvisibleOutside) {
  Holder holder(SpecFor(mode(), {Kind::kIpc}), [&] {
    w_.Result("created", MqOpenInChild("nsprobe-mq-1", O_CREAT | O_EXCL | O_RDWR));
    return 0;
  });
  ASSERT_TRUE(holder.Ready());
  EXPECT_THAT(MqOpenHere("/nsprobe-mq-1"), FailedWith(ENOENT));
  ExpectExits0(testing::Launch(testing::JoinSpec(mode(), holder.Pid(), {Kind::kIpc}), [&] {
    w_.Result("joined_open", MqOpenInChild("nsprobe-mq-1", O_RDWR));
    w_.Result("joined_create", MqOpenInChild("nsprobe-mq-1", O_CREAT | O_EXCL | O_RDWR));
    return 0;
  }));
  ExpectExits0(LaunchInNew(mode(), {Kind::kIpc}, [&] {
    w_.Result("fresh_open", MqOpenInChild("nsprobe-mq-1", O_RDWR));
    return 0;
  }));
  ASSERT_TRUE(Exited0(holder.Release()));
  obs_.Collect();
  ASSERT_THAT(obs_["created"], Succeeded());
  EXPECT_THAT(obs_["joined_open"], Succeeded());
  EXPECT_THAT(obs_["joined_create"], FailedWith(EEXIST));
  EXPECT_THAT(obs_["fresh_open"], FailedWith(ENOENT));
}

// The same through unshare, plus gVisor MqTest.ChangeIpcNamespace: a descriptor opened before
// unshare still reaches the old queue, while its name is unknown in the new namespace.
TEST_P(IpcNamespace, PosixQueueNamesArePerNamespaceAcrossUnshare) {
  Child child = LaunchInNew(mode(), {Kind::kIpc}, [&] {
    mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 64;
    const int q = MqOpenInChild("nsprobe-mq-2", O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK, &attr);
    w_.Result("outer_create", q);
    w_.Result("outer_again", MqOpenInChild("nsprobe-mq-2", O_CREAT | O_EXCL | O_RDWR));
    InForkedChild([&] { w_.Result("stayer_open", MqOpenInChild("nsprobe-mq-2", O_RDWR)); });
    InForkedChild([&] {
      w_.Result("unshare", testing::Unshare(CLONE_NEWIPC));
      w_.Result("inner_open", MqOpenInChild("nsprobe-mq-2", O_RDWR));
      w_.Result("inherited_send", ::syscall(SYS_mq_timedsend, q, "kept", 4, 0, nullptr));
      w_.Result("inner_unlink", MqUnlinkInChild("nsprobe-mq-2"));
      w_.Result("inner_create", MqOpenInChild("nsprobe-mq-2", O_CREAT | O_EXCL | O_RDWR));
      MqUnlinkInChild("nsprobe-mq-2");
    });
    char buf[64] = {};
    const long n = ::syscall(SYS_mq_timedreceive, q, buf, sizeof buf, nullptr, nullptr);
    w_.Result("outer_receive", n);
    if (n > 0) w_.Text("outer_message", buf, static_cast<std::size_t>(n));
    MqUnlinkInChild("nsprobe-mq-2");
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  ASSERT_THAT(obs_["outer_create"], Succeeded());
  EXPECT_THAT(obs_["outer_again"], FailedWith(EEXIST));
  EXPECT_THAT(obs_["stayer_open"], Succeeded());
  ASSERT_THAT(obs_["unshare"], Succeeded());
  EXPECT_THAT(obs_["inner_open"], FailedWith(ENOENT));
  EXPECT_THAT(obs_["inherited_send"], HasValue(0));
  EXPECT_THAT(obs_["inner_unlink"], FailedWith(ENOENT));
  EXPECT_THAT(obs_["inner_create"], Succeeded());
  EXPECT_THAT(obs_["outer_message"], HasText("kept")) << "the inherited descriptor's message";
}

// LTP mqns_03: an mqueue file system mounted inside lists the namespace's queues only, and a
// file created in it is a queue.
TEST_P(IpcNamespace, MqueueMountShowsOnlyTheNamespacesQueues) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  const testing::TempDir dir("mqueue");
  const std::string file = dir.Sub("nsprobe-mq-file");
  Child child = LaunchInNew(mode(), {Kind::kIpc, Kind::kMnt}, [&] {
    w_.Result("create", MqOpenInChild("nsprobe-mq-mounted", O_CREAT | O_EXCL | O_RDWR));
    w_.Value("other_status", InForkedChild([] {
               if (testing::Unshare(CLONE_NEWIPC) != 0) return 1;
               return MqOpenInChild("nsprobe-mq-hidden", O_CREAT | O_RDWR) < 0 ? 2 : 0;
             }));
    w_.Result("mount", ::mount("mqueue", dir.Path().c_str(), "mqueue", 0, nullptr));
    w_.Entries("entry", dir.Path().c_str());
    const int f = ::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    w_.Result("creat", f);
    if (f >= 0) ::close(f);
    w_.Result("file_is_queue", MqOpenInChild("nsprobe-mq-file", O_RDWR));
    MqUnlinkInChild("nsprobe-mq-file");
    MqUnlinkInChild("nsprobe-mq-mounted");
    return 0;
  });
  ASSERT_TRUE(Finished(child, obs_));
  ASSERT_THAT(obs_["create"], Succeeded());
  ASSERT_THAT(obs_["other_status"], HasValue(0));
  ASSERT_THAT(obs_["mount"], HasValue(0));
  EXPECT_THAT(obs_.Texts("entry"), ElementsAre("nsprobe-mq-mounted"));
  EXPECT_THAT(obs_["creat"], Succeeded());
  EXPECT_THAT(obs_["file_is_queue"], Succeeded());
  EXPECT_THAT(MqOpenHere("/nsprobe-mq-mounted"), FailedWith(ENOENT)) << "visible from the parent";
}

// The sysctls of ipc_namespaces(7) (under /proc/sys), and for each a value other than the host's.
struct IpcSysctl {
  const char* name;
  std::string path, host, changed;
};
std::vector<IpcSysctl> IpcSysctls() {
  std::vector<IpcSysctl> out;
  for (const char* name :
       {"kernel/msgmax", "kernel/shmmax", "fs/mqueue/msg_max", "fs/mqueue/queues_max"}) {
    IpcSysctl k{name, std::string("/proc/sys/") + name, "", ""};
    k.host = ReadFile(k.path);
    const unsigned long long v = std::stoull(k.host);
    k.changed = std::to_string(v > 2 ? v - 1 : v + 1);
    out.push_back(k);
  }
  return out;
}

// kernel.msgmax, kernel.shmmax and fs.mqueue.* belong to the namespace: a change inside is
// invisible outside, and a namespace made later starts from the kernel's defaults, not from
// its creator's values.
TEST_P(IpcNamespace, SysctlsArePerNamespace) {
  NSPROBE_SKIP_IF_PROC_SYS_READ_ONLY();
  const std::vector<IpcSysctl> knobs = IpcSysctls();
  Holder holder(SpecFor(mode(), {Kind::kIpc}), [&] {
    for (const IpcSysctl& k : knobs) {
      w_.File(KeyName(k.name, "/initial"), k.path.c_str());
      const int fd = ::open(k.path.c_str(), O_WRONLY | O_CLOEXEC);
      const KeyName write(k.name, "/write");
      w_.Result(write, fd < 0 ? -1 : ::write(fd, k.changed.data(), k.changed.size()));
      if (fd >= 0) ::close(fd);
      w_.File(KeyName(k.name, "/after"), k.path.c_str());
    }
    w_.Value("nested_status", InForkedChild([&] {
               if (testing::Unshare(CLONE_NEWIPC) != 0) return 1;
               for (const IpcSysctl& k : knobs) w_.File(KeyName(k.name, "/nested"), k.path.c_str());
               return 0;
             }));
    return 0;
  });
  ASSERT_TRUE(holder.Ready());
  for (const IpcSysctl& k : knobs)
    EXPECT_EQ(ReadFile(k.path), k.host) << k.path << " changed outside";
  ASSERT_TRUE(Exited0(holder.Release()));
  obs_.Collect();
  ASSERT_THAT(obs_["nested_status"], HasValue(0));
  for (const IpcSysctl& k : knobs) {
    const std::string name = k.name;
    EXPECT_THAT(obs_[name + "/write"], Succeeded());
    EXPECT_THAT(obs_[name + "/after"], HasText(k.changed + "\n"));
    EXPECT_THAT(obs_[name + "/nested"], HasText(obs_.Text(name + "/initial")))
        << "a nested namespace did not start from the defaults";
  }
}

// The queue a user may still create under a small RLIMIT_MSGQUEUE tells whether the queues of
// a namespace still exist: their bytes are charged to the creating user until destroyed.
// Becomes `uid` (when not -1), then lowers the limit. Async-signal-safe.
int BecomeQueueUserInChild(uid_t uid, rlim_t limit) {
  if (uid != static_cast<uid_t>(-1)) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) return errno;
    if (::syscall(SYS_setresgid, uid, uid, uid) != 0) return errno;
    if (::syscall(SYS_setresuid, uid, uid, uid) != 0) return errno;
  }
  rlimit lim{limit, limit};
  return ::syscall(SYS_prlimit64, 0, RLIMIT_MSGQUEUE, &lim, nullptr) == 0 ? 0 : errno;
}

// A uid nobody else uses, when this user namespace maps it (so the charge is ours alone);
// -1 to keep the current one.
uid_t DedicatedUid(Mode mode) {
  if (mode == Mode::kUnprivileged) return static_cast<uid_t>(-1);
  const std::uint64_t uid = 1'900'000'000 + static_cast<std::uint64_t>(::getpid()) % 1'000'000;
  std::string map = ReadFile("/proc/self/uid_map");
  std::uint64_t inside = 0, outside = 0, count = 0;
  for (std::size_t pos = 0; pos < map.size();) {
    if (std::sscanf(map.c_str() + pos, "%lu %lu %lu", &inside, &outside, &count) == 3 &&
        uid >= inside && uid < inside + count)
      return static_cast<uid_t>(uid);
    pos = map.find('\n', pos);
    if (pos == std::string::npos) break;
    ++pos;
  }
  return static_cast<uid_t>(-1);
}

// The child's side of the case below, as the first process of a new IPC namespace O: a creator
// unshares a namespace I, leaves a member there and creates objects and a queue in I as `uid`,
// then exits; O tries a queue of the same size as the same user while I lives and again after
// its last member has gone. Async-signal-safe.
int OutliveInChild(const ObservationWriter& w, uid_t uid) {
  constexpr key_t kKey = 0x6e737034;
  constexpr rlim_t kLimit = 8192;  // one queue of 5000 bytes fits, two do not
  mq_attr attr{};
  attr.mq_maxmsg = 1;
  attr.mq_msgsize = 5000;
  int member_gone[2], release[2];
  if (::pipe2(member_gone, O_CLOEXEC) != 0 || ::pipe2(release, O_CLOEXEC) != 0) return 4;
  w.Value("creator_status", InForkedChild([&] {
            w.Result("unshare", testing::Unshare(CLONE_NEWIPC));
            if (ForkInChild() == 0) {
              // The member that keeps the namespace alive after the creator is gone.
              ::close(release[1]);
              char c;
              if (::read(release[0], &c, 1) != 1) ::_exit(1);
              w.Result("held_queue", MqOpenInChild("nsprobe-mq-3", O_RDONLY));
              SysvGetInChild(w, "held", kKey, 0);
              ::_exit(0);
            }
            ::close(member_gone[1]);
            w.Value("creator_user", BecomeQueueUserInChild(uid, kLimit));
            SysvGetInChild(w, "created", kKey, IPC_CREAT | IPC_EXCL);
            w.Result("queue", MqOpenInChild("nsprobe-mq-3", O_CREAT | O_EXCL | O_RDWR, &attr));
            w.Result("second_queue",
                     MqOpenInChild("nsprobe-mq-4", O_CREAT | O_EXCL | O_RDWR, &attr));
            return 0;  // nothing removed
          }));
  ::close(member_gone[1]);
  // Tries to create a queue of the same size as the same user in this (outer) namespace.
  auto try_queue = [&] {
    const int status = InForkedChild([&] {
      if (int e = BecomeQueueUserInChild(uid, kLimit)) return e;
      if (MqOpenInChild("nsprobe-mq-probe", O_CREAT | O_EXCL | O_RDWR, &attr) < 0) return errno;
      MqUnlinkInChild("nsprobe-mq-probe");
      return 0;
    });
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  w.Value("while_alive", try_queue());
  char c = 'g';
  if (::write(release[1], &c, 1) != 1) return 5;
  while (::read(member_gone[0], &c, 1) > 0) {
  }
  const std::int64_t t0 = testing::MonotonicNsInChild();
  int attempts = 0, last = -1;
  while (testing::MonotonicNsInChild() - t0 < 10'000'000'000 && (last = try_queue()) != 0) {
    ++attempts;
    testing::SleepMsInChild(1);
  }
  w.Value("after_death", last);
  w.Value("attempts", attempts);
  w.Value("free_ns", testing::MonotonicNsInChild() - t0);
  return 0;
}

// SysV objects and POSIX queues outlive their creator while the namespace has a member, and
// are destroyed with the namespace: the creator's queue charge comes back once the last
// member has gone (the kernel frees a namespace from a work queue, so the test polls).
TEST_P(IpcNamespace, ObjectsOutliveTheirCreatorAndVanishWithTheNamespace) {
  const uid_t uid = DedicatedUid(mode());
  // RLIMIT_MSGQUEUE counts the queues of a uid in its user namespace: without a uid of its
  // own, the queues of every other process of root here (other suites, run beside this one)
  // take the small budget this case sets, and its verdict would be theirs.
  if (mode() == Mode::kPrivileged && uid == static_cast<uid_t>(-1))
    GTEST_SKIP() << "privilege: " << RootlessReason()
                 << ": no uid of its own to charge its message queues to (RLIMIT_MSGQUEUE "
                    "counts every queue of root here, other tests' too)";
  Child child = LaunchInNew(mode(), {Kind::kIpc}, [&] { return OutliveInChild(w_, uid); });
  ASSERT_TRUE(Finished(child, obs_, std::chrono::seconds(30)));
  ASSERT_THAT(obs_["unshare"], Succeeded());
  ASSERT_THAT(obs_["creator_user"], HasValue(0));
  ASSERT_THAT(obs_["creator_status"], HasValue(0));
  ASSERT_THAT(obs_["queue"], Succeeded());
  ASSERT_THAT(obs_["second_queue"], FailedWith(EMFILE)) << "the limit does not bind";
  for (const char* as : {"created", "held"})
    EXPECT_THAT(Sysv(obs_, as), Each(Succeeded())) << "after its creator exited";
  EXPECT_THAT(obs_["held_queue"], Succeeded()) << "after its creator exited";
  EXPECT_THAT(obs_["while_alive"], HasValue(EMFILE))
      << "the live namespace's queue was not charged";
  EXPECT_THAT(obs_["after_death"], HasValue(0)) << "the dead namespace's queue was never freed";
  RecordProperty("free_after_death_us", std::to_string(obs_.Value("free_ns") / 1000));
  RecordProperty("attempts", std::to_string(obs_.Value("attempts")));
}

// The /proc/self/ns entries (the *_for_children ones too) of a child launched by `spec`
// that differ from ours.
std::set<std::string> EntriesThatChange(const Spec& spec) {
  std::vector<std::string> entries = {"pid_for_children", "time_for_children"}, paths;
  for (const KindInfo& k : AllKinds()) entries.emplace_back(k.name);
  for (const std::string& e : entries) paths.push_back("/proc/self/ns/" + e);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(spec, [&] {
    for (std::size_t j = 0; j < entries.size(); ++j) w.Link(entries[j].c_str(), paths[j].c_str());
    return 0;
  });
  EXPECT_TRUE(Finished(child, obs));
  std::set<std::string> changed;
  for (std::size_t j = 0; j < entries.size(); ++j) {
    std::string mine;
    char buf[128] = {};
    ssize_t n = ::readlink(paths[j].c_str(), buf, sizeof buf - 1);
    if (n > 0) mine.assign(buf, static_cast<std::size_t>(n));
    if (obs.Text(entries[j]) != mine) changed.insert(entries[j]);
  }
  return changed;
}

// The seeds' experiment: a new IPC namespace changes /proc/self/ns/ipc and no other entry
// (besides the user namespace the unprivileged mode needs); a sibling without it keeps ipc.
TEST_P(IpcNamespace, OnlyTheIpcNamespaceChanges) {
  const std::set<std::string> with_ipc = EntriesThatChange(SpecFor(mode(), {Kind::kIpc}));
  const std::set<std::string> without = EntriesThatChange(SpecFor(mode(), {}));
  if (mode() == Mode::kPrivileged) {
    EXPECT_THAT(with_ipc, ElementsAre("ipc"));
    EXPECT_THAT(without, ElementsAre());
  } else {
    EXPECT_THAT(with_ipc, ElementsAre("ipc", "user"));
    EXPECT_THAT(without, ElementsAre("user"));
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, IpcNamespace, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
