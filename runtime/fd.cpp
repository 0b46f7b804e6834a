#include "runtime/fd.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "runtime/syscalls.hpp"

namespace nsprobe {

Pipe Pipe::Make() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

UniqueFd OpenOrThrow(const char* path, int flags) {
  int fd = ::open(path, flags | O_CLOEXEC);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), fmt::format("open({})", path));
  return UniqueFd(fd);
}

bool TryReadFile(const std::string& path, std::string& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  out.clear();
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd.Get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::string ReadFile(const std::string& path) {
  std::string out;
  if (!TryReadFile(path, out))
    throw std::system_error(errno, std::generic_category(), fmt::format("read({})", path));
  return out;
}

void WriteFileOrThrow(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  ssize_t n = fd ? ::write(fd.Get(), data.data(), data.size()) : -1;
  if (n != static_cast<ssize_t>(data.size()))
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("write({}, \"{}\")", path, data));
}

NSPROBE_CHILD_SIDE int WriteOnceInChild(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  std::size_t len = std::strlen(text);
  ssize_t n = ::write(fd, text, len);
  int err = n == static_cast<ssize_t>(len) ? 0 : (n < 0 ? errno : EIO);
  ::close(fd);
  return err;
}

}  // namespace nsprobe
