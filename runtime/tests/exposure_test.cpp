// The exposure map: the netlink helpers do what they say (as real root in a network namespace
// of its own they create a veth, a bridge, a qdisc, an nftables table, an xfrm state) and are
// refused without CAP_NET_ADMIN; the map draws both identities when run as root; and with user
// namespaces refused by user.max_user_namespaces=0 (set inside a throwaway user namespace, as
// `unshare -Ur` makes) it says "refused" naming the knob.
#include "runtime/exposure.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "runtime/fd.hpp"
#include "runtime/probe.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"

namespace nsprobe {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Runs `body` in a forked child and returns what it wrote to the pipe: the child may
// unshare, drop capabilities and fork again without touching this process.
template <typename F>
std::string InChild(F body) {
  Pipe p = Pipe::Make();
  pid_t pid = ::fork();
  if (pid == 0) {
    p.read.Reset();
    std::string out = body();
    (void)!::write(p.write.Get(), out.data(), out.size());
    ::_exit(0);
  }
  p.write.Reset();
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(p.read.Get(), buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  ::waitpid(pid, &status, 0);
  return text;
}

// "veth=0 bridge=0 ...": each helper's errno, in a fresh network namespace of the caller.
std::string EveryActionInANewNetns() {
  if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare: ") + std::strerror(errno);
  std::string out;
  out += "veth=" + std::to_string(netlink::CreateVeth("nsp0", "nsp1"));
  out += " bridge=" + std::to_string(netlink::CreateBridge("nspbr0"));
  out += " qdisc=" + std::to_string(netlink::AddRootQdisc(1, "pfifo"));
  out += " nft=" + std::to_string(netlink::CreateNftTable("nsprobe"));
  out += " xfrm=" + std::to_string(netlink::CreateXfrmState(0x1000));
  // Made for real: a second bridge of the same name is refused as existing, and the first
  // goes away when asked.
  out += " again=" + std::to_string(netlink::CreateBridge("nspbr0"));
  out += " delete=" + std::to_string(netlink::DeleteLink("nspbr0"));
  return out;
}

class ExposureTest : public testing::NoLeaksTest {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    if (::geteuid() != 0 || !RootlessReason().empty())
      GTEST_SKIP() << "privilege: the control is real root in a network namespace of its own";
  }
};

TEST_F(ExposureTest, RealRootInItsOwnNetnsCreatesEveryObject) {
  std::string seen = InChild(EveryActionInANewNetns);
  // A kernel without ESP (CONFIG_INET_ESP=n, as this 6.18 is built) takes the request past
  // the permission check and then has no such protocol: the state cannot exist for anyone.
  const std::string no_esp = " xfrm=" + std::to_string(EPROTONOSUPPORT);
  if (auto at = seen.find(no_esp); at != std::string::npos)
    seen.replace(at, no_esp.size(), " xfrm=0");
  EXPECT_EQ(seen,
            "veth=0 bridge=0 qdisc=0 nft=0 xfrm=0 again=" + std::to_string(EEXIST) + " delete=0");
}

TEST_F(ExposureTest, WithoutCapNetAdminEveryActionIsRefused) {
  std::string seen = InChild([] {
    if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare failed");
    // Drop CAP_NET_ADMIN from every set; the rest stays, so only that capability decides.
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    ::syscall(SYS_capget, &header, data);
    for (auto& d : data) {
      d.effective &= ~(1U << CAP_NET_ADMIN);
      d.permitted &= ~(1U << CAP_NET_ADMIN);
    }
    if (::syscall(SYS_capset, &header, data) != 0) return std::string("capset failed");
    std::string out = EveryActionInANewNetns();
    return out;
  });
  // unshare(CLONE_NEWNET) itself needs CAP_SYS_ADMIN only, so it still works.
  const std::string eperm = std::to_string(EPERM);
  EXPECT_THAT(seen, AllOf(HasSubstr("veth=" + eperm), HasSubstr("bridge=" + eperm),
                          HasSubstr("qdisc=" + eperm), HasSubstr("nft=" + eperm),
                          HasSubstr("xfrm=" + eperm)));
}

TEST_F(ExposureTest, AsRootTheMapIsDrawnForRootAndForUid65534) {
  ExposureReport r = Exposure();
  ASSERT_EQ(r.identities.size(), 2U);
  EXPECT_EQ(r.identities[0].as, "uid 0");
  EXPECT_EQ(r.identities[1].as, "uid 65534");
  const std::string userns = ProbeReasonOnce(Kind::kUser, Mode::kUnprivileged);
  for (const ExposureIdentity& id : r.identities) {
    SCOPED_TRACE(id.as);
    if (!userns.empty()) {
      EXPECT_FALSE(id.refused.empty());
      continue;
    }
    EXPECT_THAT(id.refused, IsEmpty());
    // Root of its own user namespace holds CAP_NET_ADMIN over its own network namespace,
    // and may mount a tmpfs in its own mount namespace: what the kernel documents.
    EXPECT_THAT(id.items, Contains(AllOf(Field(&ExposureItem::name, "CAP_NET_ADMIN"),
                                         Field(&ExposureItem::allowed, true))));
    EXPECT_THAT(id.items, Contains(AllOf(Field(&ExposureItem::name, "tmpfs"),
                                         Field(&ExposureItem::allowed, true))));
    // And never what only the initial user namespace may: debugfs, securityfs.
    EXPECT_THAT(id.items, Not(Contains(AllOf(Field(&ExposureItem::name, "debugfs"),
                                             Field(&ExposureItem::allowed, true)))));
  }
  EXPECT_THAT(r.knobs, Contains(Field(&std::pair<std::string, std::string>::first,
                                      "user.max_user_namespaces")));
}

TEST(ExposureRefused, UserNamespacesRefusedByTheSysctlGiveRefusedWithTheKnob) {
  if (!ProbeReasonOnce(Kind::kUser, Mode::kUnprivileged).empty())
    GTEST_SKIP() << ProbeReasonOnce(Kind::kUser, Mode::kUnprivileged);
  std::string refused = InChild([] {
    // What `unshare -Ur` makes: root in a user namespace of its own; the limit set there
    // binds only that namespace and those below it, never the host.
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER) != 0) return std::string("unshare failed");
    WriteOnceInChild("/proc/self/setgroups", "deny");
    WriteOnceInChild("/proc/self/uid_map", ("0 " + std::to_string(uid) + " 1").c_str());
    WriteOnceInChild("/proc/self/gid_map", ("0 " + std::to_string(gid) + " 1").c_str());
    if (int e = WriteOnceInChild("/proc/sys/user/max_user_namespaces", "0"); e != 0)
      return std::string("max_user_namespaces: ") + std::strerror(e);
    ExposureReport r = Exposure();
    if (r.identities.size() != 1)
      return std::string("identities: ") + std::to_string(r.identities.size());
    return r.identities[0].as + ": " + r.identities[0].refused;
  });
  EXPECT_EQ(refused, "uid 0: policy: user.max_user_namespaces=0");
}

}  // namespace
}  // namespace nsprobe
