#include "ci/record/atomic_files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

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

void CheckOutputDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path ancestor = fs::absolute(dir, ec);
  if (ec)
    throw record::InputError(fmt::format("{}: cannot create directory: {}", dir, ec.message()));
  struct stat st {};
  while (::stat(ancestor.c_str(), &st) != 0) {
    if (errno != ENOENT || ancestor == ancestor.parent_path())
      throw record::InputError(
          fmt::format("{}: cannot create directory: {}", dir, std::strerror(errno)));
    ancestor = ancestor.parent_path();
  }
  if (!S_ISDIR(st.st_mode))
    throw record::InputError(
        ancestor == fs::absolute(dir)
            ? fmt::format("{}: not a directory; give a directory for --out", dir)
            : fmt::format("{}: cannot create directory: {} is not a directory", dir,
                          ancestor.string()));
  // Where the new set will be made: beside `dir` when it exists, else in that ancestor.
  const fs::path where = ancestor == fs::absolute(dir) ? ancestor.parent_path() : ancestor;
  std::string probe = (where / ".nsprobe-write-test-XXXXXX").string();
  if (::mkdtemp(probe.data()) == nullptr)
    throw record::InputError(
        fmt::format("{}: cannot create directory: {}", dir, std::strerror(errno)));
  ::rmdir(probe.c_str());
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

void FileSet::CommitAsDirectory() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path target = fs::absolute(dir_, ec);
  if (ec)
    throw record::InputError(fmt::format("{}: cannot create directory: {}", dir_, ec.message()));
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    throw record::InputError(fmt::format("{}: cannot create directory: {}", dir_, ec.message()));
  std::string fresh =
      (target.parent_path() / fmt::format(".{}.new-XXXXXX", target.filename().string())).string();
  if (::mkdtemp(fresh.data()) == nullptr)
    throw record::InputError(
        fmt::format("{}: cannot create directory: {}", dir_, std::strerror(errno)));
  // mkdtemp makes it private; an output directory is as readable as any other made here.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(fresh.c_str(), 0777 & ~mask);
  auto fail = [&](const std::string& what, int err) {
    fs::remove_all(fresh, ec);
    throw record::InputError(fmt::format("{}: {}: {}", dir_, what, std::strerror(err)));
  };
  try {
    for (const auto& [name, content] : files_) WriteFileAtomic(fresh + "/" + name, content);
  } catch (...) {
    fs::remove_all(fresh, ec);
    throw;
  }
  if (::rename(fresh.c_str(), target.c_str()) == 0) return;  // none there, or an empty one
  if (errno != ENOTEMPTY && errno != EEXIST) fail("cannot replace the directory", errno);
  if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    fail("cannot replace the directory", errno);
  // `fresh` now holds the old set: keep what was not ours, drop the rest.
  std::set<std::string> ours;
  for (const auto& f : files_) ours.insert(f.first);
  for (const auto& e : fs::directory_iterator(fresh, ec)) {
    const std::string name = e.path().filename();
    if (!ours.contains(name)) ::rename(e.path().c_str(), (target / name).c_str());
  }
  fs::remove_all(fresh, ec);
}

}  // namespace nsprobe::record
