// `nsprobe matrix`'s work, apart from its command line: the suites on the host and on other
// kernels booted under QEMU, one record per kernel, and a report with kernels as columns.
#pragma once

#include <string>
#include <vector>

namespace nsprobe::matrix {

struct MatrixOptions {
  // Kernels: "host", a Debian package name or a vmlinuz path (PATH[:MODULES_DIR]).
  std::vector<std::string> kernels;
  std::string out, cache, suites_dir;
  // "builtin" (nsprobe's own QEMU runner) or "lava" (lava-run from lava-dispatcher).
  std::string engine = "builtin";
  bool bench = false, rt = false;
  double timeout = 1200, suite_timeout = 300;
  int cpus = 2;
  std::string memory = "1G";
};

// Runs every kernel of `options` (the defaults when none is named), writes each kernel's record
// and the matrix report under options.out, prints what differs. Returns 0 when nothing
// failed, 1 when a case failed or a kernel could not run. Throws std::invalid_argument for bad
// input (a missing QEMU, a package apt does not know), found before anything runs, and
// record::InputError for an output directory that cannot be used.
int RunMatrix(MatrixOptions options);

}  // namespace nsprobe::matrix
