#include "runtime/exposure.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/io_uring.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <string_view>
#include <system_error>

#include "runtime/fd.hpp"
#include "runtime/probe.hpp"

namespace nsprobe {
namespace {

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : std::to_string(err);
}

// One netlink request: a header, a fixed family header, attributes (nestable).
class Request {
 public:
  Request(std::uint16_t type, std::uint16_t flags) {
    Put(nlmsghdr{0, type, static_cast<std::uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK), 1, 0});
  }
  template <typename T>
  void Put(const T& value) {
    const auto* p = reinterpret_cast<const char*>(&value);
    buf_.append(p, sizeof value);
    Align();
  }
  void Attr(std::uint16_t type, const void* data, std::size_t len) {
    nlattr a{static_cast<std::uint16_t>(NLA_HDRLEN + len), type};
    buf_.append(reinterpret_cast<const char*>(&a), sizeof a);
    buf_.append(static_cast<const char*>(data), len);
    Align();
  }
  void Attr(std::uint16_t type, std::string_view text) {  // NUL-terminated string
    std::string s(text);
    Attr(type, s.c_str(), s.size() + 1);
  }
  std::size_t Begin(std::uint16_t type) {
    std::size_t at = buf_.size();
    Attr(type, nullptr, 0);
    return at;
  }
  void End(std::size_t at) {
    auto len = static_cast<std::uint16_t>(buf_.size() - at);
    std::memcpy(buf_.data() + at, &len, sizeof len);
  }
  std::string& Done() {
    auto len = static_cast<std::uint32_t>(buf_.size());
    std::memcpy(buf_.data(), &len, sizeof len);
    return buf_;
  }

 private:
  void Align() { buf_.resize(NLMSG_ALIGN(buf_.size()), '\0'); }
  std::string buf_;
};

// Sends `messages` (one or a batch) and returns the first non-zero error any
// acknowledgement carries, 0 when every acknowledgement said 0.
int Talk(int protocol, const std::string& messages, int acks) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
  if (!fd) return errno;
  timeval tv{2, 0};
  ::setsockopt(fd.Get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.Get(), messages.data(), messages.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0)
    return errno;
  alignas(nlmsghdr) char reply[8192];
  while (acks > 0) {
    ssize_t n = ::recv(fd.Get(), reply, sizeof reply, 0);
    if (n < 0) return errno;  // EAGAIN: no acknowledgement within 2 s
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(h, static_cast<unsigned>(n));
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
      if (e->error != 0) return -e->error;
      --acks;
    }
  }
  return 0;
}

int NewLink(const char* name, const char* kind, const char* peer) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.Put(ifinfomsg{});
  r.Attr(IFLA_IFNAME, name);
  std::size_t info = r.Begin(IFLA_LINKINFO);
  r.Attr(IFLA_INFO_KIND, kind);
  if (peer != nullptr) {
    std::size_t data = r.Begin(IFLA_INFO_DATA);
    std::size_t p = r.Begin(VETH_INFO_PEER);
    r.Put(ifinfomsg{});
    r.Attr(IFLA_IFNAME, peer);
    r.End(p);
    r.End(data);
  }
  r.End(info);
  return Talk(NETLINK_ROUTE, r.Done(), 1);
}

std::string Sysctl(const std::string& path) {
  std::string text;
  if (!TryReadFile(path, text)) return "unreadable: " + ErrnoName(errno);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text)
    if (c == '\t') c = ' ';
  return text;
}

// The knob that decides an item, shown with it.
std::string Knob(std::string_view name, std::string_view path) {
  return std::string(name) + "=" + Sysctl(std::string(path));
}

ExposureItem Item(std::string group, std::string name, int err, std::string detail = {}) {
  ExposureItem i;
  i.group = std::move(group);
  i.name = std::move(name);
  // Anything but a permission refusal came after the permission check: reachable.
  i.allowed = err == 0 || (err != EPERM && err != EACCES);
  i.err = err;
  std::string words =
      err == 0 ? "" : ErrnoName(err) + (i.allowed ? " after the permission check" : "");
  if (!detail.empty()) words += (words.empty() ? "" : "; ") + detail;
  i.detail = words;
  return i;
}

