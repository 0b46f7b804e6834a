// Network namespaces (network_namespaces(7)): a private set of devices, addresses, ports and
// abstract unix names; veth pairs as the only wire between namespaces; sockets pinned to the
// namespace they were made in. Every address here lives on loopback or on a veth pair between
// two namespaces this suite created: nothing is routed to the host.
#include "runtime/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/tool.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_test.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71  // Linux 5.14; Debian 12's headers predate it
#endif

namespace nsprobe {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::Entry;
using testing::EntryKinds;
using testing::FailedWith;
using ::testing::HasSubstr;
using testing::HasText;
using testing::HasValue;
using testing::Holder;
using ::testing::Ne;
using ::testing::Not;
using testing::Observations;
using testing::ObservationWriter;
using testing::SpecFor;
using testing::Succeeded;

constexpr auto kWait = std::chrono::seconds(20);

// Every link of the caller's network namespace as "name:up" or "name:down", from one
// RTM_GETLINK dump. Async-signal-safe: a netlink socket and stack buffers. Returns 0 or errno.
template <typename Emit>
int ForEachLink(Emit&& emit) {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  struct {
    nlmsghdr nh;
    ifinfomsg ifm;
  } req{};
  req.nh.nlmsg_len = sizeof req;
  req.nh.nlmsg_type = RTM_GETLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = 1;
  req.ifm.ifi_family = AF_UNSPEC;
  int err = 0;
  if (::send(fd, &req, sizeof req, 0) < 0) err = errno;
  alignas(nlmsghdr) char buf[32768];
  bool done = err != 0;
  while (!done) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) done = true;
      if (h->nlmsg_type == NLMSG_ERROR) {
        err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        done = true;
      }
      if (h->nlmsg_type != RTM_NEWLINK) continue;
      auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(h));
      int attr_len = static_cast<int>(IFLA_PAYLOAD(h));
      for (auto* a = IFLA_RTA(ifi); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
        if (a->rta_type != IFLA_IFNAME) continue;
        char line[IFNAMSIZ + 8] = {};
        std::size_t i = 0;
        for (const char* s = static_cast<const char*>(RTA_DATA(a)); *s && i < IFNAMSIZ; ++s)
          line[i++] = *s;
        for (const char* s = (ifi->ifi_flags & IFF_UP) ? ":up" : ":down"; *s; ++s) line[i++] = *s;
        emit(line);
      }
    }
  }
  ::close(fd);
  return err;
}

// Records every link as a "link" observation. Async-signal-safe.
void RecordLinks(const ObservationWriter& w) {
  int err = ForEachLink([&](const char* line) { w.Text("link", line); });
  w.Status("links", err);
}

// The same list in the test process: the host's side of the contrast.
std::vector<std::string> LinksHere() {
  std::vector<std::string> out;
  int err = ForEachLink([&](const char* line) { out.emplace_back(line); });
  if (err != 0) ADD_FAILURE() << "RTM_GETLINK dump failed: " << std::strerror(err);
  return out;
}

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in Ipv4(const char* dotted, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, dotted, &a.sin_addr);
  return a;
}

// A UDP connect() sends nothing; it only asks the routing table whether 127.0.0.1 is
// reachable. Async-signal-safe. Returns 0 or errno.
int RouteToLoopback() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  sockaddr_in a = Loopback(9);
  int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  int err = rc == 0 ? 0 : errno;
  ::close(s);
  return err;
}

// A TCP listener on 127.0.0.1 in the test process's own namespace, on a port the kernel picks.
struct HostListener {
  UniqueFd fd;
  std::uint16_t port = 0;
  HostListener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a = Loopback(0);
    socklen_t len = sizeof a;
    if (::bind(fd.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(fd.Get(), 4) != 0 ||
        ::getsockname(fd.Get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::system_error(errno, std::generic_category(), "listen on 127.0.0.1");
    port = ntohs(a.sin_port);
  }
};

// Binds (and listens on) 127.0.0.1:port. Async-signal-safe. Returns the socket or -errno.
int BindLoopback(std::uint16_t port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  sockaddr_in a = Loopback(port);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 1) != 0) {
    int err = errno;
    ::close(s);
    return -err;
  }
  return s;
}

