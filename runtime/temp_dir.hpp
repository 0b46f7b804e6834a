// A private directory that lives as long as its owner: for a run's scratch files, a test's
// fixtures, a guest's staging area. The one way nsprobe makes a temporary directory.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace nsprobe {

// $TMPDIR (or /tmp)/<prefix>XXXXXX with `mode`, removed with what is left in it when the
// object goes. Removal never crosses a mount point and follows no symlink: a mount that leaked
// into our namespace stays (for a hygiene check to see) and what it covers is not touched.
class TempDir {
 public:
  // Throws std::system_error naming mkdtemp or chmod and the path.
  explicit TempDir(std::string_view prefix, mode_t mode = 0700);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& Path() const { return path_; }
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace nsprobe
