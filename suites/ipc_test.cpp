// IPC namespaces (ipc_namespaces(7)): SysV message queues, shared memory and semaphores, POSIX
// message queues and their sysctls belong to the namespace. Entry paths: clone3 (Launch),
// unshare by a launched child, setns (Spec::join). No IPC object is ever created in the
// test's own namespace: bodies check that they are elsewhere first.
#include <dirent.h>
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
#include "suites/support/launch_new.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe {
namespace {

using ::testing::ElementsAre;
using testing::EntryKinds;
using testing::FailedWith;
using testing::ForkInChild;
using ::testing::Gt;
using testing::Handshake;
using ::testing::HasSubstr;
using testing::HasText;
using testing::HasValue;
using testing::InodeInChild;
using ::testing::Ne;
using ::testing::Not;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
using testing::Succeeded;
using testing::WaitInChild;

constexpr auto kWait = std::chrono::seconds(20);
constexpr const char* kSelfIpc = "/proc/self/ns/ipc";

ino_t OurIpcInode() { return IdentityOf(0, Kind::kIpc).value().ino; }

// ---- SysV objects, child side (all async-signal-safe) ----

// Observation keys for one msgget/shmget/semget round.
struct SysvKeys {
  const char* msg;
  const char* shm;
  const char* sem;
};

// msgget, shmget and semget of `key` with `flags`: 0 looks up, IPC_CREAT|IPC_EXCL creates.
void SysvGetInChild(const ObservationWriter& w, key_t key, int flags, const SysvKeys& keys) {
  w.Result(keys.msg, ::msgget(key, flags | 0600));
  w.Result(keys.shm, ::shmget(key, 4096, flags | 0600));
  w.Result(keys.sem, ::semget(key, 1, flags | 0600));
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

// Fixture: every case runs in both modes and is skipped only with the probe's reason.
class IpcNamespace : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kIpc, GetParam());
  }
  Mode mode() const { return GetParam(); }
};

// The result of a lookup made by the test process in its own namespace.
struct Lookup {
  int ret;
  int err;
};
template <typename F>
Lookup LookUp(F&& f) {
  errno = 0;
  int ret = f();
  return {ret, ret < 0 ? errno : 0};
}

TEST_P(IpcNamespace, SysvObjectsCreatedInsideAreInvisibleOutside) {
  constexpr key_t kKey = 0x6e737031;
  const ino_t our_ns = OurIpcInode();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child holder = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    SysvGetInChild(w, kKey, IPC_CREAT | IPC_EXCL, {"msg_created", "shm_created", "sem_created"});
    hs.Ready();
    hs.AwaitGo();
    SysvRemoveInChild(kKey);
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << "the holder ended early: " << holder.Wait(kWait).Describe();
  const Lookup msg = LookUp([&] { return ::msgget(kKey, 0); });
  const Lookup shm = LookUp([&] { return ::shmget(kKey, 0, 0); });
  const Lookup sem = LookUp([&] { return ::semget(kKey, 0, 0); });
  ToolResult inside = RunTool(holder.Pid(), EntryKinds(mode(), {Kind::kIpc}), {"ipcs"});
  ToolResult outside = RunTool(0, {}, {"ipcs"});
  // The contrast: a sibling entering the holder's namespace by setns finds all three; one
  // with a namespace of its own finds none.
  Child joined = testing::Launch(testing::JoinSpec(mode(), holder.Pid(), {Kind::kIpc}), [&] {
    SysvGetInChild(w, kKey, 0, {"joined_msg", "joined_shm", "joined_sem"});
    return 0;
  });
  ExitStatus joined_status = joined.Wait(kWait);
  Child fresh = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    SysvGetInChild(w, kKey, 0, {"fresh_msg", "fresh_shm", "fresh_sem"});
    return 0;
  });
  ExitStatus fresh_status = fresh.Wait(kWait);
  hs.Go();
  ASSERT_TRUE(testing::Finished(holder, obs));
  ASSERT_TRUE(joined_status.Success()) << joined_status.Describe();
  ASSERT_TRUE(fresh_status.Success()) << fresh_status.Describe();
  for (const char* key : {"msg_created", "shm_created", "sem_created"})
    ASSERT_THAT(obs[key], Succeeded()) << key;
  EXPECT_EQ(msg.err, ENOENT) << "msgget from the parent returned " << msg.ret;
  EXPECT_EQ(shm.err, ENOENT) << "shmget from the parent returned " << shm.ret;
  EXPECT_EQ(sem.err, ENOENT) << "semget from the parent returned " << sem.ret;
  EXPECT_THAT(inside.out, HasSubstr("0x6e737031")) << inside.Describe();
  EXPECT_THAT(outside.out, Not(HasSubstr("0x6e737031"))) << outside.Describe();
  for (const char* key : {"joined_msg", "joined_shm", "joined_sem"})
    EXPECT_THAT(obs[key], Succeeded()) << key << " (setns into the holder's namespace)";
  for (const char* key : {"fresh_msg", "fresh_shm", "fresh_sem"})
    EXPECT_THAT(obs[key], FailedWith(ENOENT)) << key << " (a namespace of its own)";
}

