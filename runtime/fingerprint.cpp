#include "runtime/fingerprint.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
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

// Why `text` is not a kernel configuration, or empty when it is: one that the kernel's
// `make *config` wrote has "CONFIG_X=..." or "# CONFIG_X is not set" lines, and nothing else
// but comments and blank lines.
std::string NotAConfig(std::string_view text) {
  if (text.empty()) return "empty";
  bool any = false;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || (line.starts_with("#") && !line.starts_with("# CONFIG_"))) continue;
    const bool set = line.starts_with("CONFIG_") && line.find('=') != std::string_view::npos;
    const bool unset = line.starts_with("# CONFIG_") && line.ends_with(" is not set");
    if (!set && !unset)
      return fmt::format("not a kernel config (line '{}' is neither CONFIG_...= nor a comment)",
                         line.substr(0, 40));
    any = true;
  }
  return any ? "" : "not a kernel config (no CONFIG_ line)";
}

// The whole gzip stream, or why not. A file that is not gzip at all is refused: zlib would
// otherwise pass it through as it is.
std::string Gunzip(const std::string& path, std::string& out) {
  gzFile gz = ::gzopen(path.c_str(), "rb");
  if (gz == nullptr) return fmt::format("cannot open ({})", std::strerror(errno));
  std::array<char, 8192> buf;
  int n;
  while ((n = ::gzread(gz, buf.data(), buf.size())) > 0)
    out.append(buf.data(), static_cast<std::size_t>(n));
  std::string why;
  int code = Z_OK;
  const char* message = ::gzerror(gz, &code);
  if (n < 0 || code != Z_OK)
    why = fmt::format("corrupt gzip stream ({})", message != nullptr ? message : "zlib error");
  else if (::gzdirect(gz) != 0)
    why = "not gzip-compressed";
  ::gzclose(gz);
  return why;
}

}  // namespace

KernelConfig ReadKernelConfig(const ConfigPaths& paths) {
  std::vector<std::string> unreadable;
  struct stat st {};
  if (::stat(paths.proc_config.c_str(), &st) == 0) {
    std::string text;
    std::string why = Gunzip(paths.proc_config, text);
    if (why.empty()) why = NotAConfig(text);
    if (why.empty()) return {paths.proc_config, std::move(text)};
    unreadable.push_back(fmt::format("{}: {}", paths.proc_config, why));
  }
  std::string boot = paths.boot_config;
  if (boot.empty()) {
    utsname u{};
    ::uname(&u);
    boot = fmt::format("/boot/config-{}", u.release);
  }
  if (::stat(boot.c_str(), &st) == 0) {
    std::string text;
    std::string why = TryReadFile(boot, text) ? NotAConfig(text) : "cannot be read";
    if (why.empty()) return {boot, std::move(text)};
    unreadable.push_back(fmt::format("{}: {}", boot, why));
  }
  if (unreadable.empty()) return {"unavailable", {}};
  return {fmt::format("unreadable: {}", fmt::join(unreadable, "; ")), {}};
}

namespace {

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

Fingerprint TakeFingerprint(const ConfigPaths& paths) {
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
  const KernelConfig config = ReadKernelConfig(paths);
  fp.emplace_back("config.source", config.source);
  if (!config.text.empty())
    for (const char* key :
         {"CONFIG_UTS_NS", "CONFIG_IPC_NS", "CONFIG_USER_NS", "CONFIG_PID_NS", "CONFIG_NET_NS",
          "CONFIG_CGROUPS", "CONFIG_TIME_NS", "CONFIG_PREEMPT", "CONFIG_PREEMPT_DYNAMIC",
          "CONFIG_PREEMPT_RT", "CONFIG_PREEMPT_RCU", "CONFIG_HZ"})
      fp.emplace_back(fmt::format("config.{}", key),
                      proc::ConfigValue(config.text, key).value_or("n"));
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
