#include "suites/support/temp_dir.hpp"

#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace nsprobe::testing {

TempDir::TempDir(std::string_view what) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("nsprobe-" + std::string(what) + "-XXXXXX"))
          .string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp(" + pattern + ")");
  path_ = pattern;
  if (::chmod(path_.c_str(), 0755) != 0)
    throw std::system_error(errno, std::generic_category(), "chmod(" + path_ + ", 0755)");
}

TempDir::~TempDir() {
  // Depth first, so directories are empty when their turn comes; FTW_MOUNT stays on our file
  // system and FTW_PHYS follows no symlink out of the tree.
  ::nftw(
      path_.c_str(),
      [](const char* path, const struct stat*, int, FTW*) {
        (void)std::remove(path);  // what cannot go stays, for the hygiene check to report
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

}  // namespace nsprobe::testing
