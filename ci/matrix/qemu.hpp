// Booting a kernel with its initramfs under qemu-system-x86_64: KVM when /dev/kvm opens,
// TCG otherwise; the first UART is the console log, the second carries the results.
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
};

std::vector<std::string> QemuArgv(const QemuOptions& options);

// /dev/kvm exists and this process may open it read-write.
bool KvmUsable();

// "qemu-system-x86_64" found on PATH, as an absolute path, or empty.
std::string FindQemu();

}  // namespace nsprobe::matrix
