// RAII file descriptors.
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

namespace nsprobe {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int Get() const { return fd_; }
  bool Valid() const { return fd_ >= 0; }
  explicit operator bool() const { return Valid(); }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A close-on-exec pipe. Throws std::system_error when the kernel refuses one.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
  static Pipe Make();
};

// open(2) with O_CLOEXEC; throws std::system_error naming the path.
UniqueFd OpenOrThrow(const char* path, int flags);

// Reads a whole small file (e.g. under /proc); throws std::system_error naming the path.
std::string ReadFile(const std::string& path);
// Reads a whole small file; returns false (errno set) instead of throwing.
bool TryReadFile(const std::string& path, std::string& out);
// Writes `data` to an existing file in one write(2); throws std::system_error naming the
// path and the data.
void WriteFileOrThrow(const std::string& path, std::string_view data);
// Writes `text` to an existing file in one write(2), as /proc/PID/{uid_map,gid_map,setgroups}
// and /proc/sys files require; 0 or an errno (EIO for a short write). Async-signal-safe.
int WriteOnceInChild(const char* path, const char* text);

}  // namespace nsprobe
