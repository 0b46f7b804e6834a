// Host programs the matrix drives (apt-get, dpkg-deb, ldd, objcopy, qemu): run with a
// timeout, their output kept in a log file so an error can quote it.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/child.hpp"

namespace nsprobe::matrix {

struct Ran {
  ExitStatus status;
  double seconds = 0;
  std::string output;  // stdout+stderr, when captured (Capture), else empty
};

// Runs argv with stdin from /dev/null and stdout+stderr appended to `log`; kills it at the
// timeout. `tick` runs about twice a second while it runs; `cwd` (absolute) is its working
// directory when not empty. Throws std::system_error when the log cannot be opened or the
// program cannot be started.
Ran RunLogged(const std::vector<std::string>& argv, const std::string& log, double timeout_s,
              const std::function<void()>& tick = nullptr, const std::string& cwd = "");

// Runs argv and returns what it printed. Throws std::runtime_error "<argv0>: <how it ended>:
// <the end of its output>" unless it exits 0.
std::string Capture(const std::vector<std::string>& argv, double timeout_s = 120);

// `program` found in $PATH (or the usual bin directories without one), as an absolute path,
// or empty.
std::string FindOnPath(const std::string& program);

// The lines of `text` without their "\n" (and any "\r" before it); no empty last line.
std::vector<std::string_view> Lines(std::string_view text);

// The last `max` bytes of `text`, starting at a line boundary.
std::string TailLines(const std::string& text, std::size_t max = 2000);

}  // namespace nsprobe::matrix
