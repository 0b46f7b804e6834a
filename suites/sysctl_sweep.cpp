// The sysctl sweep, one engine for every kind that owns sysctls: the parent snapshots every
// readable file under /proc/sys; a child in a new namespace of the kind writes each writable
// file of the kind's subtree a different valid value derived from its own current one; then
// the parent's snapshot is taken again and diffed. A parent file that changed is a failure
// naming it, and its value is put back at once. This is how three kernel fixes were found
// (2671fa4dc010, 97684f0970f6, 8d432592f30f: net sysctls whose table pointed at init_net's
// data from every namespace).
//
// Compiled into each owning kind's own suite (net_test, ipc_test, uts_test, user_test; see
// suites/CMakeLists.txt) with NSPROBE_SWEEP_KIND naming the kind, so that `nsprobe run
// --negative-control <kind>` runs it with the kind withheld. Under the control the child
// lands in the guard sandbox's namespace of the kind (ci/run/guard.cpp makes every kind but
// user new), writes there, and the diff appears; the host is untouched. The guard shares the
// host's user namespace, so a user sweep that finds itself in the test's own user namespace
// refuses to write (and fails) instead.
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/child.hpp"
#include "runtime/kind.hpp"
#include "runtime/negative_control.hpp"
#include "suites/support/checks.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/launch_new.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/seam.hpp"

#ifndef NSPROBE_SWEEP_KIND
#error "NSPROBE_SWEEP_KIND names the kind whose suite this sweep is built into (kNet, ...)"
#endif

