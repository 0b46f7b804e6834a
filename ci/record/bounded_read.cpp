#include "ci/record/bounded_read.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ci/record/input_error.hpp"

namespace nsprobe::record {
namespace {

// What a file that is not a regular file is, in words.
const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int Get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string DescribeSize(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0)
    return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

std::string ReadBounded(const std::string& path, std::size_t limit) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait; it is refused below anyway.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.Get() < 0) {
    const int err = errno;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw InputError(fmt::format("{}: {}, not a file; give the path of a regular file", path,
                                   KindOf(st.st_mode)));
    throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd.Get(), &st) != 0)
    throw InputError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw InputError(fmt::format("{}: {}, not a file; give the path of a regular file", path,
                                 KindOf(st.st_mode)));
  const std::string too_big = fmt::format(
      "{}: larger than {}, the most nsprobe reads; give the file nsprobe wrote, not another", path,
      DescribeSize(limit));
  if (static_cast<std::size_t>(st.st_size) > limit) throw InputError(too_big);
  std::string body;
  body.resize(static_cast<std::size_t>(st.st_size) + 1);  // one more: a file that grew shows
  std::size_t done = 0;
  for (;;) {
    if (done == body.size()) {
      if (body.size() > limit) throw InputError(too_big);
      body.resize(std::min(limit + 1, body.size() * 2));
    }
    const ssize_t n = ::read(fd.Get(), body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done > limit) throw InputError(too_big);
  body.resize(done);
  return body;
}

}  // namespace nsprobe::record