// The reverse direction, through unshare: objects of the namespace a process leaves are
// unknown in the one it enters, and their key is free there (LTP shmnstest, mesgq_nstest,
// sem_nstest); a process that stays sees them (the "none" control).
TEST_P(IpcNamespace, SysvKeysOutsideAreUnknownAfterUnshareAndFreeToReuse) {
  constexpr key_t kKey = 0x6e737032;
  const ino_t our_ns = OurIpcInode();
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    w.Link("outer_ns", kSelfIpc);
    SysvGetInChild(w, kKey, IPC_CREAT | IPC_EXCL, {"outer_msg", "outer_shm", "outer_sem"});
    long stay = ForkInChild();
    if (stay == 0) {
      SysvGetInChild(w, kKey, 0, {"stayer_msg", "stayer_shm", "stayer_sem"});
      ::_exit(0);
    }
    WaitInChild(stay);
    long leave = ForkInChild();
    if (leave == 0) {
      w.Result("unshare", testing::Unshare(CLONE_NEWIPC));
      w.Link("inner_ns", kSelfIpc);
      if (InodeInChild(kSelfIpc) == our_ns) ::_exit(3);
      SysvGetInChild(w, kKey, 0, {"inner_lookup_msg", "inner_lookup_shm", "inner_lookup_sem"});
      SysvGetInChild(w, kKey, IPC_CREAT | IPC_EXCL, {"inner_msg", "inner_shm", "inner_sem"});
      Message m;
      std::memcpy(m.text, "inner", 6);
      w.Result("inner_msgsnd", ::msgsnd(::msgget(kKey, 0), &m, sizeof m.text, IPC_NOWAIT));
      SysvRemoveInChild(kKey);
      ::_exit(0);
    }
    WaitInChild(leave);
    Message m;
    w.Result("outer_msgrcv",
             ::msgrcv(::msgget(kKey, 0), &m, sizeof m.text, 0, IPC_NOWAIT | MSG_NOERROR));
    SysvRemoveInChild(kKey);
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  EXPECT_THAT(obs["outer_ns"], HasText(Ne(ReadNsLink(0, Kind::kIpc))));
  ASSERT_THAT(obs["unshare"], Succeeded());
  EXPECT_THAT(obs["inner_ns"], HasText(Ne(obs.Text("outer_ns"))));
  for (const char* key : {"outer_msg", "outer_shm", "outer_sem", "stayer_msg", "stayer_shm",
                          "stayer_sem", "inner_msg", "inner_shm", "inner_sem"})
    EXPECT_THAT(obs[key], Succeeded()) << key;
  for (const char* key : {"inner_lookup_msg", "inner_lookup_shm", "inner_lookup_sem"})
    EXPECT_THAT(obs[key], FailedWith(ENOENT)) << key;
  EXPECT_THAT(obs["inner_msgsnd"], HasValue(0));
  EXPECT_THAT(obs["outer_msgrcv"], FailedWith(ENOMSG))
      << "the inner message reached the outer queue";
}

