#include "suites/support/namespaces.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "runtime/fd.hpp"
#include "runtime/identity.hpp"

namespace nsprobe::testing {

bool AdministersOwnNamespace(Kind kind) {
  if (::geteuid() != 0) return false;
  UniqueFd ns = OpenOrThrow(NsPath(0, kind).c_str(), O_RDONLY);
  NsFdAnswer owner = NsGetUserns(ns.Get());
  if (!owner.Ok()) return owner.unsupported;  // before 4.9 nothing tells; root is the best guess
  return IdentityOfFd(owner.fd.Get(), Kind::kUser) == IdentityOf(0, Kind::kUser);
}

bool SharesNamespace(pid_t pid, Kind kind) {
  auto theirs = IdentityOf(pid, kind), ours = IdentityOf(0, kind);
  return theirs && ours && *theirs == *ours;
}

std::string MaxNamespacesSysctl(Kind kind) {
  return "/proc/sys/user/max_" + std::string(Name(kind)) + "_namespaces";
}

}  // namespace nsprobe::testing
