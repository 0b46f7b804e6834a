// Which kernels a matrix covers and where their files come from: the running host, a Debian
// package fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache (never
// /boot, never the host's modules), or a vmlinuz given by path.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nsprobe::matrix {

struct KernelRequest {
  enum class Source { kHost, kPackage, kPath } source = Source::kHost;
  std::string value;  // package name or vmlinuz path; "host" for the host
  bool operator==(const KernelRequest&) const = default;
};

// "host" -> the host; anything with a '/' -> a vmlinuz path (optionally "PATH:MODULES_DIR");
// otherwise a Debian package name. Throws std::invalid_argument on an empty or malformed name.
KernelRequest ParseKernelArg(std::string_view arg);

// The host, Debian's 6.1 generic and cloud kernels, and the 6.12 cloud series when the
// archive knows it (`known` answers that); with `rt`, the PREEMPT_RT builds as well.
std::vector<KernelRequest> DefaultKernels(bool rt,
                                          const std::function<bool(const std::string&)>& known);

// A kernel ready to boot.
struct GuestKernel {
  std::string label;    // column name: the release, e.g. "6.1.0-56-cloud-amd64"
  std::string package;  // the Debian package it came from, or empty
  std::string release;  // uname -r
  std::string vmlinuz;
  std::string modules_dir;  // .../lib/modules/<release>, may not exist (no modules)
  std::string config;       // .../boot/config-<release>, may not exist
};

// The release in a vmlinuz file name: "/x/boot/vmlinuz-6.1.0-56-amd64" -> "6.1.0-56-amd64".
// Throws std::invalid_argument when the name does not start with "vmlinuz-".
std::string ReleaseOfVmlinuz(std::string_view path);

// The versioned linux-image package a metapackage's Depends line points at, or empty:
// "linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)" -> "linux-image-6.1.0-56-cloud-amd64".
std::string ImageDependency(std::string_view depends);

// Downloads (once) and unpacks (once) a package into `cache_dir`, following a metapackage
// to the image it depends on. `log` receives the tools' output. Throws std::runtime_error
// naming the package and what apt said.
GuestKernel FetchPackage(const std::string& package, const std::string& cache_dir,
                         const std::string& log);

// A vmlinuz path, with "PATH:MODULES_DIR" or, by default, <dir of vmlinuz>/../lib/modules/
// <release>. Throws std::invalid_argument when the vmlinuz does not exist.
GuestKernel FromPath(const std::string& value);

// The static busybox from Debian's busybox-static package, fetched into the cache.
std::string FetchBusybox(const std::string& cache_dir, const std::string& log);

}  // namespace nsprobe::matrix
