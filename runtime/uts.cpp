#include "runtime/uts.hpp"

#include <unistd.h>

#include <cerrno>

#include "runtime/syscalls.hpp"

namespace nsprobe::uts {

NSPROBE_CHILD_SIDE int SetHostnameInChild(const char* name, std::size_t len) {
  return name == nullptr || ::sethostname(name, len) == 0 ? 0 : errno;
}

NSPROBE_CHILD_SIDE int SetDomainnameInChild(const char* name, std::size_t len) {
  return name == nullptr || ::setdomainname(name, len) == 0 ? 0 : errno;
}

}  // namespace nsprobe::uts
