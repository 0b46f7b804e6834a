// The guest's root filesystem: a newc cpio archive the kernel unpacks into its rootfs,
// holding busybox, the suite binaries with their shared libraries, the kernel's modules and
// the /init script that runs the suites and sends the results home over the second UART.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace nsprobe::matrix {

// One archive member. Exactly one of `source` (a host file to copy), `data` (inline
// contents) or `link` (a symlink target) is used, per `type`.
struct ImageEntry {
  enum class Type { kDir, kFile, kSymlink, kCharDev } type = Type::kFile;
  std::uint32_t mode = 0755;  // permission bits only
  std::string source;
  std::string data;
  std::string link;
  std::uint32_t rdev_major = 0, rdev_minor = 0;
};

// Paths are absolute ("/bin/busybox"); parents are added as directories automatically.
class Image {
 public:
  void Dir(const std::string& path, std::uint32_t mode = 0755);
  void File(const std::string& path, const std::string& source, std::uint32_t mode = 0755);
  void Data(const std::string& path, std::string data, std::uint32_t mode = 0644);
  void Symlink(const std::string& path, const std::string& target);
  void CharDev(const std::string& path, std::uint32_t major, std::uint32_t minor,
               std::uint32_t mode = 0600);
  bool Has(const std::string& path) const { return entries_.contains(path); }
  const std::map<std::string, ImageEntry>& Entries() const { return entries_; }

  // Writes the newc archive (parents before children, then the trailer). Throws
  // std::system_error naming a source file that cannot be read.
  void WriteCpio(std::ostream& out) const;

 private:
  void Add(const std::string& path, ImageEntry entry);
  std::map<std::string, ImageEntry> entries_;
};

// The libraries `ldd` lists for a dynamic executable, as absolute paths (the loader
// included, the vDSO left out). Throws std::runtime_error naming a library "not found".
std::vector<std::string> ParseLdd(std::string_view ldd_output);

// modules.dep: "kernel/drivers/net/veth.ko: kernel/x.ko ..." keyed by module name with '-'
// read as '_' (as modprobe does).
struct ModuleDep {
  std::string path;  // relative to lib/modules/<release>
  std::vector<std::string> deps;
};
std::map<std::string, ModuleDep> ParseModulesDep(std::string_view text);
// The module name of a modules.dep path: "kernel/fs/9p/9p.ko.xz" -> "9p".
std::string ModuleName(std::string_view path);
// The wanted modules and everything they depend on, dependencies first, as paths. Names the
// kernel does not have as modules (built in, or absent) are left out.
std::vector<std::string> ModuleClosure(const std::map<std::string, ModuleDep>& deps,
                                       const std::vector<std::string>& wanted);

// What /init needs to know; every path is absolute inside the guest.
struct GuestPlan {
  std::string nsprobe;               // the nsprobe binary
  std::string suites_dir;            // where the *_test binaries are
  std::vector<std::string> modules;  // names to modprobe
  std::vector<std::string> benches;  // *_bench binaries to run, when --bench
  double suite_timeout_s = 300;      // per binary, for nsprobe run --timeout
  std::uint32_t unprivileged_uid = 65534;
  // util-linux setpriv, by absolute path: Debian's busybox sh runs its own applet of the same
  // name (which lacks --reuid) before searching PATH.
  std::string setpriv = "/usr/bin/setpriv";
  // For a LAVA job (one console, read by a monitors block): no second UART; the verdicts are
  // `nsprobe run --lava` lines and the fingerprint and probe are nsprobe-blob lines, all on
  // the console between "nsprobe-lava: start" and "nsprobe-lava: end" (ci/lava/).
  bool lava = false;
};
// The /init script: mounts, modules, the suites as root and as the unprivileged uid, every
// result file gzip+base64-framed on /dev/ttyS1 (see serial.hpp) — or, with plan.lava, the
// result lines on the console — then poweroff.
std::string InitScript(const GuestPlan& plan);

// The end of a LAVA guest's /init (plan.lava), for the console: the result lines of the
// root run ($O/root.log) and of the unprivileged one ($O/unpriv.log, its suites renamed as the
// matrix names them), $O/fingerprint.json and $O/probe-root.json as nsprobe-blob lines, and
// the monitor's end line.
std::string LavaReport(std::uint32_t uid);

// The kernel command line: console on the first UART, a panic ends the VM at once.
std::string KernelCmdline();

}  // namespace nsprobe::matrix