// What one sibling does with the shared key: creates all three objects, leaves its own tag
// in each, waits until the other has done the same, then reads the tags back.
// Async-signal-safe.
struct SiblingKeys {
  SysvKeys created;
  const char* shm_tag;
  const char* sem_tag;
  const char* first_message;
  const char* second_receive;
};

int SiblingInChild(const ObservationWriter& w, const Handshake& hs, key_t key, int tag, ino_t avoid,
                   const SiblingKeys& k) {
  if (InodeInChild(kSelfIpc) == avoid) return 3;
  SysvGetInChild(w, key, IPC_CREAT | IPC_EXCL, k.created);
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
  w.Value(k.shm_tag, *static_cast<volatile int*>(mem));
  w.Value(k.sem_tag, ::semctl(sem, 0, GETVAL));
  w.Result(k.first_message, ::msgrcv(msg, &m, sizeof m.text, 0, IPC_NOWAIT) < 0 ? -1 : m.mtype);
  w.Result(k.second_receive, ::msgrcv(msg, &m, sizeof m.text, 0, IPC_NOWAIT));
  ::shmdt(mem);
  SysvRemoveInChild(key);
  return 0;
}

// LTP msg_comm, shm_comm, sem_comm: two isolated siblings with one key do not share.
TEST_P(IpcNamespace, SiblingsWithTheSameKeyDoNotShare) {
  constexpr key_t kKey = 0x6e737033;
  const ino_t our_ns = OurIpcInode();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs_a, hs_b;
  Child a = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    return SiblingInChild(
        w, hs_a, kKey, 11, our_ns,
        {{"a_msg", "a_shm", "a_sem"}, "a_shm_tag", "a_sem_tag", "a_first", "a_second"});
  });
  ASSERT_TRUE(hs_a.AwaitReady()) << a.Wait(kWait).Describe();
  Child b = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    return SiblingInChild(
        w, hs_b, kKey, 22, our_ns,
        {{"b_msg", "b_shm", "b_sem"}, "b_shm_tag", "b_sem_tag", "b_first", "b_second"});
  });
  ASSERT_TRUE(hs_b.AwaitReady()) << b.Wait(kWait).Describe();
  hs_a.Go();
  hs_b.Go();
  ExitStatus sa = a.Wait(kWait), sb = b.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(sa.Success()) << sa.Describe();
  ASSERT_TRUE(sb.Success()) << sb.Describe();
  for (const char* key : {"a_msg", "a_shm", "a_sem", "b_msg", "b_shm", "b_sem"})
    EXPECT_THAT(obs[key], Succeeded()) << key << " (exclusive create of the same key)";
  EXPECT_THAT(obs["a_shm_tag"], HasValue(11));
  EXPECT_THAT(obs["b_shm_tag"], HasValue(22));
  EXPECT_THAT(obs["a_sem_tag"], HasValue(11));
  EXPECT_THAT(obs["b_sem_tag"], HasValue(22));
  EXPECT_THAT(obs["a_first"], HasValue(11));
  EXPECT_THAT(obs["b_first"], HasValue(22));
  EXPECT_THAT(obs["a_second"], FailedWith(ENOMSG)) << "B's message reached A";
  EXPECT_THAT(obs["b_second"], FailedWith(ENOMSG)) << "A's message reached B";
}

