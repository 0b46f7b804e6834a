// The guard sandbox of `nsprobe run --negative-control`: a process in namespaces of its own
// (all but user: the suites keep root's real privileges, so their baseline is the host's),
// decorated so that a case which shares one of them by mistake sees something no fresh
// namespace has: a hostname and domain name, a marker message queue (SysV and POSIX), `lo` up,
// a tmpfs on a private directory of its own, its own pid numbering and /proc. It hides none of
// the user's files: the suites, the working directory and --out stay visible wherever they are.
// Inside it, each kind's suite runs twice: as it is (the baseline), then with the runtime
// withholding that kind; so do the cross-cutting suites' cases that declare the kind
// (suites/support/depends.hpp), their baseline run once for all kinds. The host is never
// exposed to a withheld kind: it falls back to the guard's namespace, never the host's.
#pragma once

#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "ci/record/record.hpp"
#include "ci/run/suite_runner.hpp"
#include "runtime/kind.hpp"

namespace nsprobe::run {

using record::Record;

struct GuardRun {
  std::vector<Kind> kinds;          // withheld one at a time, in this order
  std::vector<SuiteBinary> suites;  // suites[i]: the suite of kinds[i]
  SuiteOptions options;             // work_dir is the guard's own
  // An empty directory of the caller's (nsprobe run's temporary one): the guard mounts its
  // tmpfs there, for the guard file and the suites' output; the mount ends with the guard.
  std::string private_dir;
  // Called inside the guard before each run: "net (baseline)", "net (withheld)".
  std::function<void(const std::string& what)> announce;
  // The conformance suites that are no kind's own (regression, kernel_api, join, ...): run once
  // as they are, then, for each withheld kind, only their cases that declare it.
  std::vector<SuiteBinary> cross_cutting;
};

// Runs `run` in a fresh guard and returns `header` completed with the withheld runs' binaries
// and cases and the sensitivity section. Throws Interrupted when *run.options.stop is set
// (the guard and everything in it killed), std::runtime_error when the guard fails.
Record RunInGuard(const GuardRun& run, const Record& header);

}  // namespace nsprobe::run
