#include "ci/matrix/process.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "runtime/tool.hpp"

namespace nsprobe::matrix {

Ran RunLogged(const std::vector<std::string>& argv, const std::string& log, double timeout_s,
              const std::function<void()>& tick, const std::string& cwd) {
  ProgramRun run;
  run.argv = argv;
  run.output_file = log;
  run.append = true;
  run.cwd = cwd;
  run.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(timeout_s));
  run.tick = tick;
  ProgramResult r = RunProgram(run);
  return {r.status, r.seconds, ""};
}

std::string Capture(const std::vector<std::string>& argv, double timeout_s) {
  ProgramRun run;
  run.argv = argv;
  run.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(timeout_s));
  ProgramResult r = RunProgram(run);
  std::string text = r.out + r.err;
  if (!r.status.Success())
    throw std::runtime_error(argv.front() + ": " + r.status.Describe() + ": " + TailLines(text));
  return text;
}

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(start, end - start)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
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