// LTP mqns_01/02 through clone3 and setns: a POSIX queue made inside is unknown outside,
// while a sibling entering the namespace finds it and cannot create it again.
TEST_P(IpcNamespace, PosixQueueCreatedInsideIsInvisibleOutside) {
  const ino_t our_ns = OurIpcInode();
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child holder = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    int q = MqOpenInChild("nsprobe-mq-1", O_CREAT | O_EXCL | O_RDWR);
    w.Result("created", q);
    hs.Ready();
    hs.AwaitGo();
    MqUnlinkInChild("nsprobe-mq-1");
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << holder.Wait(kWait).Describe();
  const Lookup ours = LookUp([] { return ::mq_open("/nsprobe-mq-1", O_RDONLY | O_CLOEXEC); });
  if (ours.ret >= 0) ::mq_close(ours.ret);
  Child joined = testing::Launch(testing::JoinSpec(mode(), holder.Pid(), {Kind::kIpc}), [&] {
    w.Result("joined_open", MqOpenInChild("nsprobe-mq-1", O_RDWR));
    w.Result("joined_create", MqOpenInChild("nsprobe-mq-1", O_CREAT | O_EXCL | O_RDWR));
    return 0;
  });
  ExitStatus joined_status = joined.Wait(kWait);
  Child fresh = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    w.Result("fresh_open", MqOpenInChild("nsprobe-mq-1", O_RDWR));
    return 0;
  });
  ExitStatus fresh_status = fresh.Wait(kWait);
  hs.Go();
  ASSERT_TRUE(testing::Finished(holder, obs));
  ASSERT_TRUE(joined_status.Success() && fresh_status.Success());
  ASSERT_THAT(obs["created"], Succeeded());
  EXPECT_EQ(ours.err, ENOENT) << "mq_open from the parent returned " << ours.ret;
  EXPECT_THAT(obs["joined_open"], Succeeded());
  EXPECT_THAT(obs["joined_create"], FailedWith(EEXIST));
  EXPECT_THAT(obs["fresh_open"], FailedWith(ENOENT));
}

// The same through unshare, plus gVisor MqTest.ChangeIpcNamespace: a descriptor opened before
// unshare still reaches the old queue, while its name is unknown in the new namespace.
TEST_P(IpcNamespace, PosixQueueNamesArePerNamespaceAcrossUnshare) {
  const ino_t our_ns = OurIpcInode();
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    w.Link("outer_ns", kSelfIpc);
    mq_attr attr{};
    attr.mq_maxmsg = 4;
    attr.mq_msgsize = 64;
    int q = MqOpenInChild("nsprobe-mq-2", O_CREAT | O_EXCL | O_RDWR | O_NONBLOCK, &attr);
    w.Result("outer_create", q);
    w.Result("outer_again", MqOpenInChild("nsprobe-mq-2", O_CREAT | O_EXCL | O_RDWR));
    long stay = ForkInChild();
    if (stay == 0) {
      w.Result("stayer_open", MqOpenInChild("nsprobe-mq-2", O_RDWR));
      ::_exit(0);
    }
    WaitInChild(stay);
    long leave = ForkInChild();
    if (leave == 0) {
      w.Result("unshare", testing::Unshare(CLONE_NEWIPC));
      if (InodeInChild(kSelfIpc) == our_ns) ::_exit(3);
      w.Result("inner_open", MqOpenInChild("nsprobe-mq-2", O_RDWR));
      w.Result("inherited_send", ::syscall(SYS_mq_timedsend, q, "kept", 4, 0, nullptr));
      w.Result("inner_unlink", MqUnlinkInChild("nsprobe-mq-2"));
      w.Result("inner_create", MqOpenInChild("nsprobe-mq-2", O_CREAT | O_EXCL | O_RDWR));
      MqUnlinkInChild("nsprobe-mq-2");
      ::_exit(0);
    }
    WaitInChild(leave);
    char buf[64] = {};
    long n = ::syscall(SYS_mq_timedreceive, q, buf, sizeof buf, nullptr, nullptr);
    w.Result("outer_receive", n);
    if (n > 0) w.Text("outer_message", buf, static_cast<std::size_t>(n));
    MqUnlinkInChild("nsprobe-mq-2");
    return 0;
  });
  ASSERT_TRUE(testing::Finished(child, obs));
  EXPECT_THAT(obs["outer_ns"], HasText(Ne(ReadNsLink(0, Kind::kIpc))));
  ASSERT_THAT(obs["outer_create"], Succeeded());
  EXPECT_THAT(obs["outer_again"], FailedWith(EEXIST));
  EXPECT_THAT(obs["stayer_open"], Succeeded());
  ASSERT_THAT(obs["unshare"], Succeeded());
  EXPECT_THAT(obs["inner_open"], FailedWith(ENOENT));
  EXPECT_THAT(obs["inherited_send"], HasValue(0));
  EXPECT_THAT(obs["inner_unlink"], FailedWith(ENOENT));
  EXPECT_THAT(obs["inner_create"], Succeeded());
  EXPECT_THAT(obs["outer_message"], HasText("kept"))
      << "the inherited descriptor's message is lost";
}

