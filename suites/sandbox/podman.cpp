// podman: `podman run --rootfs` of a minimal root directory (host_env.hpp), with the host's
// /usr and the observer's directory bound read-only (-v), never an image. Nothing touches the
// host's container storage: --root and --tmpdir are under the run's private directory,
// --runroot beside it (below), with the vfs driver (no overlay mounts to leak), events go to a
// file, and a rootless run gets its own HOME and XDG_RUNTIME_DIR. Its quirks here:
//  - the runtime is runc: podman's default, crun, refuses containers on a hybrid cgroup layout;
//  - --network=none: the rootful default is a CNI bridge, which made cni-podman0, iptables
//    CNI-* chains and /var/lib/cni state on the host on its first run (removed by hand), and
//    gives the container an eth0 besides lo;
//  - --ulimit nofile=4096:4096 and nproc=4096:4096: its defaults (1048576) are above this host's
//    hard limits and runc's init gets EPERM setting them;
//  - as root, --cgroup-parent is a cgroup named for the run, removed after with conmon's
//    (podman's own libpod_parent would stay behind); rootless on cgroup v1 it makes none;
//  - the runroot is /tmp/<run name>-run, not under the run's directory: podman refuses one
//    longer than 50 characters ("the specified runroot is longer than 50 characters");
//  - rootless, its pause process (which holds the user namespace) outlives the run: killed
//    from its pid file. Without /etc/subuid ranges for uid 65534 it maps that uid alone.
// Each kind but mnt can be left shared with --<kind>=host; the cgroup namespace is private by
// default only on a unified layout (--cgroupns=private is podman's v2 default, host on v1).
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "runtime/fd.hpp"
#include "runtime/proc_files.hpp"
#include "runtime/tool.hpp"
#include "suites/sandbox/host_env.hpp"
#include "suites/sandbox/leaks.hpp"
#include "suites/sandbox/runtimes.hpp"

namespace nsprobe::sandbox {
namespace {

bool HostHasMqueueMount() {
  for (const auto& m : proc::ParseMountInfo(ReadFile("/proc/self/mountinfo")))
    if (m.mount_point == "/dev/mqueue" && m.fstype == "mqueue") return true;
  return false;
}

class Podman : public Adapter {
 public:
  std::string Name() const override { return "podman"; }
  std::string Program() const override { return "podman"; }
  std::string Package() const override { return "podman"; }
  std::string NotInMode(Mode) const override {
    if (FindInPath("runc").empty())
      return "unsupported: podman is run with runc here (its default, crun, refuses a hybrid "
             "cgroup layout) and runc is not installed; apt-get install runc";
    return "";
  }
  KindSet Promises(Mode mode) const override {
    KindSet k{Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid};
    if (HostCgroupLayout() == CgroupLayout::kUnified) k.Add(Kind::kCgroup);
    if (mode == Mode::kUnprivileged) k.Add(Kind::kUser);
    return k;
  }
  KindSet Shareable(Mode mode) const override {
    KindSet k = Promises(mode);
    k.Remove(Kind::kMnt);
    // --userns=host rootless is the pause process's user namespace, not the host's; rootless
    // --ipc=host binds the host's /dev/mqueue ("statfs /dev/mqueue: no such file or
    // directory" where the host has not mounted one).
    if (mode == Mode::kUnprivileged) {
      k.Remove(Kind::kUser);
      if (!HostHasMqueueMount()) k.Remove(Kind::kIpc);
    }
    return k;
  }
  Invocation Build(const Request& r) const override {
    const std::string rootfs = MinimalRoot(r, r.work_dir + "/rootfs");
    OwnedDir(r, RunRoot(r), 0700);
    Invocation inv;
    if (r.mode == Mode::kUnprivileged) inv.argv = PrivateEnv(r);
    for (const std::string& a : Global(r)) inv.argv.push_back(a);
    for (const std::string& a :
         {std::string("run"), std::string("--rm"), "--name=" + r.name, std::string("--ulimit"),
          std::string("nofile=4096:4096"), std::string("--ulimit"), std::string("nproc=4096:4096")})
      inv.argv.push_back(a);
    if (r.mode == Mode::kPrivileged) inv.argv.push_back("--cgroup-parent=/" + r.name);
    const std::pair<Kind, const char*> options[] = {
        {Kind::kUts, "--uts"}, {Kind::kIpc, "--ipc"},         {Kind::kNet, "--network"},
        {Kind::kPid, "--pid"}, {Kind::kCgroup, "--cgroupns"}, {Kind::kUser, "--userns"}};
    for (const auto& [kind, option] : options)
      if (r.shared && *r.shared == kind) inv.argv.push_back(std::string(option) + "=host");
    if (!r.shared || *r.shared != Kind::kNet) inv.argv.push_back("--network=none");
    if (!r.shared || *r.shared != Kind::kUts) {
      inv.argv.push_back("--hostname=" + r.hostname);
      inv.hostname = r.hostname;
    }
    for (const std::string& dir : MinimalRootBinds(r))
      if (dir != "/etc") inv.argv.insert(inv.argv.end(), {"-v", dir + ":" + dir + ":ro"});
    inv.argv.insert(inv.argv.end(), {"-v", r.mount_dir + ":" + r.mount_dir, "--rootfs", rootfs});
    inv.argv.insert(inv.argv.end(), r.observer.begin(), r.observer.end());
    return inv;
  }
  void Cleanup(const Request& r) const override {
    ProgramRun rm;
    if (r.mode == Mode::kUnprivileged) rm.argv = PrivateEnv(r);
    for (const std::string& a : Global(r)) rm.argv.push_back(a);
    rm.argv.insert(rm.argv.end(), {"rm", "--force", "--ignore", r.name});
    if (r.uid != 0) rm.as = Credentials{r.uid, r.gid};
    rm.timeout = std::chrono::seconds(30);
    try {
      (void)RunProgram(rm);
    } catch (const std::exception&) {
    }
    // conmon's exit command (`podman container cleanup`) runs after `podman run` returns, and
    // makes a new pause process if it finds the old one gone: it goes first.
    const std::string pause = r.work_dir + "/podman-tmp/pause.pid";
    for (int i = 0; i < 100; ++i) {
      std::string text;
      const pid_t pid = TryReadFile(pause, text) ? std::atoi(text.c_str()) : 0;
      const std::vector<pid_t> left = ProcessesNaming({r.work_dir, r.name});
      if (left.empty() || (left.size() == 1 && left[0] == pid)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    KillPidFile(pause);
    (void)RemoveCgroupsNamed(r.name);
    std::error_code ec;
    std::filesystem::remove_all(RunRoot(r), ec);
  }

 private:
  static std::string RunRoot(const Request& r) { return "/tmp/" + r.name + "-run"; }
  static std::vector<std::string> Global(const Request& r) {
    return {"podman",
            "--root=" + r.work_dir + "/podman-root",
            "--runroot=" + RunRoot(r),
            "--tmpdir=" + r.work_dir + "/podman-tmp",
            "--storage-driver=vfs",
            "--cgroup-manager=cgroupfs",
            "--events-backend=file",
            "--runtime=runc"};
  }
};

}  // namespace

std::unique_ptr<Adapter> MakePodman() { return std::make_unique<Podman>(); }

}  // namespace nsprobe::sandbox
