#include "runtime/identity.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <system_error>

// Linux 6.18 (Debian 12's headers predate it).
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 13, __u64)
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace nsprobe {
namespace {

template <typename Answer>
void Fill(Answer& a, int fd) {
  a.err = errno;
  a.unsupported = a.err == ENOTTY && IsNsfs(fd);
}

NsFdAnswer FdIoctl(int fd, unsigned long request) {
  NsFdAnswer a;
  int r = ::ioctl(fd, request);
  if (r < 0) {
    Fill(a, fd);
  } else {
    a.fd.Reset(r);
  }
  return a;
}

}  // namespace

std::string NsIdentity::ToString() const { return fmt::format("{}:[{}]", Name(kind), ino); }

std::string NsPath(pid_t pid, Kind kind, const char* entry) {
  std::string_view name = entry ? std::string_view(entry) : Name(kind);
  return pid == 0 ? fmt::format("/proc/self/ns/{}", name)
                  : fmt::format("/proc/{}/ns/{}", pid, name);
}

std::optional<NsIdentity> IdentityOf(pid_t pid, Kind kind, const char* entry) {
  struct stat st {};
  if (::stat(NsPath(pid, kind, entry).c_str(), &st) != 0) return std::nullopt;
  return NsIdentity{kind, st.st_dev, st.st_ino};
}

NsIdentity IdentityOfFd(int fd, Kind kind) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw std::system_error(errno, std::generic_category(), "fstat(ns fd)");
  return NsIdentity{kind, st.st_dev, st.st_ino};
}

std::string ReadNsLink(pid_t pid, Kind kind, const char* entry) {
  std::string path = NsPath(pid, kind, entry);
  char buf[128];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0)
    throw std::system_error(errno, std::generic_category(), fmt::format("readlink({})", path));
  return std::string(buf, static_cast<std::size_t>(n));
}

bool IsNsfs(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

NsAnswer NsGetType(int fd) {
  NsAnswer a;
  int r = ::ioctl(fd, NS_GET_NSTYPE);
  if (r < 0)
    Fill(a, fd);
  else
    a.value = r;
  return a;
}

NsAnswer NsGetOwnerUid(int fd) {
  NsAnswer a;
  uid_t uid = 0;
  if (::ioctl(fd, NS_GET_OWNER_UID, &uid) < 0)
    Fill(a, fd);
  else
    a.value = uid;
  return a;
}

NsAnswer NsGetId(int fd) {
  NsAnswer a;
  __u64 id = 0;
  if (::ioctl(fd, NS_GET_ID, &id) < 0)
    Fill(a, fd);
  else
    a.value = static_cast<std::int64_t>(id);
  return a;
}

NsFdAnswer NsGetUserns(int fd) { return FdIoctl(fd, NS_GET_USERNS); }
NsFdAnswer NsGetParent(int fd) { return FdIoctl(fd, NS_GET_PARENT); }

}  // namespace nsprobe
