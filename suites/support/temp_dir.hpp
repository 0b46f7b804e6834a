// A fresh directory for one test, reachable by an unprivileged child and removed at the end.
#pragma once

#include <string>
#include <string_view>

#include "runtime/temp_dir.hpp"

namespace nsprobe::testing {

// $TMPDIR (or /tmp)/nsprobe-<what>-XXXXXX, mode 0755 so that a child running as uid 65534 (or as
// root of a user namespace, which has no rights over the host's root) can reach it.
class TempDir : public nsprobe::TempDir {
 public:
  explicit TempDir(std::string_view what = "test")
      : nsprobe::TempDir("nsprobe-" + std::string(what) + "-", 0755) {}
};

}  // namespace nsprobe::testing