namespace nsprobe {
namespace {

namespace fs = std::filesystem;
using testing::SpecFor;

constexpr Kind kSweepKind = Kind::NSPROBE_SWEEP_KIND;
constexpr const char* kProcSys = "/proc/sys/";

// Paths relative to /proc/sys, "net/ipv4/ip_forward".
using Snapshot = std::map<std::string, std::string>;

bool ReadSysctl(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  out = ss.str();
  return true;
}

// Every readable file under /proc/sys (write-only ones, such as vm/drop_caches, read as an
// error and are left out).
Snapshot TakeSnapshot() {
  Snapshot s;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(
           kProcSys, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string value;
    if (ReadSysctl(it->path().string(), value))
      s[it->path().string().substr(std::strlen(kProcSys))] = value;
  }
  return s;
}

// Files whose value moves by itself (counters, random values, the last pid): a change of
// theirs says nothing about the sweep.
bool Volatile(const std::string& rel) {
  static const std::set<std::string> kVolatile = {
      "kernel/random/uuid",
      "kernel/random/entropy_avail",
      "kernel/ns_last_pid",
      "kernel/pty/nr",
      "fs/file-nr",
      "fs/inode-nr",
      "fs/inode-state",
      "fs/dentry-state",
      "fs/aio-nr",
      "fs/dentry-negative",
      "net/netfilter/nf_conntrack_count",
      "kernel/tainted",
      "fs/quota/syncs",
      "fs/quota/lookups",
      "fs/quota/drops",
      "fs/quota/reads",
      "fs/quota/writes",
      "fs/quota/cache_hits",
      "fs/quota/allocated_dquots",
      "fs/quota/free_dquots",
      "fs/epoll/max_user_watches",
  };
  return kVolatile.count(rel) != 0 || rel.rfind("fs/binfmt_misc/", 0) == 0;
}

// The kind's subtree: the files a child in a new namespace of the kind may own.
bool InSubtree(const std::string& rel) {
  auto starts = [&](const char* p) { return rel.rfind(p, 0) == 0; };
  switch (kSweepKind) {
    case Kind::kNet:
      return starts("net/");
    case Kind::kIpc: {
      static const std::set<std::string> kIpcFiles = {
          "kernel/msgmax",      "kernel/msgmnb",          "kernel/msgmni",
          "kernel/sem",         "kernel/shmall",          "kernel/shmmax",
          "kernel/shmmni",      "kernel/shm_rmid_forced", "kernel/msg_next_id",
          "kernel/sem_next_id", "kernel/shm_next_id",     "kernel/auto_msgmni"};
      return kIpcFiles.count(rel) != 0 || starts("fs/mqueue/");
    }
    case Kind::kUts:
      return rel == "kernel/hostname" || rel == "kernel/domainname";
    case Kind::kUser:
      return starts("user/");
    default:
      return false;
  }
}

// The reviewed deny-list: never written, even in a child namespace, because if the
// namespace leaked the host would suffer for as long as the write lasted. Each entry says why.
// (Nothing outside the kind's subtree is ever written: panic, sysrq, drop_caches and vm's
// memory limits are in kernel/ and vm/, which no sweep touches.)
bool Denied(const std::string& rel) {
  struct Rule {
    const char* fragment;
    const char* why;
  };
  static const Rule kRules[] = {
      {"disable_ipv6", "cuts the host's IPv6"},
      {"disable_policy", "drops IPsec-protected traffic"},
      {"disable_xfrm", "drops IPsec-protected traffic"},
      {"rp_filter", "drops packets on asymmetric routes"},
      {"/arp_", "arp_ignore/arp_filter/arp_announce can stop the host answering ARP"},
      {"accept_ra", "the host loses its router advertisements and default route"},
      {"autoconf", "the host loses its SLAAC addresses"},
      {"forwarding", "IPv6 forwarding turns off RA acceptance: the host's default route goes"},
      {"ip_forward", "turns the host into a router"},
      {"addr_gen_mode", "regenerates the host's link-local addresses"},
      {"use_tempaddr", "changes the host's source addresses"},
      {"ip_local_port_range", "can leave the host no ephemeral port"},
      {"ip_local_reserved_ports", "can leave the host no ephemeral port"},
      {"ip_unprivileged_port_start", "lets any user bind the host's service ports"},
      {"route/flush", "a write flushes the routing cache"},
      {"mem", "tcp_mem, udp_mem, rmem/wmem, optmem: the host's memory limits"},
      {"nf_conntrack_max", "a full conntrack table drops the host's new connections"},
      {"netdev_max_backlog", "drops the host's incoming packets"},
      {"shm_rmid_forced", "set to 1 it destroys the host's orphaned shared memory segments"},
      {"/mtu", "a smaller MTU on the host's interface breaks its paths"},
      {"bpf_jit", "JIT hardening and limits for the whole machine"},
      // Found by this sweep on 6.18: one static key behind a table every netns registers, so
      // init-namespace root writes the host's from any netns, and 1 cannot be set back to 0
      // (EBUSY). Global by design (Documentation/networking/nf_conntrack-sysctl.rst).
      {"nf_hooks_lwtunnel", "global and one-way: once 1, never back to 0"},
  };
  return std::any_of(std::begin(kRules), std::end(kRules),
                     [&](const Rule& r) { return rel.find(r.fragment) != std::string::npos; });
}

// What the kernel documentation says is per namespace, for comparison with what the sweep
// finds. Paths relative to /proc/sys.
struct Documented {
  const char* rel;
  const char* where;
};
const std::vector<Documented>& DocumentedPerNamespace() {
  static const std::vector<Documented> kNet = {
      // Documentation/networking/ip-sysctl.rst, "/proc/sys/net/ipv4/*" (per netns since 2.6.24+)
      {"net/ipv4/ip_default_ttl", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/tcp_syncookies", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/icmp_echo_ignore_all", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/icmp_ratelimit", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/ping_group_range", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/tcp_keepalive_time", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/tcp_fin_timeout", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv4/conf/all/log_martians", "Documentation/networking/ip-sysctl.rst"},
      {"net/ipv6/conf/all/hop_limit", "Documentation/networking/ip-sysctl.rst"},
      // Documentation/admin-guide/sysctl/net.rst, "core" and "unix"
      {"net/core/somaxconn", "Documentation/admin-guide/sysctl/net.rst"},
      {"net/unix/max_dgram_qlen", "Documentation/admin-guide/sysctl/net.rst"},
  };
  static const std::vector<Documented> kIpc = {
      // Documentation/admin-guide/sysctl/kernel.rst (msg*, sem, shm*, *_next_id) and
      // Documentation/admin-guide/sysctl/fs.rst "mqueue"; ipc_namespaces(7) lists them all.
      {"kernel/msgmax", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/msgmnb", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/msgmni", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/sem", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/shmall", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/shmmax", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/shmmni", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/msg_next_id", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/sem_next_id", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/shm_next_id", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"fs/mqueue/queues_max", "Documentation/admin-guide/sysctl/fs.rst"},
      {"fs/mqueue/msg_max", "Documentation/admin-guide/sysctl/fs.rst"},
      {"fs/mqueue/msgsize_max", "Documentation/admin-guide/sysctl/fs.rst"},
      {"fs/mqueue/msg_default", "Documentation/admin-guide/sysctl/fs.rst"},
      {"fs/mqueue/msgsize_default", "Documentation/admin-guide/sysctl/fs.rst"},
  };
  static const std::vector<Documented> kUts = {
      // Documentation/admin-guide/sysctl/kernel.rst, "hostname & domainname"
      {"kernel/hostname", "Documentation/admin-guide/sysctl/kernel.rst"},
      {"kernel/domainname", "Documentation/admin-guide/sysctl/kernel.rst"},
  };
  static const std::vector<Documented> kUser = {
      // Documentation/admin-guide/sysctl/user.rst: every max_* is per user namespace
      {"user/max_cgroup_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_inotify_instances", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_inotify_watches", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_ipc_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_mnt_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_net_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_pid_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_time_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_user_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
      {"user/max_uts_namespaces", "Documentation/admin-guide/sysctl/user.rst"},
  };
  static const std::vector<Documented> kNone;
  switch (kSweepKind) {
    case Kind::kNet:
      return kNet;
    case Kind::kIpc:
      return kIpc;
    case Kind::kUts:
      return kUts;
    case Kind::kUser:
      return kUser;
    default:
      return kNone;
  }
}

// One file for the child, in memory it shares with the parent (MAP_SHARED): the child
// allocates nothing, and a sweep of hundreds of files does not fit a pipe.
constexpr std::size_t kValueBytes = 96;
enum class Outcome : int { kNotTried, kAbsent, kNotWritable, kRefused, kSet, kIgnored };
struct Slot {
  char path[160] = {};
  char parent_value[kValueBytes] = {};  // to differ from, so that a leak shows
  Outcome outcome = Outcome::kNotTried;
  int err = 0;
  char before[kValueBytes] = {};
  char wrote[kValueBytes] = {};
};
struct Shared {
  int in_own_namespace = 0;
  int count = 0;
  Slot slots[1];  // `count` of them
};

// Async-signal-safe helpers for the child.
int ReadInChild(const char* path, char* buf, std::size_t cap) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = ::read(fd, buf, cap - 1);
  int err = errno;
  ::close(fd);
  if (n < 0) return -err;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) buf[--n] = '\0';
  return 0;
}

bool SameValue(const char* a, const char* b) {
  // Whitespace-insensitive: the kernel prints vectors with tabs and takes them with spaces.
  while (*a != '\0' || *b != '\0') {
    while (*a == ' ' || *a == '\t' || *a == '\n') ++a;
    while (*b == ' ' || *b == '\t' || *b == '\n') ++b;
    if (*a != *b) return false;
    if (*a == '\0') return true;
    ++a, ++b;
  }
  return true;
}

// Candidate `which` (0, 1) for a value derived from `cur`: the last integer of a vector of
// integers plus or minus one; for text, one of two fixed names. False when `cur` is empty.
bool CandidateInChild(const char* cur, int which, char* out, std::size_t cap) {
  std::size_t len = std::strlen(cur);
  if (len == 0 || len + 24 >= cap) return false;
  // Find the last token and check every token is an integer.
  bool numeric = true;
  std::size_t last = 0;
  for (std::size_t i = 0; i < len;) {
    while (i < len && (cur[i] == ' ' || cur[i] == '\t')) ++i;
    if (i == len) break;
    last = i;
    std::size_t j = i;
    if (cur[j] == '-') ++j;
    std::size_t digits = j;
    while (j < len && cur[j] >= '0' && cur[j] <= '9') ++j;
    if (j == digits || (j < len && cur[j] != ' ' && cur[j] != '\t')) numeric = false;
    while (j < len && cur[j] != ' ' && cur[j] != '\t') ++j;
    i = j;
  }
  if (!numeric) {
    const char* name = which == 0 ? "nsprobe-sweep-a" : "nsprobe-sweep-b";
    std::memcpy(out, name, std::strlen(name) + 1);
    return true;
  }
  long long v = 0;
  bool neg = cur[last] == '-';
  for (std::size_t i = last + (neg ? 1 : 0); i < len && cur[i] >= '0' && cur[i] <= '9'; ++i)
    v = v * 10 + (cur[i] - '0');
  if (neg) v = -v;
  v += which == 0 ? 1 : -1;
  std::memcpy(out, cur, last);
  std::size_t o = last;
  char digits[24];
  int nd = 0;
  unsigned long long u = v < 0 ? static_cast<unsigned long long>(-v) : v;
  do digits[nd++] = static_cast<char>('0' + u % 10);
  while ((u /= 10) != 0);
  if (v < 0) out[o++] = '-';
  while (nd > 0) out[o++] = digits[--nd];
  out[o] = '\0';
  return true;
}

void SweepInChild(Shared& sh) {
  for (int i = 0; i < sh.count; ++i) {
    Slot& s = sh.slots[i];
    if (int r = ReadInChild(s.path, s.before, sizeof s.before); r < 0) {
      s.outcome = Outcome::kAbsent;
      s.err = -r;
      continue;
    }
    int fd = ::open(s.path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      s.outcome = Outcome::kNotWritable;
      s.err = errno;
      continue;
    }
    s.outcome = Outcome::kRefused;
    for (int which = 0; which < 2; ++which) {
      char cand[kValueBytes];
      if (!CandidateInChild(s.before, which, cand, sizeof cand)) break;
      if (SameValue(cand, s.parent_value)) continue;
      std::size_t n = std::strlen(cand);
      if (::pwrite(fd, cand, n, 0) != static_cast<ssize_t>(n)) {
        s.err = errno;
        continue;
      }
      char after[kValueBytes];
      std::memcpy(s.wrote, cand, n + 1);
      if (ReadInChild(s.path, after, sizeof after) == 0 && SameValue(after, cand)) {
        s.outcome = Outcome::kSet;
        s.err = 0;
        break;
      }
      s.outcome = Outcome::kIgnored;
    }
    ::close(fd);
  }
}

std::string Trimmed(std::string v) {
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

// Puts a parent file back as it was (the test process is still root in its own namespaces);
// false when it could not.
bool RestoreInParent(const std::string& rel, const std::string& value) {
  {
    std::ofstream out(kProcSys + rel);
    out << Trimmed(value);
  }
  std::string now;
  return ReadSysctl(kProcSys + rel, now) && now == value;
}

class SysctlSweep : public testing::NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    NSPROBE_SKIP_UNLESS_AVAILABLE(kSweepKind, GetParam());
  }
};

TEST_P(SysctlSweep, EveryWritableFileOfTheKindStaysInItsNamespace) {
  const Snapshot first = TakeSnapshot();
  const Snapshot before = TakeSnapshot();
  ASSERT_FALSE(before.empty()) << "nothing readable under /proc/sys";
  std::vector<std::string> files, denied;
  // In a throwaway machine (the kernel matrix's guest sets this) a leak can hurt nothing that
  // lasts, so the deny-list is swept too; on any other machine it is never written.
  const char* everything = std::getenv("NSPROBE_SWEEP_DENY_LIST_TOO");
  const bool throwaway = everything != nullptr && std::string_view(everything) == "1";
  for (const auto& [rel, value] : before) {
    if (!InSubtree(rel)) continue;
    (Denied(rel) && !throwaway ? denied : files).push_back(rel);
  }
  ASSERT_FALSE(files.empty()) << "no file of " << Name(kSweepKind) << "'s subtree to sweep";

  const std::size_t bytes = sizeof(Shared) + files.size() * sizeof(Slot);
  void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  auto* sh = new (mem) Shared;
  sh->count = static_cast<int>(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    Slot& s = *new (&sh->slots[i]) Slot;
    std::snprintf(s.path, sizeof s.path, "%s%s", kProcSys, files[i].c_str());
    std::snprintf(s.parent_value, sizeof s.parent_value, "%s",
                  Trimmed(before.at(files[i])).c_str());
  }

  // The sweep writes only in a namespace of its own, or in the guard's (never the host's)
  // when the negative control withholds a kind the guard has one of: every kind but user.
  const Spec spec = kSweepKind == Kind::kUser ? testing::FreshUserNamespace(GetParam())
                                              : SpecFor(GetParam(), {kSweepKind});
  const testing::OwnNamespaces own(KindSet{kSweepKind});
  const bool guard_contains_it =
      testing::WithheldKinds().Has(kSweepKind) && kSweepKind != Kind::kUser;
  Child child = testing::Launch(spec, [&] {
    sh->in_own_namespace = own.StillInOneInChild() ? 1 : 0;
    if (sh->in_own_namespace != 0 && !guard_contains_it) return testing::kRefusedOwnNamespace;
    SweepInChild(*sh);
    return 0;
  });
  const ExitStatus status = child.Wait(std::chrono::seconds(60));
  const Snapshot after = TakeSnapshot();

  // The diff, restored at once.
  std::vector<std::string> leaked;
  for (const auto& [rel, value] : after) {
    auto b = before.find(rel), f = first.find(rel);
    if (b == before.end() || f == first.end() || Volatile(rel)) continue;
    if (b->second != f->second || b->second == value) continue;  // moves by itself, or same
    const bool restored = RestoreInParent(rel, b->second);
    leaked.push_back(rel + ": '" + Trimmed(b->second) + "' became '" + Trimmed(value) + "'" +
                     (restored ? " (put back)" : " (COULD NOT BE PUT BACK)"));
  }
  int set = 0, per_namespace = 0, not_writable = 0, refused = 0, absent = 0;
  std::set<std::string> per_ns_files;
  for (int i = 0; i < sh->count; ++i) {
    const Slot& s = sh->slots[i];
    const std::string rel = files[static_cast<std::size_t>(i)];
    switch (s.outcome) {
      case Outcome::kSet: {
        ++set;
        auto a = after.find(rel);
        if (a != after.end() && a->second == before.at(rel)) {
          ++per_namespace;
          per_ns_files.insert(rel);
        }
        break;
      }
      case Outcome::kNotWritable:
        ++not_writable;
        break;
      case Outcome::kAbsent:
        ++absent;
        break;
      default:
        ++refused;
    }
  }
  const bool in_own = sh->in_own_namespace != 0;
  ::munmap(mem, bytes);

  std::vector<std::string> documented_missed;
  int documented_seen = 0;
  for (const Documented& d : DocumentedPerNamespace()) {
    if (before.count(d.rel) == 0) continue;
    if (per_ns_files.count(d.rel) != 0)
      ++documented_seen;
    else
      documented_missed.push_back(std::string(d.rel) + " (" + d.where + ")");
  }
  const std::string summary = fmt::format(
      "{} sweep, {}: {} files in the subtree, {} denied, {} set in the child ({} per namespace, "
      "{} global), {} not writable, {} refused every value, {} absent in the child; documented "
      "per namespace: {} confirmed, {} not confirmed",
      Name(kSweepKind), ModeName(GetParam()), files.size() + denied.size(), denied.size(), set,
      per_namespace, set - per_namespace, not_writable, refused, absent, documented_seen,
      documented_missed.size());
  std::printf("%s\n", summary.c_str());
  RecordProperty("sweep", summary);
  // Each file set in the child and unchanged in the parent is one isolation behaviour proven.
  testing::CountChecks(per_namespace);
  if (!documented_missed.empty())
    RecordProperty("documented_not_confirmed", ::testing::PrintToString(documented_missed));

  EXPECT_FALSE(in_own) << "the child was in the test's own " << Name(kSweepKind)
                       << " namespace: the sweep proved nothing";
  EXPECT_TRUE(testing::Exited0(status));
  EXPECT_THAT(leaked, ::testing::IsEmpty())
      << "a write in the child's " << Name(kSweepKind)
      << " namespace changed the parent's (each put back at once)";
  if (set == 0 && !in_own && leaked.empty())
    GTEST_SKIP() << "privilege: root of this mode's namespaces may write no file of "
                 << Name(kSweepKind) << "'s subtree here (" << summary << ")";
}

INSTANTIATE_TEST_SUITE_P(Sweep, SysctlSweep, testing::kBothModes, testing::ModeParamName);

}  // namespace
}  // namespace nsprobe
