#include "runtime/time.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/fd.hpp"
#include "runtime/syscalls.hpp"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsprobe::time {

std::string OffsetsText(const Spec& spec) {
  std::string out;
  if (spec.monotonic_offset)
    out += fmt::format("monotonic {} {}\n", spec.monotonic_offset->seconds,
                       spec.monotonic_offset->nanoseconds);
  if (spec.boottime_offset)
    out += fmt::format("boottime {} {}\n", spec.boottime_offset->seconds,
                       spec.boottime_offset->nanoseconds);
  return out;
}

NSPROBE_CHILD_SIDE int WriteOffsetsInChild(const char* text) {
  return WriteOnceInChild("/proc/self/timens_offsets", text);
}

NSPROBE_CHILD_SIDE int EnterTimeForChildrenInChild() {
  int fd = ::open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::setns(fd, CLONE_NEWTIME) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace nsprobe::time
