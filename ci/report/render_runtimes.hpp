// The sandbox runtimes' section of a record made by `nsprobe run --runtime`: per runtime (name,
// version, package) and mode its flags or why it cannot run so, and per property its verdict
// and where its negative control came from. One reading of the record for every rendering (the
// terminal table nsprobe run prints, text, Markdown, HTML) and for `nsprobe compare`.
#pragma once

#include <string>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::report {

struct RuntimeCell {
  std::string verdict = "-";  // pass, fail, skip, error, or "-" when the case is absent
  std::string skip_category;  // unsupported, policy, privilege
  std::string skip_reason;
  // Where the property was shown able to fail: "runtime" (the runtime itself with the kind left
  // shared) or "not controllable with <runtime>" (the observer on the host instead).
  std::string sensitivity;
};

struct RuntimeRow {
  std::string kind;
  RuntimeCell cells[2];  // privileged, unprivileged
};

struct RuntimeTable {
  std::string name, package, version;  // version empty: not installed
  std::string modes[2];                // the default's flags, or why the mode cannot run
  std::vector<RuntimeRow> rows;        // one per kind
  // The distinct skip reasons of its cells, in first-seen order, for a note under a table.
  std::vector<std::string> SkipReasons() const;
};

inline constexpr const char* kRuntimeModes[2] = {"privileged", "unprivileged"};

std::vector<RuntimeTable> RuntimeTables(const record::Record& record);

// Each empty when the record judged no runtime.
std::string RenderRuntimesText(const record::Record& record);
std::string RenderRuntimesMarkdown(const record::Record& record);
std::string RenderRuntimesHtml(const record::Record& record);

}  // namespace nsprobe::report
