#include "ci/matrix/guest_image.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "ci/matrix/process.hpp"
#include "ci/run/suite_manifest.hpp"
#include "runtime/fd.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;

// The host's own copy of a tool the suites run, by its canonical path.
std::string HostTool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    fs::path p = fs::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return fs::canonical(p).string();
  }
  return "";
}

// Adds `path` (a dynamic executable on the host) and every library it needs, each at the
// path ldd names, the contents being the file the symlinks lead to.
void AddWithLibraries(Userland& u, const std::string& guest_path, const std::string& source,
                      std::set<std::string>& libs_seen) {
  u.image.File(guest_path, source, 0755);
  ++u.binaries;
  std::string out;
  try {
    out = Capture({"ldd", source});
  } catch (const std::runtime_error& e) {
    // ldd refuses static executables ("not a dynamic executable"): nothing to add.
    if (std::string(e.what()).find("not a dynamic executable") != std::string::npos) return;
    throw;
  }
  for (const std::string& lib : ParseLdd(out)) {
    if (!libs_seen.insert(lib).second) continue;
    u.image.File(lib, fs::canonical(lib).string(), 0755);
    ++u.libraries;
  }
}

}  // namespace

const std::vector<std::string>& HostTools() {
  // No xmllint: no conformance suite runs it (only the command's own tests, on the host), and
  // with its ICU libraries it was 37 of the image's 80 MB, which a TCG guest copies at boot.
  static const std::vector<std::string> kTools = {"ip",   "ipcs",    "ps",      "hostname",
                                                  "id",   "setpriv", "unshare", "nsenter",
                                                  "lsns", "findmnt", "dash",    "ipcmk"};
  return kTools;
}

const std::vector<std::string>& WantedModules() {
  static const std::vector<std::string> kModules = {"veth", "dummy", "overlay"};
  return kModules;
}

Userland StageUserland(const StageOptions& o) {
  Userland u;
  fs::create_directories(o.staging);
  std::set<std::string> libs;
  u.image.File("/bin/busybox", o.busybox, 0755);
  for (const char* dir :
       {"/proc", "/sys", "/dev", "/tmp", "/run", "/root", "/etc", "/mnt", "/var/tmp"})
    u.image.Dir(dir, 0755);
  u.image.Dir("/tmp", 01777);
  // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
  u.image.CharDev("/dev/console", 5, 1);
  u.image.Data(
      "/etc/passwd",
      "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  u.image.Data("/etc/group", "root:x:0:\nnogroup:x:65534:\n");
  u.image.Data("/etc/os-release",
               "PRETTY_NAME=\"nsprobe matrix guest (busybox initramfs)\"\nID=nsprobe-guest\n");

  const fs::path prefix = kGuestPrefix;
  const fs::path guest_suites = prefix / "libexec" / "nsprobe";
  // (host path, guest path) of every binary of ours that goes in.
  std::vector<std::pair<fs::path, fs::path>> wanted = {{o.self, prefix / "bin" / "nsprobe"}};
  nlohmann::ordered_json manifest = {{"format", 1}, {"suites", nlohmann::ordered_json::array()}};
  for (const run::SuiteBinary& s : run::FindSuites(o.suites_dir)) {
    if (!s.conformance) continue;
    wanted.emplace_back(s.path, guest_suites / s.name);
    manifest["suites"].push_back({{"name", s.name},
                                  {"label", s.label},
                                  {"type", "conformance"},
                                  {"path", s.name},
                                  {"needs", s.needs}});
  }
  if (manifest["suites"].empty())
    throw std::runtime_error(
        fmt::format("{}: no conformance suites to put in the guest; build "
                    "them (scripts/test) or name a tree with --suites",
                    o.suites_dir));
  u.image.Data((guest_suites / run::kManifestName).string(), manifest.dump(2) + "\n", 0644);
  std::error_code ec;
  if (o.bench)
    for (const auto& e : fs::directory_iterator(fs::path(o.self).parent_path(), ec))
      if (e.path().filename().string().ends_with("_bench"))
        wanted.emplace_back(e.path(), prefix / "bin" / e.path().filename());
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto& [p, guest] = wanted[i];
    // Debug info is most of a RelWithDebInfo binary and the guest never reads it.
    fs::path stripped = fs::path(o.staging) / fmt::format("{}-{}", i, p.filename().string());
    Ran ran = RunLogged({"objcopy", "--strip-debug", p.string(), stripped.string()}, o.log, 120);
    if (!ran.status.Success())
      throw std::runtime_error(fmt::format("objcopy --strip-debug {}: {} (see {})", p.string(),
                                           ran.status.Describe(), o.log));
    AddWithLibraries(u, guest.string(), stripped.string(), libs);
    if (guest.filename().string().ends_with("_bench")) u.benches.push_back(guest.string());
  }
  u.nsprobe = (prefix / "bin" / "nsprobe").string();
  u.suites_dir = guest_suites.string();
  for (const std::string& tool : HostTools()) {
    std::string path = HostTool(tool);
    if (path.empty()) continue;  // the suites say what they miss
    // Merged /usr: the canonical path is under /usr, which PATH searches before busybox's /bin.
    AddWithLibraries(u, path, path, libs);
    u.tools[tool] = path;
  }
  // The suites' `sh -c` lines then search PATH for the host's tools; busybox sh would run its
  // own applets first. /init itself names busybox sh explicitly.
  if (u.tools.contains("dash")) u.image.Symlink("/bin/sh", u.tools["dash"]);
  return u;
}

std::vector<std::string> AddKernel(Image& image, const GuestKernel& kernel,
                                   const std::string& busybox, const std::string& log) {
  std::vector<std::string> names;
  fs::path mods = kernel.modules_dir;
  if (fs::is_directory(mods)) {
    fs::path dep = mods / "modules.dep";
    fs::path root = mods.parent_path().parent_path().parent_path();
    // Debian's image packages ship no modules.dep; kmod may be absent, busybox has depmod.
    if (!fs::exists(dep) && mods.parent_path().filename() == "modules") {
      Ran ran = RunLogged({busybox, "depmod", "-b", root.string(), kernel.release}, log, 300);
      if (!ran.status.Success())
        throw std::runtime_error(fmt::format("busybox depmod -b {} {}: {} (see {})", root.string(),
                                             kernel.release, ran.status.Describe(), log));
    }
    std::string text;
    if (TryReadFile(dep.string(), text)) {
      auto deps = ParseModulesDep(text);
      std::vector<std::string> paths = ModuleClosure(deps, WantedModules());
      std::set<std::string> included(paths.begin(), paths.end());
      std::string filtered;
      for (const auto& [name, d] : deps) {
        if (!included.contains(d.path)) continue;
        filtered += d.path + ":";
        for (const std::string& x : d.deps) filtered += " " + x;
        filtered += "\n";
      }
      const std::string guest = "/lib/modules/" + kernel.release;
      for (const std::string& p : paths)
        image.File(std::string(guest).append("/").append(p), (mods / p).string(), 0644);
      image.Data(guest + "/modules.dep", filtered);
      for (const std::string& w : WantedModules())
        if (deps.contains(ModuleName(w))) names.push_back(w);
    }
  }
  if (fs::exists(kernel.config)) image.File("/boot/config-" + kernel.release, kernel.config, 0644);
  return names;
}

}  // namespace nsprobe::matrix
