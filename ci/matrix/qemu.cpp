#include "ci/matrix/qemu.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "runtime/fd.hpp"

namespace nsprobe::matrix {

std::vector<std::string> QemuArgv(const QemuOptions& o) {
  // -nodefaults: no VGA, NIC or floppy to emulate; -no-reboot with panic=-1 turns a kernel
  // panic into a qemu exit, so a broken guest ends at once instead of at the host timeout.
  return {"qemu-system-x86_64",
          "-nodefaults",
          "-machine",
          "q35",
          "-accel",
          o.kvm ? "kvm" : "tcg",
          "-cpu",
          o.kvm ? "host" : "max",
          "-smp",
          std::to_string(o.cpus),
          "-m",
          o.memory,
          "-display",
          "none",
          "-monitor",
          "none",
          "-no-reboot",
          "-kernel",
          o.vmlinuz,
          "-initrd",
          o.initrd,
          "-append",
          o.cmdline,
          "-serial",
          "file:" + o.console_log,
          "-serial",
          "file:" + o.results};
}

bool KvmUsable() {
  UniqueFd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  return static_cast<bool>(fd);
}

std::string FindQemu() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, end - start)) / "qemu-system-x86_64";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

}  // namespace nsprobe::matrix
