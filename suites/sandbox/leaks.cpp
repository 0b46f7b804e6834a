#include "suites/sandbox/leaks.hpp"

#include <dirent.h>
#include <net/if.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <thread>

#include "runtime/fd.hpp"
#include "runtime/proc_files.hpp"
#include "suites/sandbox/host_env.hpp"

namespace nsprobe::sandbox {
namespace {

namespace fs = std::filesystem;

// Where runtimes mount on the host when they leak (runc without a mount namespace stacked a
// copy of / on /), and the prefixes of their state.
constexpr const char* kRuntimeMountPoints[] = {"/",    "/proc", "/sys", "/dev",
                                               "/run", "/tmp",  "/etc", "/usr"};
constexpr const char* kRuntimeMountPrefixes[] = {
    "/run/netns",  "/var/run/netns", "/run/containers", "/var/lib/containers",
    "/run/libpod", "/run/crun",      "/run/runc",       "/run/systemd/nspawn",
    "/run/user/",  "/sys/fs/cgroup/"};
// Directories whose entries a runtime makes per container and should remove.
constexpr const char* kStateDirs[] = {"/run/netns",
                                      "/run/systemd/nspawn/propagate",
                                      "/run/firejail/sandbox",
                                      "/run/containers",
                                      "/run/libpod",
                                      "/run/crun",
                                      "/run/runc",
                                      "/var/lib/cni/networks",
                                      "/var/lib/containers"};
constexpr const char* kLinkPrefixes[] = {"cni-", "podman", "vb-", "ve-"};
constexpr const char* kRuntimeCgroups[] = {"libpod_parent", "machine.slice", "payload",
                                           "supervisor"};

bool Names(const std::string& text, const std::vector<std::string>& markers) {
  return std::any_of(markers.begin(), markers.end(), [&](const std::string& m) {
    return !m.empty() && text.find(m) != std::string::npos;
  });
}

bool RuntimeMount(const proc::MountInfo& m) {
  for (const char* p : kRuntimeMountPoints)
    if (m.mount_point == p) return true;
  for (const char* p : kRuntimeMountPrefixes)
    if (m.mount_point.starts_with(p)) return true;
  return false;
}

std::vector<pid_t> Pids() {
  std::vector<pid_t> pids;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (end != e->d_name && *end == '\0') pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(d);
  }
  return pids;
}

std::string Printable(std::string text) {
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text.substr(0, 200);
}

// Runtime state entries, runtime-made links and cgroups, by a path-like name.
std::set<std::string> Paths(const std::vector<std::string>& markers) {
  std::set<std::string> out;
  std::error_code ec;
  for (const char* dir : kStateDirs)
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
      out.insert(it->path().string());
  if (struct if_nameindex* all = ::if_nameindex()) {
    for (struct if_nameindex* i = all; i->if_index != 0; ++i)
      for (const char* p : kLinkPrefixes)
        if (std::string_view(i->if_name).starts_with(p))
          out.insert(std::string("link ") + i->if_name);
    ::if_freenameindex(all);
  }
  for (auto it = fs::recursive_directory_iterator("/sys/fs/cgroup", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() > 4) it.disable_recursion_pending();
    if (it->is_symlink(ec) || !it->is_directory(ec)) continue;
    const std::string name = it->path().filename().string();
    bool runtime = Names(name, markers);
    for (const char* c : kRuntimeCgroups) runtime |= name == c;
    if (runtime) out.insert(it->path().string());
  }
  return out;
}

}  // namespace

std::vector<pid_t> ProcessesNaming(const std::vector<std::string>& markers) {
  std::vector<pid_t> found;
  for (pid_t p : Pids()) {
    if (p == ::getpid()) continue;
    const std::string dir = "/proc/" + std::to_string(p);
    std::string cmdline, environ;
    (void)TryReadFile(dir + "/cmdline", cmdline);
    (void)TryReadFile(dir + "/environ", environ);
    if (Names(cmdline, markers) || Names(environ, markers)) found.push_back(p);
  }
  return found;
}

LeakWatch::LeakWatch(std::vector<std::string> markers) : markers_(std::move(markers)) {
  for (const auto& m : proc::ParseMountInfo(ReadFile("/proc/self/mountinfo"))) mounts_.insert(m.id);
  for (pid_t p : Pids()) pids_.insert(p);
  paths_ = Paths(markers_);
}

std::vector<Leak> LeakWatch::Leaks(std::chrono::milliseconds grace) const {
  std::vector<Leak> leaks;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    leaks.clear();
    for (pid_t p : ProcessesNaming(markers_)) {
      if (pids_.count(p) != 0) continue;
      std::string cmdline;
      (void)TryReadFile("/proc/" + std::to_string(p) + "/cmdline", cmdline);
      Leak l;
      l.what = "process " + std::to_string(p) + ": " + Printable(cmdline);
      l.pid = p;
      leaks.push_back(l);
    }
    if (leaks.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& m : proc::ParseMountInfo(ReadFile("/proc/self/mountinfo"))) {
    if (mounts_.count(m.id) != 0) continue;
    if (!Names(m.mount_point + " " + m.root + " " + m.source, markers_) && !RuntimeMount(m))
      continue;
    Leak l;
    l.what = "mount " + std::to_string(m.id) + " on " + m.mount_point + " (" + m.fstype + " " +
             m.source + ")";
    l.mount_id = m.id;
    l.mount_point = m.mount_point;
    leaks.push_back(l);
  }
  for (const std::string& p : Paths(markers_)) {
    if (paths_.count(p) != 0) continue;
    Leak l;
    l.what = p.starts_with("link ") ? "host " + p : "left " + p;
    if (p.starts_with("/sys/fs/cgroup/")) l.path = p;
    leaks.push_back(l);
  }
  return leaks;
}

void LeakWatch::Remove(const std::vector<Leak>& leaks) {
  for (const Leak& l : leaks) {
    if (l.pid > 0) ::kill(l.pid, SIGKILL);
    if (l.mount_id > 0) ::umount2(l.mount_point.c_str(), MNT_DETACH);
    if (!l.path.empty()) (void)RemoveCgroupTree(l.path);
  }
}

}  // namespace nsprobe::sandbox