// LTP mqns_03: an mqueue file system mounted inside lists the namespace's queues only, and a
// file created in it is a queue.
TEST_P(IpcNamespace, MqueueMountShowsOnlyTheNamespacesQueues) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, mode());
  const ino_t our_ns = OurIpcInode();
  char dir_template[] = "/tmp/nsprobe-mqueue-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr) << std::strerror(errno);
  const std::string dir = dir_template;
  const std::string file = dir + "/nsprobe-mq-file";
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kIpc, Kind::kMnt}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    w.Result("create", MqOpenInChild("nsprobe-mq-mounted", O_CREAT | O_EXCL | O_RDWR));
    long other = ForkInChild();
    if (other == 0) {
      if (testing::Unshare(CLONE_NEWIPC) != 0) ::_exit(1);
      ::_exit(MqOpenInChild("nsprobe-mq-hidden", O_CREAT | O_RDWR) < 0 ? 2 : 0);
    }
    w.Value("other_status", WaitInChild(other));
    w.Result("mount", ::mount("mqueue", dir.c_str(), "mqueue", 0, nullptr));
    int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char buf[4096];
    for (long n; (n = ::syscall(SYS_getdents64, d, buf, sizeof buf)) > 0;) {
      for (long off = 0; off < n;) {
        auto* e = reinterpret_cast<const dirent64*>(buf + off);
        if (e->d_name[0] != '.') w.Text("entry", e->d_name);
        off += e->d_reclen;
      }
    }
    ::close(d);
    int f = ::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    w.Result("creat", f);
    if (f >= 0) ::close(f);
    w.Result("file_is_queue", MqOpenInChild("nsprobe-mq-file", O_RDWR));
    MqUnlinkInChild("nsprobe-mq-file");
    MqUnlinkInChild("nsprobe-mq-mounted");
    return 0;
  });
  const ::testing::AssertionResult finished = testing::Finished(child, obs);
  ::rmdir(dir.c_str());
  ASSERT_TRUE(finished);
  ASSERT_THAT(obs["create"], Succeeded());
  ASSERT_THAT(obs["other_status"], HasValue(0));
  ASSERT_THAT(obs["mount"], HasValue(0));
  EXPECT_THAT(obs.Texts("entry"), ElementsAre("nsprobe-mq-mounted"));
  EXPECT_THAT(obs["creat"], Succeeded());
  EXPECT_THAT(obs["file_is_queue"], Succeeded());
  const Lookup ours = LookUp([] { return ::mq_open("/nsprobe-mq-mounted", O_RDONLY); });
  if (ours.ret >= 0) ::mq_close(ours.ret);
  EXPECT_EQ(ours.err, ENOENT) << "the queue is visible from the parent";
}

