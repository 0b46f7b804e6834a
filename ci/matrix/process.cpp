#include "ci/matrix/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "runtime/fd.hpp"
#include "runtime/launch.hpp"

namespace nsprobe::matrix {
namespace {

using Clock = std::chrono::steady_clock;

UniqueFd OpenForLog(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (!fd) throw std::system_error(errno, std::generic_category(), "open(" + path + ")");
  return fd;
}

}  // namespace

Ran RunLogged(const std::vector<std::string>& argv, const std::string& log, double timeout_s,
              const std::function<void()>& tick, const std::string& cwd) {
  UniqueFd null = OpenForLog("/dev/null", O_RDONLY);
  UniqueFd out = OpenForLog(log, O_WRONLY | O_CREAT | O_APPEND);
  Spec spec;
  spec.fds = {{null.Get(), 0}, {out.Get(), 1}, {out.Get(), 2}};
  if (!cwd.empty()) spec.working_directory = cwd;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  Child child = Launch(spec, argv);
  null.Reset();
  out.Reset();
  // Poll the pidfd rather than block in Wait, so the caller can show progress.
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{child.PidFd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 500))) > 0) break;
    if (tick) tick();
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  Ran ran;
  ran.status = child.Wait(std::max(left, std::chrono::milliseconds(1)));
  ran.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return ran;
}

std::string Capture(const std::vector<std::string>& argv, double timeout_s) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "nsprobe-capture-XXXXXX").string();
  UniqueFd keep(::mkstemp(tmpl.data()));
  if (!keep) throw std::system_error(errno, std::generic_category(), "mkstemp(" + tmpl + ")");
  Ran ran;
  try {
    ran = RunLogged(argv, tmpl, timeout_s);
  } catch (...) {
    ::unlink(tmpl.c_str());
    throw;
  }
  std::string text;
  TryReadFile(tmpl, text);
  ::unlink(tmpl.c_str());
  if (!ran.status.Success())
    throw std::runtime_error(argv.front() + ": " + ran.status.Describe() + ": " + TailLines(text));
  return text;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::string TailLines(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t from = text.size() - max;
  std::size_t nl = text.find('\n', from);
  return "..." + text.substr(nl == std::string::npos ? from : nl + 1);
}

}  // namespace nsprobe::matrix
