#include "suites/sandbox/host_env.hpp"

#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "runtime/fd.hpp"

namespace nsprobe::sandbox {

namespace fs = std::filesystem;

CgroupLayout HostCgroupLayout() {
  struct statfs s {};
  if (::statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
    return CgroupLayout::kUnified;
  if (::statfs("/sys/fs/cgroup/unified", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
    return CgroupLayout::kHybrid;
  return CgroupLayout::kLegacy;
}

const char* CgroupLayoutName(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::kUnified:
      return "unified (cgroup v2)";
    case CgroupLayout::kHybrid:
      return "hybrid (cgroup v1 with cgroup2 at /sys/fs/cgroup/unified)";
    case CgroupLayout::kLegacy:
      return "legacy (cgroup v1)";
  }
  return "?";
}

std::string OwnedDir(const Request& r, const std::string& path, mode_t mode) {
  if (r.describe_only) return path;
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw std::system_error(ec, "mkdir " + path);
  if (::chmod(path.c_str(), mode) != 0 || ::chown(path.c_str(), r.uid, r.gid) != 0)
    throw std::system_error(errno, std::generic_category(), "chown " + path);
  return path;
}

namespace {

bool IsSymlink(const std::string& path) {
  std::error_code ec;
  return fs::is_symlink(path, ec);
}

std::string Parent(const std::string& path) { return fs::path(path).parent_path().string(); }

}  // namespace

std::vector<std::string> MinimalRootBinds(const Request& r) {
  std::vector<std::string> binds{"/usr", "/etc"};
  for (const char* top : {"/bin", "/lib", "/lib64", "/sbin"}) {
    std::error_code ec;
    if (!IsSymlink(top) && fs::is_directory(top, ec)) binds.emplace_back(top);
  }
  if (!r.observer.empty()) {
    const std::string dir = Parent(r.observer.front());
    if (dir.starts_with("/") && !dir.starts_with("/usr/")) binds.push_back(dir);
  }
  return binds;
}

std::string MinimalRoot(const Request& r, const std::string& path) {
  if (r.describe_only) return path;
  OwnedDir(r, path);
  for (const char* top : {"/bin", "/lib", "/lib64", "/sbin"}) {
    std::error_code ec;
    if (!IsSymlink(top)) continue;
    const fs::path target = fs::read_symlink(top, ec);
    if (!ec) fs::create_symlink(target, path + top, ec);
  }
  std::vector<std::string> points{"/proc", "/dev", "/sys", "/tmp", "/run"};
  for (const std::string& b : MinimalRootBinds(r)) points.push_back(b);
  if (!r.mount_dir.empty()) points.push_back(r.mount_dir);
  for (const std::string& p : points) OwnedDir(r, path + p);
  return path;
}

std::vector<std::string> PrivateEnv(const Request& r) {
  const std::string home = OwnedDir(r, r.work_dir + "/home", 0700);
  const std::string run = OwnedDir(r, r.work_dir + "/xdg-run", 0700);
  return {"env", "HOME=" + home, "XDG_RUNTIME_DIR=" + run,
          "XDG_CONFIG_HOME=" + OwnedDir(r, home + "/.config", 0700),
          "XDG_DATA_HOME=" + OwnedDir(r, home + "/.local/share", 0700)};
}

std::vector<std::string> RemoveCgroupsNamed(const std::string& name) {
  std::vector<std::string> found;
  std::error_code ec;
  // Deep enough for a runtime's /<name> and process_api-style /a/b/<name>, not a full walk.
  for (auto it = fs::recursive_directory_iterator("/sys/fs/cgroup", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() > 4) it.disable_recursion_pending();
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    if (it->path().filename() == name) {
      found.push_back(it->path().string());
      it.disable_recursion_pending();
    }
  }
  std::vector<std::string> left;
  for (const std::string& top : found)
    for (const std::string& d : RemoveCgroupTree(top)) left.push_back(d);
  return left;
}

std::vector<std::string> RemoveCgroupTree(const std::string& top) {
  std::vector<std::string> dirs{top}, left;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(top, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory(ec)) dirs.push_back(it->path().string());
  // Children before parents: a cgroup goes only once it has no child.
  for (auto d = dirs.rbegin(); d != dirs.rend(); ++d)
    if (::rmdir(d->c_str()) != 0 && errno != ENOENT) left.push_back(*d);
  return left;
}

void KillPidFile(const std::string& pid_file) {
  std::string text;
  if (!TryReadFile(pid_file, text)) return;
  const long pid = std::strtol(text.c_str(), nullptr, 10);
  if (pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
}

}  // namespace nsprobe::sandbox
