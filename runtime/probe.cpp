#include "runtime/probe.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#include "runtime/fd.hpp"
#include "runtime/identity.hpp"
#include "runtime/proc_files.hpp"

namespace nsprobe {
namespace {

std::optional<long> ReadLong(const std::string& path) {
  std::string text;
  if (!TryReadFile(path, text)) return std::nullopt;
  try {
    return std::stol(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string ConfigName(Kind kind) {
  static constexpr const char* kNames[] = {"CONFIG_NAMESPACES", "CONFIG_UTS_NS", "CONFIG_IPC_NS",
                                           "CONFIG_NET_NS",     "CONFIG_PID_NS", "CONFIG_USER_NS",
                                           "CONFIG_CGROUPS",    "CONFIG_TIME_NS"};
  return kNames[static_cast<int>(kind)];
}

std::string Errno(int err) {
  const char* name = ::strerrorname_np(err);
  return name ? name : fmt::format("errno {}", err);
}

// A child reaching `kinds` in `mode`: privileged adds nothing, unprivileged a user namespace
// with the creator mapped to root, created as options.unprivileged when we are root (`as_uid`).
Spec TrialSpec(KindSet kinds, Mode mode, const ProbeOptions& options, uid_t& as_uid) {
  Spec spec;
  spec.kinds = kinds;
  as_uid = ::geteuid();
  if (mode == Mode::kUnprivileged) {
    spec.kinds.Add(Kind::kUser);
    spec.map_root = true;
    if (as_uid == 0) {
      spec.create_as = options.unprivileged;
      as_uid = options.unprivileged.uid;
    }
  }
  return spec;
}

// `compute(key)` once per key in this process, for facts every case would otherwise pay a
// clone for. Thread-safe.
template <typename Key, typename Compute>
std::string Once(const Key& key, Compute compute) {
  static std::mutex mu;
  static std::map<Key, std::string> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, compute(key)).first;
  return it->second;
}

}  // namespace

std::string_view ModeName(Mode mode) {
  return mode == Mode::kPrivileged ? "privileged" : "unprivileged";
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAvailable:
      return "available";
    case Verdict::kUnsupported:
      return "unsupported";
    case Verdict::kPolicy:
      return "policy";
    case Verdict::kPrivilege:
      return "privilege";
  }
  return "?";
}

PolicyKnobs ReadPolicyKnobs() {
  PolicyKnobs k;
  for (const KindInfo& info : AllKinds())
    k.max_namespaces[static_cast<std::size_t>(info.kind)] =
        ReadLong(fmt::format("/proc/sys/user/max_{}_namespaces", info.name));
  k.unprivileged_userns_clone = ReadLong("/proc/sys/kernel/unprivileged_userns_clone");
  k.apparmor_restrict_unprivileged_userns =
      ReadLong("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  std::string enable;
  if (TryReadFile("/sys/module/user_namespace/parameters/enable", enable)) {
    while (!enable.empty() && (enable.back() == '\n' || enable.back() == ' ')) enable.pop_back();
    k.user_namespace_enable = enable;
  }
  std::string status;
  if (TryReadFile("/proc/self/status", status))
    if (auto mode = proc::StatusField(status, "Seccomp")) k.seccomp_mode = std::atoi(mode->c_str());
  k.rootless = RootlessReason();
  k.proc_sys_read_only = ProcSysReadOnlyReason();
  return k;
}

std::string RootlessReason(uid_t euid, std::string_view uid_map) {
  if (euid != 0) return {};
  // The map's fields, whatever the kernel's column padding: "0 0 4294967295" on the host.
  std::string fields;
  for (std::size_t i = 0; i < uid_map.size();) {
    const std::size_t start = uid_map.find_first_not_of(" \t\n", i);
    if (start == std::string_view::npos) break;
    std::size_t end = uid_map.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = uid_map.size();
    if (!fields.empty()) fields += uid_map[start - 1] == '\n' ? ", " : " ";
    fields.append(uid_map.substr(start, end - start));
    i = end;
  }
  if (fields == "0 0 4294967295") return {};
  return fmt::format("rootless: root only inside a user namespace (uid_map '{}')", fields);
}

std::string RootlessReason() {
  std::string map;
  if (!TryReadFile("/proc/self/uid_map", map)) return {};
  return RootlessReason(::geteuid(), map);
}

int ProcSysReadOnlyInChild(const char* dir) {
  struct statvfs fs {};
  if (::statvfs(dir, &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) return 1;
  // A sysctl every kernel has; opening it for writing changes nothing.
  char path[256];
  std::size_t n = 0;
  for (const char* p : {dir, "/kernel/domainname"})
    for (; *p != '\0' && n + 1 < sizeof path; ++p) path[n++] = *p;
  path[n] = '\0';
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return 0;
  }
  return errno == EROFS ? EROFS : 0;
}

std::string ProcSysReadOnlyReason(const char* dir) {
  const int how = ProcSysReadOnlyInChild(dir);
  if (how == 0) return {};
  return fmt::format(
      "policy: read-only /proc/sys ({}: a container runtime mounts it so, and no "
      "sysctl can be written here)",
      how == 1 ? "mounted read-only, statvfs gives ST_RDONLY"
               : fmt::format("opening {}/kernel/domainname for writing gives EROFS", dir));
}

ProbeResult Classify(Kind kind, Mode mode, Step step, int err, const PolicyKnobs& knobs,
                     uid_t uid) {
  ProbeResult r{kind, mode, Verdict::kPolicy, {}, err};
  auto set = [&](Verdict v, std::string reason) {
    r.verdict = v;
    r.reason = fmt::format("{}: {}", VerdictName(v), reason);
    return r;
  };
  const bool via_user = mode == Mode::kUnprivileged;
  auto limit_of = [&](Kind k) { return knobs.max_namespaces[static_cast<std::size_t>(k)]; };
  const bool user_ns_disabled = knobs.user_namespace_enable &&
                                *knobs.user_namespace_enable != "Y" &&
                                *knobs.user_namespace_enable != "1";
  // Limits first: ENOSPC is the kernel's answer for all of them, root included.
  if (err == ENOSPC || err == EUSERS) {
    if (via_user && limit_of(Kind::kUser) == 0L)
      return set(Verdict::kPolicy, "user.max_user_namespaces=0");
    if (limit_of(kind) == 0L)
      return set(Verdict::kPolicy, fmt::format("user.max_{}_namespaces=0", Name(kind)));
    if (via_user && user_ns_disabled)
      return set(Verdict::kPolicy,
                 fmt::format("user_namespace.enable={}", *knobs.user_namespace_enable));
    return set(Verdict::kPolicy,
               fmt::format("a user.max_*_namespaces limit or the nesting depth is reached ({})",
                           Errno(err)));
  }
  // RHEL 7's boot switch makes CLONE_NEWUSER fail with EINVAL, as if CONFIG_USER_NS were off.
  if (step == Step::kClone && err == EINVAL && (via_user || kind == Kind::kUser) &&
      user_ns_disabled)
    return set(Verdict::kPolicy,
               fmt::format("user_namespace.enable={}", *knobs.user_namespace_enable));
  if (step == Step::kClone || step == Step::kTimeUnshare) {
    if (err == EINVAL)
      return set(Verdict::kUnsupported,
                 fmt::format("this kernel refuses {} (EINVAL): built without {}, or it refuses "
                             "this flag combination",
                             CloneFlagName(kind), ConfigName(kind)));
    if (err == ENOSYS)
      return set(
          Verdict::kPolicy,
          fmt::format("seccomp (mode {}) answers ENOSYS to clone3 and clone", knobs.seccomp_mode));
  }
  // Root's unprivileged mode first becomes `uid` (setgroups, setresgid, setresuid). Failing
  // there says nothing about namespaces: this process cannot become that user, as inside
  // `unshare -Ur`, where setgroups is denied and only root is mapped.
  //
  // In a rootless sandbox that maps one uid (unshare -Ur), the unprivileged mode is skipped
  // rather than run through a nested user namespace, by design: credentials are checked as
  // kernel uids, and every process of that sandbox, in any user namespace nested in it, runs as
  // the one outside uid its map names. A nested "uid 65534" without capabilities still owns
  // what that uid owns (run by root: it appends to a root-owned 0644 file), so the suites would
  // pass for a user that is not unprivileged. Where the sandbox maps more ids (subuid ranges),
  // the drop succeeds and the mode runs for real.
  if (step == Step::kDropToCreator)
    return set(
        Verdict::kPrivilege,
        fmt::format("{}the unprivileged mode runs as uid {}, which this process cannot become "
                    "({}: {}); {}run nsprobe outside this user namespace, as root or as a normal "
                    "user",
                    knobs.rootless.empty() ? "" : knobs.rootless + ": ", uid, Errno(err),
                    err == EINVAL  ? "that uid or gid is not mapped in this user namespace"
                    : err == EPERM ? "setgroups is denied in this user namespace, or CAP_SETUID or "
                                     "CAP_SETGID is missing"
                                   : "setgroups, setresgid or setresuid failed",
                    knobs.rootless.empty()
                        ? ""
                        : "a nested user namespace is no stand-in, since every process here runs "
                          "as the outside uid the map names and owns what it owns; "));
  if (err == EPERM || err == EACCES) {
    if (via_user && knobs.unprivileged_userns_clone == 0L)
      return set(Verdict::kPolicy, "kernel.unprivileged_userns_clone=0");
    if (via_user && knobs.apparmor_restrict_unprivileged_userns == 1L)
      return set(Verdict::kPolicy,
                 fmt::format("kernel.apparmor_restrict_unprivileged_userns=1 (the new user "
                             "namespace has no capabilities: {} at {})",
                             Errno(err), StepName(step)));
    if (knobs.seccomp_mode == 2)
      return set(Verdict::kPolicy, fmt::format("seccomp filter (Seccomp: 2) refuses {} with {}",
                                               StepName(step), Errno(err)));
    if (!via_user && uid != 0)
      return set(Verdict::kPrivilege,
                 fmt::format("creating a {} namespace without a user namespace needs CAP_SYS_ADMIN "
                             "(running as uid {})",
                             Name(kind), uid));
    if (via_user)
      return set(Verdict::kPolicy,
                 fmt::format("uid {} may not create a user namespace here ({} at {}; "
                             "a chroot or a security module)",
                             uid, Errno(err), StepName(step)));
    return set(Verdict::kPrivilege,
               fmt::format("{} at {}: CAP_SYS_ADMIN is missing", Errno(err), StepName(step)));
  }
  return set(Verdict::kUnsupported, fmt::format("{} failed with {}", StepName(step), Errno(err)));
}

const ProbeResult& ProbeReport::Get(Kind kind, Mode mode) const {
  for (const ProbeResult& r : results)
    if (r.kind == kind && r.mode == mode) return r;
  throw std::out_of_range("probe: no result for this kind and mode");
}

ProbeResult ProbeOne(Kind kind, Mode mode, const ProbeOptions& options) {
  const uid_t euid = ::geteuid();
  const PolicyKnobs knobs = ReadPolicyKnobs();
  if (!IdentityOf(0, kind))
    return ProbeResult{kind, mode, Verdict::kUnsupported,
                       fmt::format("unsupported: /proc/self/ns/{} is missing: this kernel lacks "
                                   "{} (first in Linux {})",
                                   Name(kind), ConfigName(kind), Info(kind).first_kernel),
                       ENOENT};
  if (mode == Mode::kPrivileged && euid != 0)
    return ProbeResult{
        kind, mode, Verdict::kPrivilege,
        fmt::format("privilege: the privileged mode needs root (running as uid {})", euid), EPERM};
  uid_t as_uid = euid;
  const Spec spec = TrialSpec(KindSet{kind}, mode, options, as_uid);
  try {
    Child child = Launch(spec, [] { return 0; }, {.style = CloneStyle::kCopy});
    ExitStatus st = child.Wait();
    if (!st.Success())
      return ProbeResult{kind, mode, Verdict::kUnsupported,
                         fmt::format("unsupported: the probe child ended with {}", st.Describe()),
                         0};
    return ProbeResult{kind, mode, Verdict::kAvailable, {}, 0};
  } catch (const StepError& e) {
    return Classify(kind, mode, e.step(), e.code().value(), knobs, as_uid);
  }
}

ProbeReport Probe(const ProbeOptions& options) {
  ProbeReport report;
  report.euid = ::geteuid();
  report.knobs = ReadPolicyKnobs();
  for (Mode mode : {Mode::kPrivileged, Mode::kUnprivileged}) {
    for (const KindInfo& k : AllKinds()) report.results.push_back(ProbeOne(k.kind, mode, options));
    report.fresh_proc[static_cast<std::size_t>(mode)] = FreshProcReason(mode, options);
  }
  LaunchReport lr;
  try {
    Launch(Spec{}, [] { return 0; }, {.style = CloneStyle::kCopy, .report = &lr}).Wait();
    report.clone3 = lr.used_clone3;
  } catch (const std::exception&) {
  }
  utsname u{};
  int ma = 0, mi = 0;
  if (::uname(&u) == 0 && std::sscanf(u.release, "%d.%d", &ma, &mi) == 2)
    report.setns_pidfd = ma > 5 || (ma == 5 && mi >= 8);
  UniqueFd uts(::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC));
  report.ns_get_id = uts && NsGetId(uts.Get()).Ok();
  return report;
}

std::string ProbeReasonOnce(Kind kind, Mode mode) {
  return Once(std::pair{kind, mode},
              [](const auto& key) { return ProbeOne(key.first, key.second).reason; });
}

std::string Clone3Reason(int err, int seccomp_mode) {
  if (err != ENOSYS) return {};
  if (seccomp_mode == 2)
    return "policy: seccomp filter (Seccomp: 2) answers ENOSYS to clone3, as Docker's default "
           "profile does (or this kernel predates clone3, Linux 5.3)";
  return "unsupported: this kernel has no clone3 (ENOSYS; it came in Linux 5.3)";
}

std::string Clone3Reason() {
  // A size below CLONE_ARGS_SIZE_VER0 is refused with EINVAL before anything is read.
  const long r = ::syscall(SYS_clone3, nullptr, 0);
  const int err = r < 0 ? errno : 0;  // before anything else can change errno
  return Clone3Reason(err, ReadPolicyKnobs().seccomp_mode);
}

std::string FreshProcRefusedReason(int err, std::string_view mountinfo) {
  if (err != EPERM && err != EACCES)
    return fmt::format("unsupported: mounting a fresh proc in a new pid namespace fails with {}",
                       Errno(err));
  // What covers part of /proc. binfmt_misc sits on a directory the kernel keeps permanently
  // empty (register_sysctl_mount_point), which mnt_already_visible does not count.
  std::string covered;
  for (const proc::MountInfo& m : proc::ParseMountInfo(mountinfo))
    if (m.mount_point.starts_with("/proc/") && m.mount_point != "/proc/sys/fs/binfmt_misc")
      covered += (covered.empty() ? "" : ", ") + m.mount_point;
  return fmt::format(
      "policy: a fresh proc is refused in a user namespace ({}): /proc has something mounted "
      "over it (mount_too_revealing){}",
      Errno(err),
      covered.empty()
          ? ", or its mount flags are locked stricter than a new proc's"
          : "; here " + covered + " (e.g. /proc/sys bound read-only, as containers do)");
}

std::string FreshProcReason(Mode mode, const ProbeOptions& options) {
  if (mode == Mode::kPrivileged && ::geteuid() != 0)
    return ProbeOne(Kind::kPid, mode, options).reason;
  uid_t as_uid = 0;
  Spec spec = TrialSpec(KindSet{Kind::kPid, Kind::kMnt}, mode, options, as_uid);
  spec.mount_proc = true;
  try {
    ExitStatus st = Launch(spec, [] { return 0; }, {.style = CloneStyle::kCopy}).Wait();
    if (!st.Success())
      return fmt::format("unsupported: the fresh-proc probe child ended with {}", st.Describe());
    return {};
  } catch (const StepError& e) {
    if (e.step() != Step::kMountProc)
      return Classify(Kind::kPid, mode, e.step(), e.code().value(), ReadPolicyKnobs(), as_uid)
          .reason;
    std::string mountinfo;
    TryReadFile("/proc/self/mountinfo", mountinfo);
    return FreshProcRefusedReason(e.code().value(), mountinfo);
  }
}

std::string FreshProcReasonOnce(Mode mode) {
  return Once(mode, [](Mode m) { return FreshProcReason(m); });
}

}  // namespace nsprobe
