// Booting a kernel with its initramfs under qemu-system-x86_64: KVM when a trial boot under it
// reaches the kernel, TCG otherwise; the first UART is the console log, the second carries
// the results.
#pragma once

#include <string>
#include <vector>

namespace nsprobe::matrix {

struct QemuOptions {
  std::string vmlinuz, initrd, cmdline;
  std::string console_log;  // ttyS0
  std::string results;      // ttyS1
  bool kvm = false;
  int cpus = 2;
  std::string memory = "1G";
  std::string program = "qemu-system-x86_64";  // searched in PATH unless absolute
  std::string bios;  // firmware for -bios; empty: QEMU's default (SeaBIOS)
};

std::vector<std::string> QemuArgv(const QemuOptions& options);

// QEMU's qboot (a few KB of firmware that only loads -kernel) in `data_dir`, or empty. Under
// TCG it reaches the kernel about 0.5 s sooner than SeaBIOS, which probes disks and option ROMs.
std::string FindQboot(const std::string& data_dir = "/usr/share/qemu");

// `device` (/dev/kvm) exists and this process may open it read-write.
bool KvmUsable(const std::string& device = "/dev/kvm");

// Which accelerator the guests get, and why.
struct Accelerator {
  bool kvm = false;
  std::string why;  // one line: what the trial boot saw
  std::string Name() const { return kvm ? "kvm" : "tcg"; }
};

// The line every kernel prints first on its console ("Linux version 6.1.0-... (...)").
inline constexpr const char* kKernelBanner = "Linux version ";

// A /dev/kvm that opens is not enough: under nested virtualisation `-accel kvm -cpu host` can
// abort at once ("failed to set MSR 0x10a") or hang after the BIOS. So KVM is chosen only when
// a short boot of `vmlinuz` under it (no initrd: the kernel ends in a panic, which -no-reboot
// turns into an exit) shows the kernel's banner on the console within `timeout_s`; the
// boot is stopped as soon as it does. Its console and qemu's output stay in `scratch_dir`.
// Throws std::system_error when qemu cannot be started at all.
Accelerator ChooseAccelerator(const std::string& qemu, const std::string& vmlinuz,
                              const std::string& scratch_dir, double timeout_s = 60,
                              const std::string& kvm_device = "/dev/kvm");

// "qemu-system-x86_64" found on PATH, as an absolute path, or empty.
std::string FindQemu();

}  // namespace nsprobe::matrix
