// An inline SVG chart of benchmark medians with min–max whiskers, for the HTML pages of
// `run`/`report` (one series) and `compare` (one series per record). No script, no fonts
// fetched: it renders the same offline.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nsprobe::report {

struct ChartValue {
  double median_ns = 0, min_ns = 0, max_ns = 0;
  int repetitions = 0;
};

struct ChartRow {
  std::string label;                              // the benchmark
  std::vector<std::optional<ChartValue>> values;  // one per series; nullopt when absent
};

// Horizontal bars on a logarithmic time axis (namespace costs span µs to ms).
std::string RangeChartSvg(const std::vector<std::string>& series,
                          const std::vector<ChartRow>& rows);

}  // namespace nsprobe::report
