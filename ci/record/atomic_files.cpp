#include "ci/record/atomic_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ci/record/input_error.hpp"

namespace nsprobe::record {
namespace {

std::string TempPathFor(const std::string& path) {
  std::filesystem::path p(path);
  return (p.parent_path() / fmt::format(".{}.tmp-{}", p.filename().string(), ::getpid())).string();
}

// Writes a temporary file for `path`; returns its name. Throws naming `path`.
std::string WriteTemp(const std::string& path, std::string_view content) {
  std::string tmp = TempPathFor(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw record::InputError(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw record::InputError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  // Flushed before the rename, so a crash never exposes a renamed but empty file.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw record::InputError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
  }
  return tmp;
}

}  // namespace

void PrepareOutputDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw record::InputError(fmt::format("{}: cannot create directory: {}", dir, ec.message()));
  if (!std::filesystem::is_directory(dir))
    throw record::InputError(fmt::format("{}: not a directory", dir));
  std::string probe = (std::filesystem::path(dir) / ".nsprobe-write-test").string();
  std::string tmp = WriteTemp(probe, "");
  ::unlink(tmp.c_str());
}

void WriteFileAtomic(const std::string& path, std::string_view content) {
  std::string tmp = WriteTemp(path, content);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw record::InputError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
  }
}

void FileSet::Add(std::string name, std::string content) {
  files_.emplace_back(std::move(name), std::move(content));
}

void FileSet::Commit() {
  std::vector<std::pair<std::string, std::string>> written;  // temp -> final
  try {
    for (const auto& [name, content] : files_) {
      std::string path = (std::filesystem::path(dir_) / name).string();
      written.emplace_back(WriteTemp(path, content), path);
    }
  } catch (...) {
    for (const auto& [tmp, path] : written) ::unlink(tmp.c_str());
    throw;
  }
  for (const auto& [tmp, path] : written) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      for (const auto& [t, p] : written) ::unlink(t.c_str());
      throw record::InputError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
    }
  }
}

}  // namespace nsprobe::record
