#include "runtime/mnt.hpp"

#include <sys/mount.h>

#include <cerrno>

#include "runtime/syscalls.hpp"

namespace nsprobe::mnt {

NSPROBE_CHILD_SIDE int MakeMountsPrivateInChild() {
  return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 ? 0 : errno;
}

NSPROBE_CHILD_SIDE int MountProcInChild() {
  return ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0 ? 0
                                                                                          : errno;
}

}  // namespace nsprobe::mnt
