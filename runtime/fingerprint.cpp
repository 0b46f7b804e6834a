#include "runtime/fingerprint.hpp"

#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <thread>

#include "runtime/fd.hpp"
#include "runtime/probe.hpp"
#include "runtime/proc_files.hpp"

namespace nsprobe {
namespace {

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string ReadOr(const std::string& path, const std::string& fallback) {
  std::string text;
  return TryReadFile(path, text) ? Trimmed(text) : fallback;
}

// The kernel's build configuration: /proc/config.gz (IKCONFIG_PROC) or /boot/config-<release>.
std::string KernelConfig(const std::string& release, std::string& source) {
  if (gzFile gz = ::gzopen("/proc/config.gz", "rb")) {
    std::string out;
    std::array<char, 8192> buf;
    int n;
    while ((n = ::gzread(gz, buf.data(), buf.size())) > 0)
      out.append(buf.data(), static_cast<std::size_t>(n));
    ::gzclose(gz);
    if (!out.empty()) {
      source = "/proc/config.gz";
      return out;
    }
  }
  std::string path = "/boot/config-" + release;
  std::string text;
  if (TryReadFile(path, text)) {
    source = path;
    return text;
  }
  source = "unavailable";
  return {};
}

std::string CgroupVersion() {
  struct statfs fs {};
  if (::statfs("/sys/fs/cgroup", &fs) != 0) return "none";
  if (fs.f_type == CGROUP2_SUPER_MAGIC) return "v2";
  struct statfs unified {};
  if (::statfs("/sys/fs/cgroup/unified", &unified) == 0 && unified.f_type == CGROUP2_SUPER_MAGIC)
    return "hybrid";
  return "v1";
}

}  // namespace

Fingerprint TakeFingerprint() {
  Fingerprint fp;
  utsname u{};
  ::uname(&u);
  fp.emplace_back("kernel.release", u.release);
  fp.emplace_back("kernel.version", u.version);
  fp.emplace_back("arch", u.machine);
  fp.emplace_back("host", u.nodename);
  std::string os = ReadOr("/etc/os-release", "");
  fp.emplace_back("distro", proc::ConfigValue(os, "PRETTY_NAME").value_or("unknown"));
  std::string cpuinfo = ReadOr("/proc/cpuinfo", "");
  fp.emplace_back("cpu.model", proc::StatusField(cpuinfo, "model name").value_or("unknown"));
  fp.emplace_back("cpu.count", std::to_string(std::thread::hardware_concurrency()));
  std::string flags = proc::StatusField(cpuinfo, "flags").value_or("");
  fp.emplace_back("virtualization",
                  flags.find("hypervisor") != std::string::npos ? "hypervisor" : "none seen");
  fp.emplace_back("cgroup.version", CgroupVersion());
  fp.emplace_back("rcu.expedited", ReadOr("/sys/kernel/rcu_expedited", "unknown"));
  fp.emplace_back("rcu.normal", ReadOr("/sys/kernel/rcu_normal", "unknown"));
  std::string source;
  std::string config = KernelConfig(u.release, source);
  fp.emplace_back("config.source", source);
  for (const char* key :
       {"CONFIG_UTS_NS", "CONFIG_IPC_NS", "CONFIG_USER_NS", "CONFIG_PID_NS", "CONFIG_NET_NS",
        "CONFIG_CGROUPS", "CONFIG_TIME_NS", "CONFIG_PREEMPT", "CONFIG_PREEMPT_DYNAMIC",
        "CONFIG_PREEMPT_RT", "CONFIG_PREEMPT_RCU", "CONFIG_HZ"})
    fp.emplace_back(fmt::format("config.{}", key),
                    config.empty() ? "unknown" : proc::ConfigValue(config, key).value_or("n"));
  fp.emplace_back("euid", std::to_string(::geteuid()));
  std::string status = ReadOr("/proc/self/status", "");
  fp.emplace_back("cap.effective", proc::StatusField(status, "CapEff").value_or("unknown"));
  PolicyKnobs k = ReadPolicyKnobs();
  auto opt = [](const std::optional<long>& v) {
    return v ? std::to_string(*v) : std::string("absent");
  };
  for (const KindInfo& info : AllKinds())
    fp.emplace_back(fmt::format("user.max_{}_namespaces", info.name),
                    opt(k.max_namespaces[static_cast<std::size_t>(info.kind)]));
  fp.emplace_back("kernel.unprivileged_userns_clone", opt(k.unprivileged_userns_clone));
  fp.emplace_back("kernel.apparmor_restrict_unprivileged_userns",
                  opt(k.apparmor_restrict_unprivileged_userns));
  fp.emplace_back("user_namespace.enable", k.user_namespace_enable.value_or("absent"));
  fp.emplace_back("seccomp", std::to_string(k.seccomp_mode));
  return fp;
}

bool IsPerformanceKey(const std::string& key) {
  return key == "kernel.release" || key == "arch" || key == "cpu.model" || key == "cpu.count" ||
         key == "virtualization" || key.starts_with("rcu.") ||
         key.starts_with("config.CONFIG_PREEMPT") || key == "config.CONFIG_HZ";
}

}  // namespace nsprobe
