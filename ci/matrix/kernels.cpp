#include "ci/matrix/kernels.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "ci/matrix/process.hpp"
#include "runtime/fd.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;

// apt-get download, unless a .deb of that package is already in `dir`.
std::string DownloadDeb(const std::string& package, const std::string& dir,
                        const std::string& log) {
  auto find = [&]() -> std::string {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.starts_with(package + "_") && name.ends_with(".deb")) return e.path().string();
    }
    return "";
  };
  fs::create_directories(dir);
  if (std::string found = find(); !found.empty()) return found;
  // Sandbox::User=root: the cache may be in a directory the _apt user cannot enter.
  Ran ran = RunLogged({"apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", package}, log,
                      900, nullptr, fs::absolute(dir).string());
  std::string found = find();
  if (!ran.status.Success() || found.empty()) {
    std::string text;
    TryReadFile(log, text);
    throw std::runtime_error(fmt::format(
        "apt-get download {}: {}; is the package name right (apt-cache search linux-image) and "
        "the archive reachable? {}",
        package, ran.status.Describe(), TailLines(text, 600)));
  }
  return found;
}

// dpkg-deb -x into <cache>/unpacked/<package>, once (a stamp file marks a finished unpack).
std::string Unpack(const std::string& deb, const std::string& package, const std::string& cache,
                   const std::string& log) {
  fs::path dir = fs::path(cache) / "unpacked" / package;
  if (fs::exists(dir / ".unpacked")) return dir.string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  Ran ran = RunLogged({"dpkg-deb", "-x", deb, dir.string()}, log, 600);
  if (!ran.status.Success())
    throw std::runtime_error(fmt::format("dpkg-deb -x {}: {}", deb, ran.status.Describe()));
  std::ofstream((dir / ".unpacked").string()).flush();
  return dir.string();
}

}  // namespace

KernelRequest ParseKernelArg(std::string_view arg) {
  if (arg.empty()) throw std::invalid_argument("--kernel: empty; give host, a package or a path");
  if (arg == "host") return {KernelRequest::Source::kHost, "host"};
  if (arg.find('/') != std::string_view::npos)
    return {KernelRequest::Source::kPath, std::string(arg)};
  static const std::regex kPackage("[a-z0-9][a-z0-9+.-]+");
  if (!std::regex_match(std::string(arg), kPackage))
    throw std::invalid_argument(fmt::format(
        "--kernel '{}': not a Debian package name, a path (with a '/') or 'host'", arg));
  return {KernelRequest::Source::kPackage, std::string(arg)};
}

std::vector<KernelRequest> DefaultKernels(bool rt,
                                          const std::function<bool(const std::string&)>& known) {
  std::vector<std::string> packages = {"linux-image-amd64", "linux-image-cloud-amd64",
                                       "linux-image-6.12-cloud-amd64"};
  if (rt) packages.insert(packages.end(), {"linux-image-rt-amd64", "linux-image-6.12-rt-amd64"});
  std::vector<KernelRequest> kernels = {{KernelRequest::Source::kHost, "host"}};
  for (const std::string& p : packages)
    if (known(p)) kernels.push_back({KernelRequest::Source::kPackage, p});
  return kernels;
}

std::string ReleaseOfVmlinuz(std::string_view path) {
  std::string name = fs::path(path).filename().string();
  if (!name.starts_with("vmlinuz-") || name.size() == 8)
    throw std::invalid_argument(
        fmt::format("{}: cannot tell the kernel release; name the file vmlinuz-<release>", path));
  return name.substr(8);
}

std::string ImageDependency(std::string_view depends) {
  static const std::regex kImage("(linux-image-[0-9][^ ,|()]*)");
  std::smatch m;
  std::string text(depends);
  return std::regex_search(text, m, kImage) ? m[1].str() : "";
}

GuestKernel FetchPackage(const std::string& package, const std::string& cache_dir,
                         const std::string& log) {
  std::string name = package;
  // A metapackage holds no kernel: follow its Depends to the versioned image, at most twice
  // (linux-image-6.12-cloud-amd64 -> linux-image-6.12.117+deb12-cloud-amd64).
  for (int hop = 0; hop < 3; ++hop) {
    std::string deb = DownloadDeb(name, (fs::path(cache_dir) / "debs").string(), log);
    std::string dir = Unpack(deb, name, cache_dir, log);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(dir) / "boot", ec)) {
      std::string file = e.path().filename().string();
      if (!file.starts_with("vmlinuz-")) continue;
      GuestKernel k;
      k.release = ReleaseOfVmlinuz(file);
      k.label = k.release;
      k.package = name;
      k.vmlinuz = e.path().string();
      k.modules_dir = (fs::path(dir) / "lib" / "modules" / k.release).string();
      k.config = (fs::path(dir) / "boot" / ("config-" + k.release)).string();
      return k;
    }
    std::string next = ImageDependency(Capture({"dpkg-deb", "-f", deb, "Depends"}));
    if (next.empty() || next == name)
      throw std::runtime_error(
          fmt::format("{}: has no boot/vmlinuz-* and depends on no linux-image package", name));
    name = next;
  }
  throw std::runtime_error(package + ": metapackages nest too deep");
}

GuestKernel FromPath(const std::string& value) {
  std::string path = value, modules;
  if (std::size_t colon = value.find(':'); colon != std::string::npos) {
    path = value.substr(0, colon);
    modules = value.substr(colon + 1);
  }
  if (!fs::is_regular_file(path))
    throw std::invalid_argument(fmt::format("--kernel {}: no such file", path));
  GuestKernel k;
  k.release = ReleaseOfVmlinuz(path);
  k.label = k.release;
  k.vmlinuz = fs::absolute(path).string();
  fs::path boot = fs::absolute(path).parent_path();
  k.modules_dir =
      modules.empty() ? (boot.parent_path() / "lib" / "modules" / k.release).string() : modules;
  k.config = (boot / ("config-" + k.release)).string();
  return k;
}

std::string FetchBusybox(const std::string& cache_dir, const std::string& log) {
  std::string deb = DownloadDeb("busybox-static", (fs::path(cache_dir) / "debs").string(), log);
  fs::path busybox = fs::path(Unpack(deb, "busybox-static", cache_dir, log)) / "bin" / "busybox";
  if (!fs::exists(busybox))
    throw std::runtime_error(deb + ": has no bin/busybox; is it the busybox-static package?");
  return busybox.string();
}

}  // namespace nsprobe::matrix