// kernel.msgmax, kernel.shmmax and fs.mqueue.* belong to the namespace: a change inside is
// invisible outside, and a namespace made later starts from the kernel's defaults, not from
// its creator's values.
TEST_P(IpcNamespace, SysctlsArePerNamespace) {
  const ino_t our_ns = OurIpcInode();
  struct Knob {
    std::string path, host_value, new_value, initial_key, write_key, after_key, nested_key;
  };
  std::vector<Knob> knobs;
  int i = 0;
  for (const char* name :
       {"kernel/msgmax", "kernel/shmmax", "fs/mqueue/msg_max", "fs/mqueue/queues_max"}) {
    Knob k;
    k.path = std::string("/proc/sys/") + name;
    k.host_value = ReadFile(k.path);
    unsigned long long v = std::stoull(k.host_value);
    k.new_value = std::to_string(v > 2 ? v - 1 : v + 1);
    k.initial_key = "initial_" + std::to_string(i);
    k.write_key = "write_" + std::to_string(i);
    k.after_key = "after_" + std::to_string(i);
    k.nested_key = "nested_" + std::to_string(i++);
    knobs.push_back(k);
  }
  Observations obs;
  auto w = obs.Writer();
  Handshake hs;
  Child child = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    for (const Knob& k : knobs) {
      w.File(k.initial_key.c_str(), k.path.c_str());
      int fd = ::open(k.path.c_str(), O_WRONLY | O_CLOEXEC);
      w.Result(k.write_key.c_str(),
               fd < 0 ? -1 : ::write(fd, k.new_value.data(), k.new_value.size()));
      if (fd >= 0) ::close(fd);
      w.File(k.after_key.c_str(), k.path.c_str());
    }
    long nested = ForkInChild();
    if (nested == 0) {
      if (testing::Unshare(CLONE_NEWIPC) != 0) ::_exit(1);
      for (const Knob& k : knobs) w.File(k.nested_key.c_str(), k.path.c_str());
      ::_exit(0);
    }
    w.Value("nested_status", WaitInChild(nested));
    hs.Ready();
    hs.AwaitGo();
    return 0;
  });
  ASSERT_TRUE(hs.AwaitReady()) << child.Wait(kWait).Describe();
  std::vector<std::string> ours_during;
  for (const Knob& k : knobs) ours_during.push_back(ReadFile(k.path));
  hs.Go();
  ASSERT_TRUE(testing::Finished(child, obs));
  ASSERT_THAT(obs["nested_status"], HasValue(0));
  for (std::size_t j = 0; j < knobs.size(); ++j) {
    const Knob& k = knobs[j];
    EXPECT_THAT(obs[k.write_key], HasValue(Gt(0))) << k.path;
    EXPECT_THAT(obs[k.after_key], HasText(k.new_value + "\n")) << k.path;
    EXPECT_EQ(ours_during[j], k.host_value) << k.path << " changed outside";
    EXPECT_THAT(obs[k.nested_key], HasText(obs.Text(k.initial_key)))
        << k.path << ": a nested namespace did not start from the defaults";
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

// SysV objects and POSIX queues outlive their creator while the namespace has a member, and
// are destroyed with the namespace: the creator's queue charge comes back once the last
// member has gone (the kernel frees a namespace from a work queue, so the test polls).
TEST_P(IpcNamespace, ObjectsOutliveTheirCreatorAndVanishWithTheNamespace) {
  constexpr key_t kKey = 0x6e737034;
  constexpr rlim_t kLimit = 8192;  // one queue of kMsgSize bytes fits, two do not
  const ino_t our_ns = OurIpcInode();
  const uid_t uid = DedicatedUid(mode());
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode(), {Kind::kIpc}), [&] {
    if (InodeInChild(kSelfIpc) == our_ns) return 3;
    mq_attr attr{};
    attr.mq_maxmsg = 1;
    attr.mq_msgsize = 5000;
    int member_gone[2], release[2];
    if (::pipe2(member_gone, O_CLOEXEC) != 0 || ::pipe2(release, O_CLOEXEC) != 0) return 4;
    long creator = ForkInChild();
    if (creator == 0) {
      w.Result("unshare", testing::Unshare(CLONE_NEWIPC));
      long member = ForkInChild();
      if (member == 0) {
        // The member that keeps the namespace alive after the creator is gone.
        ::close(release[1]);
        char c;
        if (::read(release[0], &c, 1) != 1) ::_exit(1);
        w.Result("held_queue", MqOpenInChild("nsprobe-mq-3", O_RDONLY));
        SysvGetInChild(w, kKey, 0, {"held_msg", "held_shm", "held_sem"});
        ::_exit(0);
      }
      ::close(member_gone[1]);
      w.Value("creator_user", BecomeQueueUserInChild(uid, kLimit));
      SysvGetInChild(w, kKey, IPC_CREAT | IPC_EXCL, {"msg", "shm", "sem"});
      w.Result("queue", MqOpenInChild("nsprobe-mq-3", O_CREAT | O_EXCL | O_RDWR, &attr));
      w.Result("second_queue", MqOpenInChild("nsprobe-mq-4", O_CREAT | O_EXCL | O_RDWR, &attr));
      ::_exit(0);  // nothing removed
    }
    ::close(member_gone[1]);
    w.Value("creator_status", WaitInChild(creator));
    // Tries to create a queue of the same size as the same user in this (outer) namespace.
    auto try_queue = [&] {
      long pid = ForkInChild();
      if (pid == 0) {
        if (int e = BecomeQueueUserInChild(uid, kLimit)) ::_exit(e);
        int q = MqOpenInChild("nsprobe-mq-probe", O_CREAT | O_EXCL | O_RDWR, &attr);
        if (q < 0) ::_exit(errno);
        MqUnlinkInChild("nsprobe-mq-probe");
        ::_exit(0);
      }
      int status = WaitInChild(pid);
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
  });
  ASSERT_TRUE(testing::Finished(child, obs, std::chrono::seconds(30)));
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["creator_user"], HasValue(0));
  ASSERT_THAT(obs["creator_status"], HasValue(0));
  ASSERT_THAT(obs["queue"], Succeeded());
  ASSERT_THAT(obs["second_queue"], FailedWith(EMFILE)) << "the limit does not bind";
  for (const char* key : {"msg", "shm", "sem", "held_queue", "held_msg", "held_shm", "held_sem"})
    EXPECT_THAT(obs[key], Succeeded()) << key << " (after its creator exited)";
  EXPECT_THAT(obs["while_alive"], HasValue(EMFILE)) << "the live namespace's queue was not charged";
  EXPECT_THAT(obs["after_death"], HasValue(0)) << "the dead namespace's queue was never freed";
  RecordProperty("free_after_death_us", std::to_string(obs.Value("free_ns") / 1000));
  RecordProperty("attempts", std::to_string(obs.Value("attempts")));
}