bool HasCapability(int cap) {
  std::string status;
  if (!TryReadFile("/proc/self/status", status)) return false;
  std::size_t at = status.find("CapEff:");
  if (at == std::string::npos) return false;
  unsigned long long eff = std::stoull(status.substr(at + 7), nullptr, 16);
  return (eff >> cap & 1) != 0;
}

// The nodev file systems of /proc/filesystems (those with a device need one to mount).
std::vector<std::string> NodevFilesystems(const std::string& path) {
  std::vector<std::string> out;
  std::string text;
  if (!TryReadFile(path, text)) return out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("nodev")) continue;
    std::string name = line.substr(line.find_first_not_of(" \t", 5));
    // Kernel-internal ones (SB_NOUSER) no one mounts, and devtmpfs is the host's /dev.
    if (name == "sockfs" || name == "pipefs" || name == "bdev" || name == "anon_inodefs" ||
        name == "devtmpfs" || name == "nsfs" || name == "pidfs" || name == "dax")
      continue;
    out.push_back(name);
  }
  return out;
}

int TryMount(const std::string& fs) {
  std::string data;
  UniqueFd fuse;
  if (fs == "fuse") {
    // A fuse mount needs its device's descriptor; nothing ever serves it, and it is detached
    // at once, before anything could wait on it.
    fuse.Reset(::open("/dev/fuse", O_RDWR | O_CLOEXEC));
    if (!fuse) return -errno;  // negative: the device, not the mount, refused
    data = "fd=" + std::to_string(fuse.Get()) + ",rootmode=40000,user_id=0,group_id=0";
  } else if (fs == "overlay") {
    data = "lowerdir=/usr:/etc";  // two lower layers and no upper: read-only
  }
  if (::mount("none", "/tmp", fs.c_str(), MS_NOSUID | MS_NODEV | MS_NOEXEC,
              data.empty() ? nullptr : data.c_str()) != 0)
    return errno;
  ::umount2("/tmp", MNT_DETACH);
  return 0;
}

// The map's child, PID 1 of its own pid namespace inside the new user namespace: writes one
// line per item, "group\tname\terrno\tdetail".
void DrawMap(int out, const std::vector<std::string>& filesystems, int net_err, int mnt_err) {
  auto emit = [&](const std::string& group, const std::string& name, int err,
                  const std::string& detail) {
    std::string line = group + "\t" + name + "\t" + std::to_string(err) + "\t" + detail + "\n";
    (void)!::write(out, line.data(), line.size());
  };
  if (net_err != 0) {
    emit("net", "network namespace", net_err, "unshare(CLONE_NEWNET)");
  } else {
    emit("net", "CAP_NET_ADMIN", HasCapability(12) ? 0 : EPERM, "in its own network namespace");
    emit("net", "veth", netlink::CreateVeth("nsp0", "nsp1"), "");
    emit("net", "bridge", netlink::CreateBridge("nspbr0"), "");
    emit("net", "tc qdisc", netlink::AddRootQdisc(1, "pfifo"), "");
    emit("net", "nftables table", netlink::CreateNftTable("nsprobe"), "");
    emit("net", "xfrm state", netlink::CreateXfrmState(0x1000), "");
  }
  if (mnt_err != 0) {
    emit("mount", "mount namespace", mnt_err, "unshare(CLONE_NEWNS)");
  } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    emit("mount", "private /", errno, "mount(/, MS_REC|MS_PRIVATE)");
  } else {
    for (const std::string& fs : filesystems) {
      const int err = TryMount(fs);
      emit("mount", fs, err < 0 ? -err : err, err < 0 ? "open(/dev/fuse)" : "");
    }
  }
  io_uring_params params{};
  long ring = ::syscall(__NR_io_uring_setup, 1, &params);
  emit("io_uring", "io_uring_setup", ring >= 0 ? 0 : errno,
       Knob("kernel.io_uring_disabled", "/proc/sys/kernel/io_uring_disabled"));
  if (ring >= 0) ::close(static_cast<int>(ring));
  bpf_attr attr{};
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  long map = ::syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
  emit("bpf", "BPF_MAP_CREATE", map >= 0 ? 0 : errno,
       Knob("kernel.unprivileged_bpf_disabled", "/proc/sys/kernel/unprivileged_bpf_disabled"));
  if (map >= 0) ::close(static_cast<int>(map));
}

