// The kernel matrix report: kernels as columns; first what each kernel offers (namespace
// kinds per mode, nsfs ioctls and other APIs, policy knobs, configuration), then the cases,
// rows that differ between kernels first. Markdown (for $GITHUB_STEP_SUMMARY, under 1 MiB)
// and one self-contained HTML page.
#pragma once

#include <string>
#include <vector>

#include "ci/matrix/kernel_record.hpp"
#include "ci/record/record.hpp"

namespace nsprobe::matrix {

struct MatrixColumn {
  KernelRun run;
  record::Record record;  // CombineRuns(run)
};

struct MatrixRow {
  std::string group;  // "kind", "api", "policy", "config", "machine"; "case" for cases
  std::string name;
  std::vector<std::string> cells;   // one short value per column
  std::vector<std::string> detail;  // per column: the full reason, for tooltips
  std::vector<std::string> css;     // per column: pass / fail / skip / error / ""
  bool differs = false;
};

// What each kernel offers, from its records' probe and fingerprint; differing rows first.
std::vector<MatrixRow> FeatureRows(const std::vector<MatrixColumn>& columns);
// Every case of every column, rows that differ first (otherwise in first-seen order).
std::vector<MatrixRow> CaseRows(const std::vector<MatrixColumn>& columns);

std::string RenderMatrixMarkdown(const std::vector<MatrixColumn>& columns);
std::string RenderMatrixHtml(const std::vector<MatrixColumn>& columns);

}  // namespace nsprobe::matrix
