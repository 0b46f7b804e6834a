// Cgroup namespaces (cgroup_namespaces(7); kernel-semantics.md statements 47-48): a member
// sees the cgroups it was created in as "/", others relative to that root, and a cgroup2
// mount made inside is rooted there. Membership itself never changes.
//
// The cases that need a non-root starting point create a private cgroup under this
// process's own cgroup2 directory, move their children into it from the parent and remove
// it afterwards: that needs write access to the cgroup2 hierarchy (root on the host).
#include "suites/support/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/proc_files.hpp"
#include "suites/support/child.hpp"
#include "suites/support/entry.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/kind_test.hpp"
#include "suites/support/matchers.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe {
namespace {

using ::testing::Contains;
using ::testing::Each;
using testing::FailedWith;
using testing::HasText;
using ::testing::Ne;
using ::testing::Not;
using testing::Observations;
using testing::ObservationWriter;
using testing::PrivateCgroup;
using testing::SpecFor;
using testing::Succeeded;

// Sends each line of a small /proc file as its own observation under `key`: a hybrid host's
// /proc/PID/cgroup runs past the text of one observation.
// Async-signal-safe; runs between clone3() and _exit().
void SendLines(const ObservationWriter& w, const char* key, const char* path) {
  char buf[4096];
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return w.Failed(key, errno);
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  int err = errno;
  ::close(fd);
  if (n < 0) return w.Failed(key, err);
  std::size_t start = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    if (buf[i] != '\n') continue;
    w.Text(key, buf + start, i - start);
    start = i + 1;
  }
}

// Waits (bounded) for a body to end and collects what it recorded; a fatal failure, with
// everything recorded, unless it exited 0.
void WaitAndCollect(Child& child, Observations& obs) {
  ExitStatus st = child.Wait(std::chrono::seconds(10));
  obs.Collect();
  ASSERT_TRUE(st.Success()) << st.Describe();
}

// hierarchy ("0:" or "4:memory") -> path, as one /proc/PID/cgroup shows it.
using CgroupView = std::map<std::string, std::string>;

CgroupView ViewOf(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  CgroupView view;
  for (const proc::CgroupLine& l : proc::ParseCgroup(text))
    view[fmt::format("{}:{}", l.hierarchy, l.controllers)] = l.path;
  return view;
}

CgroupView ViewOf(pid_t pid) {
  std::string text = ReadFile(pid == 0 ? "/proc/self/cgroup" : fmt::format("/proc/{}/cgroup", pid));
  std::vector<std::string> lines;
  for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1)
    lines.push_back(text.substr(start, end - start));
  return ViewOf(lines);
}

std::string Show(const CgroupView& view) {
  std::string out;
  for (const auto& [hierarchy, path] : view) out += fmt::format("{}:{}  ", hierarchy, path);
  return out;
}

std::vector<std::string> Paths(const CgroupView& view) {
  std::vector<std::string> out;
  for (const auto& [hierarchy, path] : view) out.push_back(path);
  return out;
}

std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// How a reader whose namespace is rooted at `root` sees `target` (both absolute cgroup2
// paths): up to the common ancestor with "/..", then down, as kernfs_path_from_node() prints.
std::string RelativeTo(const std::string& root, const std::string& target) {
  std::vector<std::string> r = Components(root), t = Components(target);
  std::size_t common = 0;
  while (common < r.size() && common < t.size() && r[common] == t[common]) ++common;
  std::string out;
  for (std::size_t i = common; i < r.size(); ++i) out += "/..";
  for (std::size_t i = common; i < t.size(); ++i) out += "/" + t[i];
  return out.empty() ? "/" : out;
}

// Moves a body into `sub` of `cgroup` when it says Ready(), then lets it go on.
void MoveWhenReady(testing::Handshake& h, const PrivateCgroup& cgroup, const Child& child,
                   const std::string& sub) {
  ASSERT_TRUE(h.AwaitReady()) << "the child ended before it could be moved";
  cgroup.Move(child.Pid(), sub);
  h.Go();
}

class CgroupNamespace : public testing::KindTest<Kind::kCgroup> {};

// The cases that start their children in a private cgroup.
class CgroupNamespaceInPrivateCgroup : public CgroupNamespace {
 protected:
  void SetUp() override {
    CgroupNamespace::SetUp();
    if (IsSkipped()) return;
    cgroup_.emplace();
    if (!cgroup_->Unavailable().empty()) GTEST_SKIP() << cgroup_->Unavailable();
  }
  void TearDown() override {
    cgroup_.reset();
    CgroupNamespace::TearDown();
  }
  PrivateCgroup& Cgroup() { return *cgroup_; }

 private:
  std::optional<PrivateCgroup> cgroup_;
};

