#include "runtime/temp_dir.hpp"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace nsprobe {

TempDir::TempDir(std::string_view prefix, mode_t mode) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp(" + pattern + ")");
  path_ = pattern;
  if (mode != 0700 && ::chmod(path_.c_str(), mode) != 0) {
    const int e = errno;
    ::rmdir(path_.c_str());
    throw std::system_error(e, std::generic_category(), "chmod(" + path_ + ")");
  }
}

TempDir::~TempDir() {
  // Depth first, so directories are empty when their turn comes; FTW_MOUNT stays on our file
  // system and FTW_PHYS follows no symlink out of the tree.
  ::nftw(
      path_.c_str(),
      [](const char* path, const struct stat*, int, FTW*) {
        (void)std::remove(path);  // what cannot go stays, for a hygiene check to report
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

}  // namespace nsprobe