[[noreturn]] void ChildMain(int out, uid_t uid, gid_t gid, const std::vector<std::string>& fs) {
  auto say = [&](const char* step, int err) {
    std::string line = std::string("refused\t") + step + "\t" + std::to_string(err) + "\t\n";
    (void)!::write(out, line.data(), line.size());
    ::_exit(0);
  };
  if (::geteuid() != uid) {
    if (::setgroups(0, nullptr) != 0) say("setgroups", errno);
    if (::setresgid(gid, gid, gid) != 0) say("setresgid", errno);
    if (::setresuid(uid, uid, uid) != 0) say("setresuid", errno);
    // A changed uid makes the process undumpable, and /proc/self then belongs to root: the
    // maps below could not be written.
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  }
  if (::unshare(CLONE_NEWUSER) != 0) say("unshare", errno);
  if (int e = WriteOnceInChild("/proc/self/setgroups", "deny"); e != 0)
    say("/proc/self/setgroups", e);
  if (int e = WriteOnceInChild("/proc/self/uid_map", ("0 " + std::to_string(uid) + " 1").c_str());
      e != 0)
    say("/proc/self/uid_map", e);
  if (int e = WriteOnceInChild("/proc/self/gid_map", ("0 " + std::to_string(gid) + " 1").c_str());
      e != 0)
    say("/proc/self/gid_map", e);
  const int net_err = ::unshare(CLONE_NEWNET) == 0 ? 0 : errno;
  const int mnt_err = ::unshare(CLONE_NEWNS) == 0 ? 0 : errno;
  // mqueue needs an ipc namespace of this user namespace, cgroup2 a cgroup namespace, proc a
  // pid namespace (so the map is drawn by PID 1 of a new one); refusals show as the mounts'.
  ::unshare(CLONE_NEWIPC);
  ::unshare(CLONE_NEWCGROUP);
  if (::unshare(CLONE_NEWPID) == 0) {
    pid_t pid = ::fork();
    if (pid == 0) {
      DrawMap(out, fs, net_err, mnt_err);
      ::_exit(0);
    }
    int status = 0;
    if (pid > 0) ::waitpid(pid, &status, 0);
    ::_exit(0);
  }
  DrawMap(out, fs, net_err, mnt_err);
  ::_exit(0);
}

ExposureIdentity DrawFor(uid_t uid, gid_t gid, const std::vector<std::string>& fs) {
  ExposureIdentity id;
  id.as = "uid " + std::to_string(uid);
  id.uid = uid;
  id.gid = gid;
  Pipe pipe = Pipe::Make();
  pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork (exposure map)");
  if (pid == 0) {
    pipe.read.Reset();
    ChildMain(pipe.write.Get(), uid, gid, fs);
  }
  pipe.write.Reset();
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe.read.Get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string part; std::getline(fields, part, '\t');) f.push_back(part);
    if (f.size() < 3) continue;
    const int err = std::stoi(f[2]);
    if (f[0] == "refused") {
      // The probe's words for the user namespace's refusal: the knob that blocks it.
      ProbeResult r =
          Classify(Kind::kUser, Mode::kUnprivileged, Step::kClone, err, ReadPolicyKnobs(), uid);
      id.refused = f[1] == "unshare" && !r.reason.empty() ? r.reason : f[1] + ": " + ErrnoName(err);
      continue;
    }
    id.items.push_back(Item(f[0], f[1], err, f.size() > 3 ? f[3] : ""));
  }
  if (id.refused.empty() && id.items.empty())
    id.refused = "the map's child reported nothing (status " + std::to_string(status) + ")";
  return id;
}

}  // namespace