// The runtime's clone3 path: every hierarchy, v1 and v2, reads "/" inside, because the new
// namespace is rooted at the cgroups the child was created in. Contrast: our own view, which
// on this host shows the v1 memory cgroup we run in.
TEST_P(CgroupNamespace, LaunchedChildSeesItsCgroupsAsRoot) {
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), KindSet{Kind::kCgroup}), [&] {
    SendLines(w, "cgroup", "/proc/self/cgroup");
    w.Link("ns", "/proc/self/ns/cgroup");
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  CgroupView ours = ViewOf(0), inside = ViewOf(obs.Texts("cgroup"));
  EXPECT_THAT(obs["ns"], HasText(Ne(ReadNsLink(0, Kind::kCgroup))))
      << "the child shares our namespace";
  EXPECT_EQ(inside.size(), ours.size()) << "inside: " << Show(inside) << "\nours: " << Show(ours);
  EXPECT_THAT(Paths(inside), Each(std::string("/")))
      << "inside: " << Show(inside) << "\nours:   " << Show(ours);
}

enum class Entry : std::uint8_t { kClone, kUnshare };
void PrintTo(Entry entry, std::ostream* os) {
  *os << (entry == Entry::kClone ? "clone" : "unshare");
}

class CgroupNamespaceEntry : public testing::NoLeaksTest,
                             public ::testing::WithParamInterface<std::tuple<Mode, Entry>> {};

// clone(CLONE_NEWCGROUP) from a process in a private sub-cgroup gives the new member "/" for
// its own cgroup while its creator still sees the full path; unshare(CLONE_NEWCGROUP), unlike
// pid and time, moves the caller itself.
TEST_P(CgroupNamespaceEntry, NewNamespaceIsRootedAtTheCallersCgroup) {
  auto [mode, entry] = GetParam();
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kCgroup, mode);
  PrivateCgroup cgroup;
  if (!cgroup.Unavailable().empty()) GTEST_SKIP() << cgroup.Unavailable();
  cgroup.MakeSub("a");
  testing::Handshake moved;
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(mode, {}), [&] {
    moved.Ready();
    if (!moved.AwaitGo()) return 1;
    SendLines(w, "before", "/proc/self/cgroup");
    w.Link("ns_before", "/proc/self/ns/cgroup");
    if (entry == Entry::kUnshare) {
      w.Result("unshare", testing::Unshare(CLONE_NEWCGROUP));
      SendLines(w, "new", "/proc/self/cgroup");
      w.Link("ns_new", "/proc/self/ns/cgroup");
    } else {
      long pid = testing::ForkInChild(CLONE_NEWCGROUP);
      if (pid == 0) {
        SendLines(w, "new", "/proc/self/cgroup");
        w.Link("ns_new", "/proc/self/ns/cgroup");
        ::_exit(0);
      }
      w.Result("clone", pid);
      if (pid > 0) testing::WaitInChild(pid);
    }
    SendLines(w, "caller_after", "/proc/self/cgroup");
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(MoveWhenReady(moved, cgroup, child, "a"));
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  ASSERT_THAT(obs[entry == Entry::kUnshare ? "unshare" : "clone"], Succeeded());
  CgroupView before = ViewOf(obs.Texts("before")), inside = ViewOf(obs.Texts("new")),
             caller_after = ViewOf(obs.Texts("caller_after"));
  EXPECT_EQ(before["0:"], cgroup.Path("a")) << "the move into the private cgroup did not happen";
  EXPECT_THAT(obs["ns_new"], HasText(Ne(obs.Text("ns_before"))));
  EXPECT_THAT(Paths(inside), Each(std::string("/")))
      << "new namespace: " << Show(inside) << "\nbefore:        " << Show(before);
  // Unshare moves the caller; clone leaves it where it was.
  EXPECT_EQ(caller_after["0:"], entry == Entry::kUnshare ? "/" : cgroup.Path("a"))
      << Show(caller_after);
}

