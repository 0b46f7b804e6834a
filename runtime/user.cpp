#include "runtime/user.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/fd.hpp"
#include "runtime/step.hpp"
#include "runtime/syscalls.hpp"

namespace nsprobe::user {
namespace {

bool MapsZero(const IdMap& map) {
  for (const IdMapLine& l : map.lines)
    if (l.inside == 0) return true;
  return false;
}

}  // namespace

MapTexts PlanMaps(const Spec& spec, uid_t creator_uid, gid_t creator_gid, bool privileged) {
  MapTexts t;
  IdMap uid_map = spec.uid_map, gid_map = spec.gid_map;
  if (spec.map_root) {
    uid_map.lines = {{0, static_cast<std::uint32_t>(creator_uid), 1}};
    gid_map.lines = {{0, static_cast<std::uint32_t>(creator_gid), 1}};
  }
  t.uid_map = uid_map.ToProcText();
  t.gid_map = gid_map.ToProcText();
  switch (spec.setgroups) {
    case SetgroupsPolicy::kDeny:
      t.setgroups = "deny";
      break;
    case SetgroupsPolicy::kAllow:
      t.setgroups = "allow";
      break;
    case SetgroupsPolicy::kAuto:
      // Without CAP_SETGID in the parent namespace the kernel takes a gid map only after
      // setgroups is denied (user_namespaces(7), since 3.19).
      if (!privileged && !gid_map.Empty()) t.setgroups = "deny";
      break;
  }
  t.become_root = MapsZero(uid_map) && MapsZero(gid_map);
  return t;
}

void WriteIdMapsFromParent(pid_t pid, const MapTexts& maps) {
  const std::pair<Step, const std::string*> files[] = {{Step::kSetgroups, &maps.setgroups},
                                                       {Step::kGidMap, &maps.gid_map},
                                                       {Step::kUidMap, &maps.uid_map}};
  for (const auto& [step, text] : files) {
    if (text->empty()) continue;
    std::string path = fmt::format("/proc/{}/{}", pid, StepFile(step));
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? ::write(fd, text->data(), text->size()) : -1;
    int err = n == static_cast<ssize_t>(text->size()) ? 0 : (n < 0 ? errno : EIO);
    if (fd >= 0) ::close(fd);
    if (err != 0) throw StepError(step, err, fmt::format("write({}, {})", path, Quoted(*text)));
  }
}

NSPROBE_CHILD_SIDE int WriteIdMapsInChild(const char* setgroups, const char* gid_map,
                                          const char* uid_map, int* failed_step) {
  const struct {
    Step step;
    const char* path;
    const char* text;
  } files[] = {{Step::kSetgroups, "/proc/self/setgroups", setgroups},
               {Step::kGidMap, "/proc/self/gid_map", gid_map},
               {Step::kUidMap, "/proc/self/uid_map", uid_map}};
  for (const auto& f : files) {
    if (f.text == nullptr || f.text[0] == '\0') continue;
    int err = WriteOnceInChild(f.path, f.text);
    if (err != 0) {
      *failed_step = static_cast<int>(f.step);
      return err;
    }
  }
  return 0;
}

NSPROBE_CHILD_SIDE int BecomeRootInChild() {
  // Raw syscalls: glibc's setresuid() signals every thread it knows of, and after a raw clone
  // it knows the parent's threads.
  if (::syscall(SYS_setresgid, 0, 0, 0) != 0) return errno;
  if (::syscall(SYS_setresuid, 0, 0, 0) != 0) return errno;
  return 0;
}

NSPROBE_CHILD_SIDE int DropToCreatorInChild(Credentials creds) {
  if (::syscall(SYS_setgroups, 0, nullptr) != 0) return errno;
  if (::syscall(SYS_setresgid, creds.gid, creds.gid, creds.gid) != 0) return errno;
  if (::syscall(SYS_setresuid, creds.uid, creds.uid, creds.uid) != 0) return errno;
  // Changing euid made the memory non-dumpable, which would leave /proc/PID/*_map owned by
  // root and unwritable for the unprivileged child; the creator shares the caller's memory,
  // whose setting this restores.
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) return errno;
  return 0;
}

}  // namespace nsprobe::user
