// One record per kernel: the suites' run as root and their run as the unprivileged uid
// folded into one, stamped with how the kernel was reached (host, QEMU TCG or KVM).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::matrix {

// The suite name the unprivileged run's cases carry: "pid" -> "pid-uid65534", so both runs'
// cases have distinct keys in one record and line up across kernels.
std::string UnprivilegedSuite(const std::string& suite, unsigned uid);

struct KernelRun {
  std::string label;        // column name
  std::string source;       // "host", the package, or the vmlinuz path
  std::string emulation;    // "none" (the host), "tcg" or "kvm"
  std::string accelerator;  // why that emulation: what the KVM trial boot saw (guests only)
  std::optional<record::Record> root, unprivileged;
  unsigned uid = 65534;
  std::vector<std::pair<std::string, double>> timings;  // host phase -> seconds, in order
  // Inside the guest: phase -> seconds it took, from /init's uptime stamps.
  std::vector<std::pair<std::string, double>> guest_phases;
  std::vector<std::string> modules;   // the modules the guest loaded
  std::vector<std::string> problems;  // why a part is missing: timeout, crash, decode errors
  std::string console_log;            // kept for a guest that failed
};

// The root run's record (or, without one, the unprivileged run's, or an empty record) with
// the other run's cases appended, a case in error for every problem, the fingerprint marked
// with the emulation, and the timings and problems in options.matrix.
record::Record CombineRuns(const KernelRun& run);

// The cases a kernel's suites produced: those of CombineRuns' own "matrix" suite (a problem
// standing in for a run that is missing) are not counted.
int SuiteCases(const record::Record& rec);

// What a whole matrix comes to. A kernel whose suites produced no case was not compared at
// all, so it fails the matrix (exit 1) with a line naming it and its first problem, as does a
// failed or errored case.
struct MatrixOutcome {
  int exit_status = 0;
  std::vector<std::string> messages;  // one line each, for stderr
};
MatrixOutcome JudgeMatrix(const std::vector<std::pair<std::string, record::Record>>& kernels);

}  // namespace nsprobe::matrix