// The /proc/PID/ns/net identity of a running child, next to ours.
void ExpectOwnNetns(pid_t pid) {
  auto theirs = IdentityOf(pid, Kind::kNet);
  auto ours = IdentityOf(0, Kind::kNet);
  ASSERT_TRUE(theirs && ours);
  ASSERT_NE(*theirs, *ours) << "child " << pid << " shares our network namespace "
                            << ours->ToString() << "; refusing to configure devices in it";
}

// Runs argv in the network namespace of `target`. Root is unmapped in a user namespace created
// by nobody: enough to read, but creating a device there gives EPERM (as `nsenter
// --preserve-credentials` does). So in the unprivileged mode a root test runs the program as the
// namespace's creator, who is root inside.
ToolResult Tool(pid_t target, Mode mode, const std::vector<std::string>& argv) {
  ProgramRun run;
  run.argv = argv;
  run.target = target;
  run.kinds = EntryKinds(mode, KindSet{Kind::kNet});
  if (mode == Mode::kUnprivileged && ::geteuid() == 0) run.as = testing::kNobody;
  return RunTool(run);
}

// ---------------------------------------------------------------------------------------------
// The starting state, through each entry path.

class NetEntry : public testing::NoLeaksTest,
                 public ::testing::WithParamInterface<std::tuple<Entry, Mode>> {};

TEST_P(NetEntry, OnlyLoopbackAndItIsDown) {
  auto [entry, mode] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kNet, mode);
  Observations obs;
  auto w = obs.Writer();
  ExitStatus st = testing::RunVia(
      entry, mode, Kind::kNet, obs, [] { return 0; },
      [&] {
        RecordLinks(w);
        return 0;
      });
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_THAT(obs["ns_link"], HasText(Ne(ReadNsLink(0, Kind::kNet))));
  ASSERT_THAT(obs["links"], Succeeded());
  std::vector<std::string> host = LinksHere();
  EXPECT_THAT(obs.Texts("link"), ElementsAre("lo:down"))
      << "links seen inside; the host has: " << ::testing::PrintToString(host);
  EXPECT_THAT(host, Not(ElementsAre("lo:down"))) << "the contrast: the host's links";
}

INSTANTIATE_TEST_SUITE_P(Paths, NetEntry,
                         ::testing::Combine(testing::kAllEntries, testing::kBothModes),
                         testing::EntryModeParamName);

// ---------------------------------------------------------------------------------------------

class NetNamespace : public testing::KindTest<Kind::kNet> {
 protected:
  Spec NetSpec() const { return SpecFor(mode(), KindSet{Kind::kNet}); }
  // A sibling with the same credentials and no network namespace of its own.
  Spec SiblingSpec() const { return SpecFor(mode(), KindSet{}); }
};

TEST_P(NetNamespace, IpToolSeesOnlyLoopbackDown) {
  Holder h(NetSpec());
  ASSERT_TRUE(h.Ready());
  ToolResult inside = Tool(h.Pid(), mode(), {"ip", "-o", "link"});
  ToolResult host = RunTool(0, {}, {"ip", "-o", "link"});
  ASSERT_EQ(inside.exit_code, 0) << inside.Describe();
  EXPECT_THAT(inside.out, ::testing::MatchesRegex("1: lo: <LOOPBACK> [^\n]*state DOWN[^\n]*\n"))
      << inside.Describe() << "\nhost:\n"
      << host.out;
  EXPECT_NE(inside.out, host.out);
  EXPECT_TRUE(h.Release().Success());
}

TEST_P(NetNamespace, LoopbackCarriesTcpOnceUp) {
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(NetSpec(), [&] {
    int before = RouteToLoopback();
    w.Status("route_before_up", before);
    // Only a loopback we saw down is ours to bring up.
    if (before != ENETUNREACH) return 1;
    int up = net::BringLoopbackUpInChild();
    w.Status("lo_up", up);
    int lsn = BindLoopback(0);
    w.Status("listen", lsn < 0 ? -lsn : 0);
    if (lsn < 0) return 1;
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(lsn, reinterpret_cast<sockaddr*>(&a), &len);
    int cli = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    w.Result("connect", ::connect(cli, reinterpret_cast<sockaddr*>(&a), sizeof a));
    int srv = ::accept4(lsn, nullptr, nullptr, SOCK_CLOEXEC);
    w.Result("accept", srv < 0 ? -1 : 0);
    w.Result("send", ::send(cli, "ping", 4, 0));
    char buf[8] = {};
    ssize_t n = ::recv(srv, buf, sizeof buf - 1, 0);
    w.Result("recv", n);
    w.Text("received", buf);
    return 0;
  });
  ExitStatus st = c.Wait(kWait);
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
  EXPECT_THAT(obs["route_before_up"], FailedWith(ENETUNREACH))
      << "127.0.0.1 was reachable before lo came up; here it is: " << RouteToLoopback();
  EXPECT_EQ(RouteToLoopback(), 0) << "the contrast: the host's loopback is up";
  EXPECT_THAT(obs["connect"], HasValue(0));
  EXPECT_THAT(obs["accept"], HasValue(0));
  EXPECT_THAT(obs["received"], HasText("ping"));
}