// A process in a sibling cgroup reads as "/../b" from a namespace rooted at "a", and one
// higher up as a chain of "/..": the kernel prints paths relative to the reader's root.
TEST_P(CgroupNamespaceInPrivateCgroup, OtherCgroupsShowRelativeToTheNamespaceRoot) {
  Cgroup().MakeSub("a");
  Cgroup().MakeSub("b");
  Pipe hold = Pipe::Make();
  Child sibling = testing::Launch(Spec{}, [&] {
    char c;
    return static_cast<int>(::read(hold.read.Get(), &c, 1));
  });
  Cgroup().Move(sibling.Pid(), "b");
  std::string sibling_path = fmt::format("/proc/{}/cgroup", sibling.Pid());
  std::string parent_path = fmt::format("/proc/{}/cgroup", ::getpid());
  testing::Handshake moved;
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), {}), [&] {
    moved.Ready();
    if (!moved.AwaitGo()) return 1;
    w.Result("unshare", testing::Unshare(CLONE_NEWCGROUP));
    SendLines(w, "self", "/proc/self/cgroup");
    SendLines(w, "sibling", sibling_path.c_str());
    SendLines(w, "parent", parent_path.c_str());
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(MoveWhenReady(moved, Cgroup(), child, "a"));
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  ASSERT_THAT(obs["unshare"], Succeeded());
  CgroupView ours_of_sibling = ViewOf(sibling.Pid()), ours_of_parent = ViewOf(0);
  const std::string root = Cgroup().Path("a");
  EXPECT_EQ(ViewOf(obs.Texts("self"))["0:"], "/");
  EXPECT_EQ(ViewOf(obs.Texts("sibling"))["0:"], "/../b")
      << "we see the sibling at " << ours_of_sibling["0:"];
  EXPECT_EQ(ViewOf(obs.Texts("parent"))["0:"], RelativeTo(root, ours_of_parent["0:"]))
      << "we are at " << ours_of_parent["0:"] << ", the namespace root is " << root;
  EXPECT_EQ(ours_of_sibling["0:"], Cgroup().Path("b"));
}

// Going back by setns() to an outer cgroup namespace shows the path relative to its root
// again, and no namespace operation changes which cgroup the process is in. The outer
// namespace is one the child created itself, so setns is allowed in both modes.
TEST_P(CgroupNamespaceInPrivateCgroup, SetnsBackShowsTheOuterPathAndMembershipStays) {
  Cgroup().MakeSub("a");
  testing::Handshake steps;
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), {}), [&] {
    steps.Ready();
    if (!steps.AwaitGo()) return 1;  // moved into the private cgroup
    w.Result("unshare_outer", testing::Unshare(CLONE_NEWCGROUP));
    int outer = ::open("/proc/self/ns/cgroup", O_RDONLY | O_CLOEXEC);
    w.Result("open_outer", outer);
    w.Link("ns_outer", "/proc/self/ns/cgroup");
    steps.Ready();
    if (!steps.AwaitGo()) return 1;  // moved into "a"
    SendLines(w, "outer", "/proc/self/cgroup");
    w.Result("unshare_inner", testing::Unshare(CLONE_NEWCGROUP));
    SendLines(w, "inner", "/proc/self/cgroup");
    w.Result("setns", ::setns(outer, CLONE_NEWCGROUP));
    SendLines(w, "back", "/proc/self/cgroup");
    w.Link("ns_back", "/proc/self/ns/cgroup");
    steps.Ready();
    if (!steps.AwaitGo()) return 1;  // the parent checks membership
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(MoveWhenReady(steps, Cgroup(), child, ""));
  ASSERT_NO_FATAL_FAILURE(MoveWhenReady(steps, Cgroup(), child, "a"));
  ASSERT_TRUE(steps.AwaitReady());
  CgroupView membership = ViewOf(child.Pid());
  steps.Go();
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  for (const char* key : {"unshare_outer", "open_outer", "unshare_inner", "setns"})
    ASSERT_THAT(obs[key], Succeeded()) << key;
  EXPECT_EQ(ViewOf(obs.Texts("outer"))["0:"], "/a");
  EXPECT_EQ(ViewOf(obs.Texts("inner"))["0:"], "/");
  EXPECT_EQ(ViewOf(obs.Texts("back"))["0:"], "/a");
  EXPECT_THAT(obs["ns_back"], HasText(obs.Text("ns_outer")));
  EXPECT_EQ(membership["0:"], Cgroup().Path("a")) << "after the setns we see " << Show(membership);
}

