// Names, hints and the exception for launch steps: what a failed step tells its reader.
#include "runtime/step.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nsprobe {
namespace {

constexpr std::string_view kStepNames[] = {
    "ready",        "pdeathsig",     "wait-for-parent", "drop-to-creator", "clone",
    "join",         "join-fork",     "setgroups",       "gid_map",         "uid_map",
    "time-unshare", "time-offsets",  "time-enter",      "become-root",     "hostname",
    "domainname",   "mount-private", "mount-proc",      "loopback",        "chdir",
    "descriptors",  "exec",
};
static_assert(std::size(kStepNames) == static_cast<std::size_t>(Step::kCount));

}  // namespace

std::string_view StepName(Step step) {
  auto i = static_cast<std::size_t>(step);
  return i < std::size(kStepNames) ? kStepNames[i] : "unknown-step";
}

std::string_view StepFile(Step step) {
  switch (step) {
    case Step::kSetgroups:
      return "setgroups";
    case Step::kGidMap:
      return "gid_map";
    case Step::kUidMap:
      return "uid_map";
    default:
      return {};
  }
}

std::string_view StepHint(Step step, int err) {
  switch (step) {
    case Step::kClone:
      if (err == EPERM)
        return "creating these namespaces needs CAP_SYS_ADMIN; unprivileged, add the user kind "
               "(and check kernel.unprivileged_userns_clone, "
               "kernel.apparmor_restrict_unprivileged_userns or a seccomp filter)";
      if (err == ENOSPC || err == EUSERS)
        return "a user.max_<kind>_namespaces limit or the nesting depth (32) is reached";
      if (err == EINVAL)
        return "this kernel lacks one of the kinds (CONFIG_*_NS) or the flags conflict";
      if (err == ENOMEM) return "the pid namespace's init has exited, or memory is short";
      return {};
    case Step::kDropToCreator:
      return "creating namespaces as another user needs root (CAP_SETUID, CAP_SETGID)";
    case Step::kSetgroups:
    case Step::kGidMap:
    case Step::kUidMap:
      if (err == EPERM)
        return "an unprivileged creator may map only its own id, in one line, and gid_map "
               "needs setgroups \"deny\" first; other maps need CAP_SETUID/CAP_SETGID in the "
               "parent user namespace (run as root), and a map is written only once";
      if (err == EINVAL)
        return "the kernel rejected the map: overlapping ranges, a zero count or too many lines";
      if (err == EACCES)
        return "the map file is not writable: a security module (AppArmor's unprivileged_userns "
               "profile) may deny it";
      return {};
    case Step::kJoin:
      if (err == EPERM && ::geteuid() == 0)
        return "root here lacks CAP_SYS_ADMIN over them: they belong to a user namespace this "
               "nsprobe is not privileged in (it runs in a container or user namespace); run it "
               "from the namespaces' owner, e.g. on the host";
      if (err == EPERM)
        return "entering these namespaces needs CAP_SYS_ADMIN over them: run as root or as their "
               "owner";
      if (err == EINVAL)
        return "a namespace cannot be entered this way (your own user namespace, an ancestor pid "
               "namespace, or a multithreaded caller)";
      if (err == ESRCH) return "the target process has exited";
      return {};
    case Step::kTimeUnshare:
      return err == EINVAL ? "this kernel has no time namespaces (CONFIG_TIME_NS, Linux 5.6+)" : "";
    case Step::kTimeOffsets:
      if (err == EACCES)
        return "offsets can be written only before any process enters the time namespace";
      if (err == EPERM) return "writing offsets needs CAP_SYS_TIME in the time namespace's owner";
      if (err == ERANGE) return "the offset would make a clock negative or overflow";
      return {};
    case Step::kHostname:
    case Step::kDomainname:
      return err == EPERM ? "setting names needs CAP_SYS_ADMIN in the uts namespace's owner" : "";
    case Step::kMountProc:
      if (err == EPERM)
        return "mounting proc in a user namespace needs a fully visible /proc (no masked or "
               "read-only paths) and the new pid namespace";
      return {};
    case Step::kExec:
      if (err == ENOENT) return "the program or its interpreter is missing";
      if (err == EACCES)
        return "the program is not executable, or its filesystem is mounted noexec";
      return {};
    default:
      return {};
  }
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

StepError::StepError(Step step, int err, std::string_view detail)
    : std::system_error(err, std::generic_category()), step_(step) {
  const char* errname = ::strerrorname_np(err);
  message_ = fmt::format("launch step '{}' failed: {}: {} ({})", StepName(step), detail,
                         std::strerror(err), errname ? errname : "?");
  std::string_view hint = StepHint(step, err);
  if (!hint.empty()) message_ += fmt::format(" — {}", hint);
}

}  // namespace nsprobe