TEST_P(NetNamespace, SamePortBoundInTwoNamespacesAtOnce) {
  HostListener host;  // holds 127.0.0.1:port in our namespace for the whole test
  Spec inside = NetSpec();
  inside.loopback_up = true;
  auto try_bind = [&](const Spec& spec) {
    Observations obs;
    auto w = obs.Writer();
    Child c = testing::Launch(spec, [&] {
      int s = BindLoopback(host.port);
      w.Status("bind", s < 0 ? -s : 0);
      return 0;
    });
    EXPECT_TRUE(c.Wait(kWait).Success());
    obs.Collect();
    return obs.Err("bind");
  };
  EXPECT_EQ(try_bind(inside), 0) << "127.0.0.1:" << host.port
                                 << " is taken in our namespace and must be free in a new one";
  EXPECT_EQ(try_bind(SiblingSpec()), EADDRINUSE)
      << "the contrast: a sibling without a network namespace";
}

TEST_P(NetNamespace, AbstractUnixNameIsPerNamespace) {
  // An abstract name: a leading NUL, no file; unique to this process and test.
  std::string name = std::string(1, '\0') + "nsprobe-net-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  name.resize(std::min(name.size(), sizeof addr.sun_path));
  std::memcpy(addr.sun_path, name.data(), name.size());
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  UniqueFd ours(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(::bind(ours.Get(), reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(ours.Get(), 4), 0);

  auto probe = [&](const Spec& spec) {
    Observations obs;
    auto w = obs.Writer();
    Child c = testing::Launch(spec, [&] {
      int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      w.Result("connect", ::connect(s, reinterpret_cast<const sockaddr*>(&addr), len));
      int t = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      w.Result("bind", ::bind(t, reinterpret_cast<const sockaddr*>(&addr), len));
      return 0;
    });
    EXPECT_TRUE(c.Wait(kWait).Success());
    obs.Collect();
    return std::pair{obs.Err("connect"), obs.Err("bind")};
  };
  auto [in_connect, in_bind] = probe(NetSpec());
  EXPECT_EQ(in_connect, ECONNREFUSED) << "our abstract name was reachable from a new namespace";
  EXPECT_EQ(in_bind, 0) << "the name is taken only in our namespace: " << std::strerror(in_bind);
  auto [out_connect, out_bind] = probe(SiblingSpec());
  EXPECT_EQ(out_connect, 0) << "the contrast: a sibling in our namespace reaches it";
  EXPECT_EQ(out_bind, EADDRINUSE) << "the contrast: a sibling in our namespace finds it taken";
}

TEST_P(NetNamespace, HostDevicesCannotBeReachedFromInside) {
  std::string host_dev;
  for (const std::string& l : LinksHere())
    if (l.rfind("lo:", 0) != 0) host_dev = l.substr(0, l.find(':'));
  if (host_dev.empty()) GTEST_SKIP() << "unsupported: this host has no network device but lo";
  ifreq req{};
  std::strncpy(req.ifr_name, host_dev.c_str(), IFNAMSIZ - 1);
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(NetSpec(), [&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq r = req;
    w.Result("get_flags", ::ioctl(s, SIOCGIFFLAGS, &r));
    r = req;
    w.Result("get_index", ::ioctl(s, SIOCGIFINDEX, &r));
    return 0;
  });
  ASSERT_TRUE(c.Wait(kWait).Success());
  obs.Collect();
  EXPECT_THAT(obs["get_flags"], FailedWith(ENODEV)) << host_dev;
  EXPECT_THAT(obs["get_index"], FailedWith(ENODEV)) << host_dev;
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(::ioctl(s.Get(), SIOCGIFFLAGS, &req), 0) << "the contrast: we see " << host_dev;
}

TEST_P(NetNamespace, SocketKeepsTheNamespaceItWasMadeIn) {
  HostListener host;
  // Made here, in our namespace, and inherited by a child born in a new one.
  UniqueFd outer(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in target = Loopback(host.port);
  Observations obs;
  auto w = obs.Writer();
  Child c = testing::Launch(NetSpec(), [&] {
    w.Link("netns", "/proc/self/ns/net");
    int inner = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    w.Result("inner_connect",
             ::connect(inner, reinterpret_cast<const sockaddr*>(&target), sizeof target));
    w.Result("outer_connect",
             ::connect(outer.Get(), reinterpret_cast<const sockaddr*>(&target), sizeof target));
    for (auto [key, fd] : {std::pair{"inner_ns", inner}, std::pair{"outer_ns", outer.Get()}}) {
      int ns = ::ioctl(fd, SIOCGSKNS);
      struct stat st {};
      if (ns >= 0) ::fstat(ns, &st);
      w.Result(key, ns < 0 ? -1 : static_cast<long>(st.st_ino));
    }
    return 0;
  });
  ASSERT_TRUE(c.Wait(kWait).Success());
  obs.Collect();
  auto ours = IdentityOf(0, Kind::kNet);
  ASSERT_TRUE(ours);
  EXPECT_THAT(obs["inner_connect"], FailedWith(ENETUNREACH))
      << "a socket made inside reached our 127.0.0.1:" << host.port;
  EXPECT_THAT(obs["outer_connect"], HasValue(0)) << "the inherited socket lost our namespace";
  EXPECT_EQ("net:[" + std::to_string(obs.Value("inner_ns")) + "]", obs.Text("netns"));
  // SIOCGSKNS needs CAP_NET_ADMIN over the socket's namespace. The child has it over ours only
  // in the privileged mode and when our network namespace belongs to our own user namespace
  // (not under `unshare -Ur`, whose user namespace does not own the host's network).
  UniqueFd our_net = OpenOrThrow(NsPath(0, Kind::kNet).c_str(), O_RDONLY);
  NsFdAnswer owner = NsGetUserns(our_net.Get());
  const bool we_own_it =
      owner.Ok() && IdentityOfFd(owner.fd.Get(), Kind::kUser) == IdentityOf(0, Kind::kUser).value();
  if (mode() == Mode::kPrivileged && we_own_it) {
    EXPECT_EQ(static_cast<ino_t>(obs.Value("outer_ns")), ours->ino);
  } else {
    EXPECT_THAT(obs["outer_ns"], FailedWith(EPERM));
  }
}

TEST_P(NetNamespace, NsIdEqualsTheNetnsCookie) {
  Observations obs;
  auto w = obs.Writer();
  Holder h(NetSpec(), [&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    std::uint64_t cookie = 0;
    socklen_t len = sizeof cookie;
    w.Result("cookie_rc", ::getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len));
    w.Value("cookie", static_cast<std::int64_t>(cookie));
    ::close(s);
    return 0;
  });
  ASSERT_TRUE(h.Ready());
  UniqueFd theirs = OpenOrThrow(NsPath(h.Pid(), Kind::kNet).c_str(), O_RDONLY);
  UniqueFd ours = OpenOrThrow(NsPath(0, Kind::kNet).c_str(), O_RDONLY);
  NsAnswer their_id = NsGetId(theirs.Get());
  NsAnswer our_id = NsGetId(ours.Get());
  ASSERT_TRUE(h.Release().Success());
  obs.Collect();
  if (their_id.unsupported) GTEST_SKIP() << "unsupported: NS_GET_ID needs Linux 6.18 (ENOTTY)";
  if (obs.Err("cookie_rc") == ENOPROTOOPT)
    GTEST_SKIP() << "unsupported: SO_NETNS_COOKIE needs Linux 5.14 (ENOPROTOOPT)";
  ASSERT_TRUE(their_id.Ok() && our_id.Ok()) << std::strerror(their_id.err);
  ASSERT_THAT(obs["cookie_rc"], Succeeded());
  EXPECT_THAT(obs["cookie"], HasValue(their_id.value));
  EXPECT_NE(their_id.value, our_id.value) << "the contrast: our namespace's id";
}

// ---------------------------------------------------------------------------------------------
// A veth pair between two namespaces made here: `left` by the runtime, `right` by a child that
// joins left's user namespace (so left's capabilities reach it) and unshares a network
// namespace, and a `bystander` made the same way without any link.

constexpr char kLeftAddr[] = "10.213.7.1";
constexpr char kRightAddr[] = "10.213.7.2";
constexpr std::uint16_t kVethPort = 5555;

class NetVeth : public NetNamespace {
 protected:
  // A network namespace owned by the same user namespace as left's.
  std::unique_ptr<Holder> Peer(pid_t left) {
    Spec spec;
    if (mode() == Mode::kUnprivileged) {
      spec.join = JoinTarget{left, KindSet{Kind::kUser}};
      if (::geteuid() == 0) spec.create_as = testing::kNobody;
    }
    return std::make_unique<Holder>(spec,
                                    [] { return testing::Unshare(CLONE_NEWNET) == 0 ? 0 : 1; });
  }

  void SetUpPair() {
    left_ = std::make_unique<Holder>(NetSpec());
    ASSERT_TRUE(left_->Ready());
    right_ = Peer(left_->Pid());
    bystander_ = Peer(left_->Pid());
    ASSERT_TRUE(right_->Ready() && bystander_->Ready());
    ASSERT_NO_FATAL_FAILURE(ExpectOwnNetns(left_->Pid()));
    ASSERT_NO_FATAL_FAILURE(ExpectOwnNetns(right_->Pid()));
    ASSERT_NE(IdentityOf(left_->Pid(), Kind::kNet), IdentityOf(right_->Pid(), Kind::kNet));
    const std::string right_pid = std::to_string(right_->Pid());
    ToolResult add =
        Tool(left_->Pid(), mode(),
             {"sh", "-c",
              "ip link add nsp0 type veth peer name nsp1 netns " + right_pid + " && ip addr add " +
                  kLeftAddr + "/30 dev nsp0 && ip link set nsp0 up"});
    ASSERT_EQ(add.exit_code, 0) << add.Describe();
    ToolResult up =
        Tool(right_->Pid(), mode(),
             {"sh", "-c",
              std::string("ip addr add ") + kRightAddr + "/30 dev nsp1 && ip link set nsp1 up"});
    ASSERT_EQ(up.exit_code, 0) << up.Describe();
  }

  // Runs `body` in a child that joins `target`'s namespaces.
  Child JoinNet(pid_t target, Body body) {
    Spec spec;
    spec.join = JoinTarget{target, EntryKinds(mode(), KindSet{Kind::kNet})};
    if (mode() == Mode::kUnprivileged && ::geteuid() == 0) spec.create_as = testing::kNobody;
    return testing::Launch(spec, body);
  }

  void TearDown() override {
    // The holders end here, before the leak check looks for children.
    for (auto* h : {&bystander_, &right_, &left_}) h->reset();
    NetNamespace::TearDown();
  }

  std::unique_ptr<Holder> left_, right_, bystander_;
};

TEST_P(NetVeth, PairCarriesTrafficBetweenItsTwoNamespacesOnly) {
  ASSERT_NO_FATAL_FAILURE(SetUpPair());
  const sockaddr_in right = Ipv4(kRightAddr, kVethPort);
  Observations obs;
  auto w = obs.Writer();
  Pipe bound = Pipe::Make();
  Pipe received = Pipe::Make();  // a byte once the receiver has its datagram
  Child receiver = JoinNet(right_->Pid(), [&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in any = Ipv4("0.0.0.0", kVethPort);
    w.Result("bind", ::bind(s, reinterpret_cast<sockaddr*>(&any), sizeof any));
    timeval tv{10, 0};  // bounded: a lost datagram fails the test instead of hanging it
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)!::write(bound.write.Get(), "b", 1);
    char buf[32] = {};
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(s, buf, sizeof buf - 1, 0, reinterpret_cast<sockaddr*>(&from), &len);
    (void)!::write(received.write.Get(), "r", 1);
    w.Result("recv", n);
    w.Text("payload", buf);
    w.Value("from", ntohl(from.sin_addr.s_addr));
    return 0;
  });
  bound.write.Reset();
  char b;
  ASSERT_EQ(::read(bound.read.Get(), &b, 1), 1);
  Child sender = JoinNet(left_->Pid(), [&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    // The first datagram waits for ARP; another goes every 50 ms until the receiver says it
    // has one (a lost one is covered without a fixed wait when none is lost).
    pollfd got{received.read.Get(), POLLIN, 0};
    for (int i = 0; i < 20; ++i) {
      w.Result("send", ::sendto(s, "over-veth", 9, 0, reinterpret_cast<const sockaddr*>(&right),
                                sizeof right));
      if (::poll(&got, 1, 50) == 1) break;
    }
    return 0;
  });
  Child outsider = JoinNet(bystander_->Pid(), [&] {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    w.Result("bystander_route",
             ::connect(s, reinterpret_cast<const sockaddr*>(&right), sizeof right));
    return 0;
  });
  EXPECT_TRUE(sender.Wait(kWait).Success());
  EXPECT_TRUE(outsider.Wait(kWait).Success());
  EXPECT_TRUE(receiver.Wait(kWait).Success());
  obs.Collect();
  EXPECT_THAT(obs["payload"], HasText("over-veth"));
  in_addr from{htonl(static_cast<std::uint32_t>(obs.Value("from")))};
  EXPECT_STREQ(::inet_ntoa(from), kLeftAddr);
  EXPECT_THAT(obs["bystander_route"], FailedWith(ENETUNREACH))
      << "a third namespace has a route to " << kRightAddr;
  std::vector<std::string> host = LinksHere();
  EXPECT_THAT(host, Not(Contains(HasSubstr("nsp0")))) << "the veth end leaked to the host";
  EXPECT_THAT(host, Not(Contains(HasSubstr("nsp1")))) << "the veth end leaked to the host";
  ToolResult in_left = Tool(left_->Pid(), mode(), {"ip", "-o", "link"});
  EXPECT_THAT(in_left.out, HasSubstr("nsp0"));
  EXPECT_THAT(in_left.out, Not(HasSubstr("nsp1:"))) << in_left.out;
}

TEST_P(NetVeth, PairDiesWithThePeerNamespace) {
  ASSERT_NO_FATAL_FAILURE(SetUpPair());
  ASSERT_THAT(Tool(left_->Pid(), mode(), {"ip", "-o", "link"}).out, HasSubstr("nsp0"));
  EXPECT_TRUE(right_->Release().Success());
  // The peer namespace is torn down asynchronously (cleanup_net runs from a workqueue).
  const auto start = std::chrono::steady_clock::now();
  std::string links;
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() - start < std::chrono::seconds(15)) {
    links = Tool(left_->Pid(), mode(), {"ip", "-o", "link"}).out;
    gone = links.find("nsp0") == std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  EXPECT_TRUE(gone) << "nsp0 still in the left namespace " << ms << " ms after its peer's "
                    << "namespace died:\n"
                    << links;
  RecordProperty("veth_gone_after_ms", std::to_string(ms));
}

TEST_P(NetNamespace, InterfaceCreatedInsideIsInvisibleOutside) {
  Holder inside(NetSpec());
  Holder sibling(NetSpec());
  ASSERT_TRUE(inside.Ready());
  ASSERT_TRUE(sibling.Ready());
  ASSERT_NO_FATAL_FAILURE(ExpectOwnNetns(inside.Pid()));
  ToolResult add = Tool(inside.Pid(), mode(),
                        {"ip", "link", "add", "nspin0", "type", "veth", "peer", "name", "nspin1"});
  ASSERT_EQ(add.exit_code, 0) << add.Describe();
  EXPECT_THAT(Tool(inside.Pid(), mode(), {"ip", "-o", "link"}).out, HasSubstr("nspin0"));
  EXPECT_THAT(LinksHere(), Not(Contains(HasSubstr("nspin")))) << "visible in our namespace";
  ToolResult other = Tool(sibling.Pid(), mode(), {"ip", "-o", "link"});
  EXPECT_THAT(other.out, Not(HasSubstr("nspin"))) << "visible in a sibling namespace";
}

INSTANTIATE_TEST_SUITE_P(Modes, NetNamespace, testing::kBothModes, testing::ModeParamName);
INSTANTIATE_TEST_SUITE_P(Modes, NetVeth, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
