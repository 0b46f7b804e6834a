// Namespace identity: {kind, dev, inode} of /proc/PID/ns/<kind>, and the nsfs ioctls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/fd.hpp"
#include "runtime/kind.hpp"

namespace nsprobe {

struct NsIdentity {
  Kind kind = Kind::kMnt;
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const NsIdentity&) const = default;
  // "uts:[4026531838]", as readlink shows it.
  std::string ToString() const;
};

// The /proc entry for a kind ("/proc/123/ns/net"); pid 0 means self. `entry` overrides the
// file name, for pid_for_children and time_for_children.
std::string NsPath(pid_t pid, Kind kind, const char* entry = nullptr);
// Identity of a process's namespace; nullopt with errno set when the entry cannot be read
// (the process is gone, or the kernel lacks the kind).
std::optional<NsIdentity> IdentityOf(pid_t pid, Kind kind, const char* entry = nullptr);
// Identity of an open namespace descriptor; throws std::system_error.
NsIdentity IdentityOfFd(int fd, Kind kind);
// readlink of the entry: "net:[4026532008]"; throws std::system_error.
std::string ReadNsLink(pid_t pid, Kind kind, const char* entry = nullptr);
// Whether `fd` refers to an nsfs file.
bool IsNsfs(int fd);

// The answer of an nsfs ioctl.
struct NsAnswer {
  std::int64_t value = -1;  // the number returned (type, uid, id), or a new descriptor
  int err = 0;              // errno when the kernel refused
  // An nsfs descriptor answered ENOTTY: this kernel does not have the ioctl.
  bool unsupported = false;
  bool Ok() const { return err == 0; }
};

NsAnswer NsGetType(int fd);      // NS_GET_NSTYPE (4.11): the CLONE_NEW* flag
NsAnswer NsGetOwnerUid(int fd);  // NS_GET_OWNER_UID (4.11): user namespaces only
NsAnswer NsGetId(int fd);        // NS_GET_ID (6.18): a 64-bit id, never reused
// NS_GET_USERNS (4.9) and NS_GET_PARENT (4.9) return new descriptors: owned here.
struct NsFdAnswer {
  UniqueFd fd;
  int err = 0;
  bool unsupported = false;
  bool Ok() const { return err == 0; }
};
NsFdAnswer NsGetUserns(int fd);
NsFdAnswer NsGetParent(int fd);

}  // namespace nsprobe
