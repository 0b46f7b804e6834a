// A fresh directory for one test, reachable by an unprivileged child and removed at the end.
#pragma once

#include <string>
#include <string_view>

namespace nsprobe::testing {

// $TMPDIR (or /tmp)/nsprobe-<what>-XXXXXX, mode 0755 so that a child running as uid 65534 (or as
// root of a user namespace, which has no rights over the host's root) can reach it. Removed with
// what is left in it, never across a mount point: a mount that leaked into our namespace stays (for
// the hygiene check to see) and its contents are not touched.
class TempDir {
 public:
  explicit TempDir(std::string_view what = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& Path() const { return path_; }
  std::string Sub(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

}  // namespace nsprobe::testing