namespace netlink {

int CreateVeth(const char* name, const char* peer) { return NewLink(name, "veth", peer); }
int CreateBridge(const char* name) { return NewLink(name, "bridge", nullptr); }

int DeleteLink(const char* name) {
  Request r(RTM_DELLINK, 0);
  r.Put(ifinfomsg{});
  r.Attr(IFLA_IFNAME, name);
  return Talk(NETLINK_ROUTE, r.Done(), 1);
}

int AddRootQdisc(int ifindex, const char* kind) {
  Request r(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
  tcmsg tc{};
  tc.tcm_family = AF_UNSPEC;
  tc.tcm_ifindex = ifindex;
  tc.tcm_parent = TC_H_ROOT;
  tc.tcm_handle = 0x10000;  // 1:
  r.Put(tc);
  r.Attr(TCA_KIND, kind);
  return Talk(NETLINK_ROUTE, r.Done(), 1);
}

int CreateNftTable(const char* name) {
  // nf_tables takes changes only in a batch: begin, the change, end; each is acknowledged.
  auto header = [](std::uint16_t type, std::uint32_t seq, std::uint8_t family,
                   std::uint16_t flags) {
    Request r(type, flags);
    r.Put(nfgenmsg{family, NFNETLINK_V0, htons(NFNL_SUBSYS_NFTABLES)});
    std::string& msg = r.Done();
    std::memcpy(msg.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
    return msg;
  };
  std::string batch = header(NFNL_MSG_BATCH_BEGIN, 1, AF_UNSPEC, 0);
  Request table((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE, NLM_F_CREATE);
  table.Put(nfgenmsg{NFPROTO_INET, NFNETLINK_V0, 0});
  table.Attr(NFTA_TABLE_NAME, name);
  std::string t = table.Done();
  std::uint32_t seq = 2;
  std::memcpy(t.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
  batch += t;
  batch += header(NFNL_MSG_BATCH_END, 3, AF_UNSPEC, 0);
  return Talk(NETLINK_NETFILTER, batch, 1);
}

int CreateXfrmState(unsigned spi) {
  Request r(XFRM_MSG_NEWSA, NLM_F_CREATE | NLM_F_EXCL);
  xfrm_usersa_info sa{};
  sa.id.daddr.a4 = htonl(INADDR_LOOPBACK);
  sa.saddr.a4 = htonl(INADDR_LOOPBACK);
  sa.id.spi = htonl(spi);
  sa.id.proto = IPPROTO_ESP;
  sa.family = AF_INET;
  sa.mode = XFRM_MODE_TRANSPORT;
  sa.lft.soft_byte_limit = sa.lft.hard_byte_limit = XFRM_INF;
  sa.lft.soft_packet_limit = sa.lft.hard_packet_limit = XFRM_INF;
  r.Put(sa);
  // xfrm_algo ends in its key (a flexible array): 16 bytes of zeros for AES-128.
  alignas(xfrm_algo) char crypt[sizeof(xfrm_algo) + 16] = {};
  auto* algo = reinterpret_cast<xfrm_algo*>(crypt);
  std::strcpy(algo->alg_name, "cbc(aes)");
  algo->alg_key_len = 128;
  r.Attr(XFRMA_ALG_CRYPT, crypt, sizeof crypt);
  return Talk(NETLINK_XFRM, r.Done(), 1);
}

}  // namespace netlink

ExposureReport Exposure(const ExposureOptions& options) {
  ExposureReport report;
  std::vector<std::pair<uid_t, gid_t>> who = options.identities;
  if (who.empty()) {
    if (::geteuid() == 0 && RootlessReason().empty())
      who = {{0, 0}, {65534, 65534}};
    else
      who = {{::geteuid(), ::getegid()}};
  }
  const std::vector<std::string> fs = NodevFilesystems(options.filesystems);
  for (auto [uid, gid] : who) report.identities.push_back(DrawFor(uid, gid, fs));
  for (const char* k :
       {"max_user_namespaces", "max_net_namespaces", "max_mnt_namespaces", "max_pid_namespaces",
        "max_ipc_namespaces", "max_uts_namespaces", "max_cgroup_namespaces", "max_time_namespaces"})
    report.knobs.emplace_back(std::string("user.") + k, Sysctl(std::string("/proc/sys/user/") + k));
  for (const char* k :
       {"kernel/unprivileged_userns_clone", "kernel/apparmor_restrict_unprivileged_userns",
        "kernel/unprivileged_bpf_disabled", "kernel/io_uring_disabled"}) {
    std::string name = k;
    std::replace(name.begin(), name.end(), '/', '.');
    std::string value = Sysctl(std::string("/proc/sys/") + k);
    if (!value.starts_with("unreadable")) report.knobs.emplace_back(name, value);
  }
  return report;
}

}  // namespace nsprobe