// The seeds' experiment: a new IPC namespace changes /proc/self/ns/ipc and no other entry
// (besides the user namespace the unprivileged mode needs); a sibling without it keeps ipc.
TEST_P(IpcNamespace, OnlyTheIpcNamespaceChanges) {
  const std::vector<std::string> entries = {"mnt",
                                            "uts",
                                            "ipc",
                                            "net",
                                            "pid",
                                            "user",
                                            "cgroup",
                                            "time",
                                            "pid_for_children",
                                            "time_for_children"};
  std::vector<std::string> paths;
  for (const std::string& e : entries) paths.push_back("/proc/self/ns/" + e);
  auto changed_in = [&](const Spec& spec) {
    Observations obs;
    auto w = obs.Writer();
    Child child = testing::Launch(spec, [&] {
      for (std::size_t j = 0; j < entries.size(); ++j) w.Link(entries[j].c_str(), paths[j].c_str());
      return 0;
    });
    ExitStatus st = child.Wait(kWait);
    obs.Collect();
    EXPECT_TRUE(st.Success()) << st.Describe();
    std::set<std::string> changed;
    for (std::size_t j = 0; j < entries.size(); ++j) {
      std::string mine;
      char buf[128] = {};
      ssize_t n = ::readlink(paths[j].c_str(), buf, sizeof buf - 1);
      if (n > 0) mine.assign(buf, static_cast<std::size_t>(n));
      if (obs.Text(entries[j]) != mine) changed.insert(entries[j]);
    }
    return changed;
  };
  const std::set<std::string> with_ipc = changed_in(SpecFor(mode(), {Kind::kIpc}));
  const std::set<std::string> without = changed_in(SpecFor(mode(), {}));
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