// A cgroup2 mount made inside is rooted at the namespace root: its top directory holds the
// member and the root's children, and nothing above or beside the root is reachable.
TEST_P(CgroupNamespaceInPrivateCgroup, Cgroup2MountIsRootedAtTheNamespaceRoot) {
  NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kMnt, GetParam());
  Cgroup().MakeSub("a");
  Cgroup().MakeSub("a/inner");
  Cgroup().MakeSub("b");
  const std::string our_mnt = ReadNsLink(0, Kind::kMnt);
  testing::Handshake moved;
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(SpecFor(GetParam(), KindSet{Kind::kMnt}), [&] {
    moved.Ready();
    if (!moved.AwaitGo()) return 1;
    // Never mount over the host's /tmp: without a mount namespace of our own, stop here.
    char mnt[64] = {};
    if (::readlink("/proc/self/ns/mnt", mnt, sizeof mnt - 1) < 0 ||
        std::strcmp(mnt, our_mnt.c_str()) == 0) {
      w.Text("shared_mnt_ns", mnt);
      return 3;
    }
    w.Result("unshare", testing::Unshare(CLONE_NEWCGROUP));
    w.Result("mount", ::mount("nsprobe", "/tmp", "cgroup2", 0, nullptr));
    int dir = ::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    w.Result("open", dir);
    char buf[4096];
    long n;
    while (dir >= 0 && (n = ::syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<struct dirent64*>(buf + off);
        if (d->d_type == DT_DIR && d->d_name[0] != '.') w.Text("dir", d->d_name);
        off += d->d_reclen;
      }
    }
    if (dir >= 0) ::close(dir);
    SendLines(w, "procs", "/tmp/cgroup.procs");
    w.Value("pid", ::syscall(SYS_getpid));
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(MoveWhenReady(moved, Cgroup(), child, "a"));
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  ASSERT_THAT(obs["unshare"], Succeeded());
  ASSERT_THAT(obs["mount"], Succeeded());
  std::vector<std::string> dirs = obs.Texts("dir");
  EXPECT_THAT(dirs, Contains("inner"));
  EXPECT_THAT(dirs, Not(Contains("a")));
  EXPECT_THAT(dirs, Not(Contains("b")));
  EXPECT_THAT(obs.Texts("procs"), Contains(std::to_string(obs.Value("pid"))));
  // Contrast: from our namespace the same cgroup sits below the private one, beside "b".
  struct stat st_b {};
  EXPECT_EQ(::stat(Cgroup().Dir("b").c_str(), &st_b), 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, CgroupNamespace, testing::kBothModes, testing::ModeParamName);
INSTANTIATE_TEST_SUITE_P(Modes, CgroupNamespaceInPrivateCgroup, testing::kBothModes,
                         testing::ModeParamName);
INSTANTIATE_TEST_SUITE_P(
    ModesAndEntries, CgroupNamespaceEntry,
    ::testing::Combine(testing::kBothModes, ::testing::Values(Entry::kClone, Entry::kUnshare)),
    [](const auto& param_info) {
      return fmt::format("{}_{}", ModeName(std::get<0>(param_info.param)),
                         std::get<1>(param_info.param) == Entry::kClone ? "clone" : "unshare");
    });

// Without CAP_SYS_ADMIN and without a user namespace, CLONE_NEWCGROUP is refused (LTP
// clone11); the same process gets one at once when it creates a user namespace with it.
class CgroupNamespaceTest : public testing::NoLeaksTest {};

TEST_F(CgroupNamespaceTest, WithoutCapSysAdminOrUserNamespaceGivesEperm) {
  // The contrast needs a cgroup namespace through a user namespace, made here without
  // create_as: either mode's probe saying yes is enough.
  if (!testing::UnavailableReason(Kind::kCgroup, Mode::kPrivileged).empty())
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kCgroup, Mode::kUnprivileged);
  // The contrast's clone(CLONE_NEWUSER) is made here, by root without capabilities: one that
  // may not create a user namespace (user.max_user_namespaces=0) has no contrast to show.
  if (!testing::UnavailableReason(Kind::kUser, Mode::kPrivileged).empty())
    NSPROBE_SKIP_UNLESS_AVAILABLE(Kind::kUser, Mode::kUnprivileged);
  Observations obs;
  auto w = obs.Writer();
  Child child = testing::Launch(Spec{}, [&] {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct none[2] = {};
    w.Result("capset", ::syscall(SYS_capset, &header, none));
    w.Result("unshare", testing::Unshare(CLONE_NEWCGROUP));
    long refused = testing::ForkInChild(CLONE_NEWCGROUP);
    if (refused == 0) ::_exit(0);
    w.Result("clone", refused);
    long pid = testing::ForkInChild(CLONE_NEWUSER | CLONE_NEWCGROUP);
    if (pid == 0) {
      w.Link("ns_with_user", "/proc/self/ns/cgroup");
      ::_exit(0);
    }
    w.Result("clone_with_user", pid);
    if (pid > 0) testing::WaitInChild(pid);
    w.Link("ns_self", "/proc/self/ns/cgroup");
    return 0;
  });
  ASSERT_NO_FATAL_FAILURE(WaitAndCollect(child, obs));
  ASSERT_THAT(obs["capset"], Succeeded());
  EXPECT_THAT(obs["unshare"], FailedWith(EPERM));
  EXPECT_THAT(obs["clone"], FailedWith(EPERM));
  ASSERT_THAT(obs["clone_with_user"], Succeeded());
  EXPECT_THAT(obs["ns_with_user"], HasText(Ne(obs.Text("ns_self"))));
}

}  // namespace
}  // namespace nsprobe
