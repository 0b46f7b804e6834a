#include "ci/matrix/qemu.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ci/matrix/initramfs.hpp"
#include "ci/matrix/process.hpp"
#include "runtime/fd.hpp"
#include "runtime/tool.hpp"

namespace nsprobe::matrix {

std::vector<std::string> QemuArgv(const QemuOptions& o) {
  // -nodefaults: no VGA, NIC or floppy to emulate; -no-reboot with panic=-1 turns a kernel
  // panic into a qemu exit, so a broken guest ends at once instead of at the host timeout.
  // thread=multi, one host thread per vCPU, is QEMU 7.2's default for x86 on x86; said, so a
  // QEMU that would fall back to one thread for every vCPU refuses instead.
  std::vector<std::string> argv = {o.program,
                                   "-nodefaults",
                                   "-machine",
                                   "q35",
                                   "-accel",
                                   o.kvm ? "kvm" : "tcg,thread=multi",
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
                                   "-append",
                                   o.cmdline,
                                   "-serial",
                                   "file:" + o.console_log,
                                   "-serial",
                                   "file:" + o.results};
  if (!o.initrd.empty()) {
    auto kernel = std::find(argv.begin(), argv.end(), "-kernel");
    argv.insert(kernel + 2, {"-initrd", o.initrd});
  }
  if (!o.bios.empty()) argv.insert(argv.begin() + 1, {"-bios", o.bios});
  return argv;
}

std::string FindQboot(const std::string& data_dir) {
  const std::string path = data_dir + "/qboot.rom";
  return ::access(path.c_str(), R_OK) == 0 ? path : "";
}

bool KvmUsable(const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  return static_cast<bool>(fd);
}

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// What qemu said about its end: its first "error:" line ("qemu-system-x86_64: error: failed
// to set MSR 0x10a ...", before the assertion it aborts on), else its last line.
std::string LastWords(const std::string& text) {
  std::string last;
  for (std::string_view line : Lines(text)) {
    if (line.find("error:") != std::string_view::npos) return std::string(line);
    if (line.find_first_not_of(" \t") != std::string_view::npos) last = line;
  }
  return last;
}

}  // namespace

Accelerator ChooseAccelerator(const std::string& qemu, const std::string& vmlinuz,
                              const std::string& scratch_dir, double timeout_s,
                              const std::string& kvm_device) {
  if (!KvmUsable(kvm_device)) return {false, kvm_device + " cannot be opened read-write: QEMU TCG"};
  namespace fs = std::filesystem;
  fs::create_directories(scratch_dir);
  const std::string console = (fs::path(scratch_dir) / "kvm-trial-console.log").string();
  const std::string log = (fs::path(scratch_dir) / "kvm-trial-qemu.log").string();
  const std::string unused = (fs::path(scratch_dir) / "kvm-trial-ttyS1.log").string();
  for (const std::string& f : {console, log, unused}) fs::remove(f);
  QemuOptions o;
  o.vmlinuz = vmlinuz;
  o.cmdline = KernelCmdline();
  o.console_log = console;
  o.results = unused;
  o.kvm = true;
  o.cpus = 1;
  o.memory = "256M";
  o.program = qemu;
  volatile std::sig_atomic_t reached = 0;
  ProgramRun run;
  run.argv = QemuArgv(o);
  run.output_file = log;
  run.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(timeout_s));
  run.stop = &reached;
  run.tick = [&] {
    if (ReadAll(console).find(kKernelBanner) != std::string::npos) reached = 1;
  };
  ProgramResult r = RunProgram(run);
  if (ReadAll(console).find(kKernelBanner) != std::string::npos)
    return {true, fmt::format("KVM: a trial boot reached the kernel in {:.1f} s", r.seconds)};
  std::string said = LastWords(ReadAll(log));
  return {false,
          fmt::format("KVM trial boot did not reach the kernel (qemu: {}{}{}): QEMU TCG",
                      r.status.timed_out ? fmt::format("no kernel line within {:.0f} s", timeout_s)
                                         : r.status.Describe(),
                      said.empty() ? "" : ": ", said)};
}

std::string FindQemu() { return FindOnPath("qemu-system-x86_64"); }

}  // namespace nsprobe::matrix
