// nsprobe's LAVA job and device dictionary (share/nsprobe/lava/) made concrete for one kernel,
// and lava-run, the dispatcher of Debian's lava-dispatcher, run on them without a LAVA server.
#pragma once

#include <string>

namespace nsprobe::lava {

inline constexpr const char* kDeviceFile = "qemu-x86_64-nokvm.yaml";
inline constexpr const char* kJobFile = "nsprobe-initramfs-job.yaml";

struct JobOptions {
  std::string share_dir;        // where kDeviceFile and kJobFile are (share/nsprobe/lava/)
  std::string vmlinuz, initrd;  // absolute paths, deployed by file:// URL
  std::string cmdline;          // the kernel's command line
  double timeout_s = 1200;      // the whole job; the monitor waits as long for each line
  int cpus = 2;
  std::string memory = "1G";  // as qemu -m takes it
};

// Writes device.yaml and job.yaml into `dir` (which exists): the installed files with the
// kernel's and the initramfs's URLs, the command line, the timeouts, -m and -smp set.
// Throws record::InputError naming an installed file that is missing or not what nsprobe
// wrote, std::system_error when `dir` cannot be written.
void WriteJobFiles(const JobOptions& options, const std::string& dir);

// file:// URL of an absolute path. Throws std::invalid_argument for a path with a character
// a URL would need escaped (LAVA does not unescape them).
std::string FileUrl(const std::string& absolute_path);

}  // namespace nsprobe::lava
