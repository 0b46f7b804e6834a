#include "runtime/uts.hpp"

#include <unistd.h>

#include <cerrno>

namespace nsprobe::uts {

int SetHostnameInChild(const char* name, std::size_t len) {
  return name == nullptr || ::sethostname(name, len) == 0 ? 0 : errno;
}

int SetDomainnameInChild(const char* name, std::size_t len) {
  return name == nullptr || ::setdomainname(name, len) == 0 ? 0 : errno;
}

}  // namespace nsprobe::uts
