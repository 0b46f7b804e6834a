#include "ci/matrix/kernel_record.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace nsprobe::matrix {
namespace {

void SetFact(record::Record& r, const std::string& key, const std::string& value) {
  for (auto& [k, v] : r.fingerprint)
    if (k == key) {
      v = value;
      return;
    }
  r.fingerprint.emplace_back(key, value);
}

}  // namespace

std::string UnprivilegedSuite(const std::string& suite, unsigned uid) {
  return fmt::format("{}-uid{}", suite, uid);
}

record::Record CombineRuns(const KernelRun& run) {
  record::Record rec;
  if (run.root) {
    rec = *run.root;
  } else if (run.unprivileged) {
    rec = *run.unprivileged;
    rec.cases.clear();
    rec.binaries.clear();
  }
  if (run.unprivileged) {
    for (record::Case c : run.unprivileged->cases) {
      c.suite = UnprivilegedSuite(c.suite, run.uid);
      rec.cases.push_back(std::move(c));
    }
    for (record::Binary b : run.unprivileged->binaries) {
      b.name = UnprivilegedSuite(b.name, run.uid);
      rec.binaries.push_back(std::move(b));
    }
  }
  for (const std::string& p : run.problems)
    rec.cases.push_back({"matrix",
                         "matrix",
                         "(kernel run)",
                         "",
                         record::Verdict::kError,
                         "",
                         p + (run.console_log.empty() ? "" : "; console log: " + run.console_log),
                         {},
                         0});
  if (rec.fingerprint.empty()) SetFact(rec, "kernel.release", run.label);
  SetFact(rec, "emulation", run.emulation);
  if (run.emulation == "tcg") {
    // Under TCG every instruction is translated: timings are not the hardware's.
    std::string virt = rec.Fact("virtualization");
    SetFact(rec, "virtualization",
            (virt == "unknown" ? std::string() : virt + "; ") + "emulated (QEMU TCG)");
  }
  nlohmann::ordered_json timings = nlohmann::ordered_json::object();
  for (const auto& [phase, s] : run.timings) timings[phase] = s;
  nlohmann::ordered_json guest = nlohmann::ordered_json::object();
  for (const auto& [phase, s] : run.guest_phases) guest[phase] = s;
  rec.options["matrix"] = {{"kernel", run.label},
                           {"source", run.source},
                           {"emulation", run.emulation},
                           {"accelerator", run.accelerator},
                           {"unprivileged_uid", run.uid},
                           {"has_root_run", run.root.has_value()},
                           {"has_unprivileged_run", run.unprivileged.has_value()},
                           {"timings_s", timings},
                           {"guest_phases_s", guest},
                           {"modules_loaded", run.modules},
                           {"problems", run.problems}};
  if (run.unprivileged) rec.options["matrix"]["probe_unprivileged"] = run.unprivileged->probe;
  return rec;
}

int SuiteCases(const record::Record& rec) {
  return static_cast<int>(std::count_if(rec.cases.begin(), rec.cases.end(),
                                        [](const record::Case& c) { return c.suite != "matrix"; }));
}

MatrixOutcome JudgeMatrix(const std::vector<std::pair<std::string, record::Record>>& kernels) {
  MatrixOutcome out;
  for (const auto& [label, rec] : kernels) {
    if (SuiteCases(rec) == 0) {
      std::string why;
      for (const record::Case& c : rec.cases)
        if (c.suite == "matrix" && why.empty()) why = c.reason;
      out.messages.push_back(
          fmt::format("kernel {}: its suites produced no case, so the matrix "
                      "compared nothing on it{}{}",
                      label, why.empty() ? "" : ": ", why));
      out.exit_status = 1;
      continue;
    }
    record::Totals t = rec.CountTotals();
    if (t.fail + t.error > 0) {
      out.messages.push_back(
          fmt::format("kernel {}: {} case(s) failed, {} in error", label, t.fail, t.error));
      out.exit_status = 1;
    }
  }
  return out;
}

}  // namespace nsprobe::matrix
