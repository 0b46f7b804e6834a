// Shared pieces of the nsprobe subcommands: usage errors and the common option parsers.
#pragma once

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/child.hpp"
#include "runtime/spec.hpp"

namespace nsprobe::cli {

// Bad input on the command line: printed as one line, exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitUsage = 2;

// A subcommand: its options are registered on `app`; `run` runs after parsing with the
// words that followed "--" (empty when there was no "--").
struct Command {
  CLI::App* app = nullptr;
  std::function<int(const std::vector<std::string>& after_dashes, bool had_dashes)> run;
};

void AddExec(CLI::App& root, std::vector<Command>& commands);
void AddEnter(CLI::App& root, std::vector<Command>& commands);
void AddProbe(CLI::App& root, std::vector<Command>& commands);
void AddFingerprint(CLI::App& root, std::vector<Command>& commands);
void AddHygiene(CLI::App& root, std::vector<Command>& commands);
// Run records: run the suites and write the record and its renderings; re-render a record;
// compare records or benchmark files; keep and check a history of runs.
void AddRun(CLI::App& root, std::vector<Command>& commands);
void AddReport(CLI::App& root, std::vector<Command>& commands);
void AddCompare(CLI::App& root, std::vector<Command>& commands);
void AddHistory(CLI::App& root, std::vector<Command>& commands);
// The kernel matrix: the suites on the host and on other kernels under QEMU (ci/matrix/).
void AddMatrix(CLI::App& root, std::vector<Command>& commands);

// The exit status a shell would give for a command's end: its code, or 128 + signal.
int ShellStatus(const ExitStatus& status);

}  // namespace nsprobe::cli
