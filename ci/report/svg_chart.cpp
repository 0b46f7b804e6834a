#include "ci/report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ci/report/render.hpp"

namespace nsprobe::report {
namespace {

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                    "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};
constexpr double kLabelWidth = 330, kPlotWidth = 560, kBarHeight = 12, kRowGap = 10, kTop = 28,
                 kRight = 90;

}  // namespace

std::string RangeChartSvg(const std::vector<std::string>& series,
                          const std::vector<ChartRow>& rows) {
  double lo = INFINITY, hi = 0;
  for (const ChartRow& r : rows)
    for (const auto& v : r.values)
      if (v) {
        lo = std::min(lo, std::max(1.0, v->min_ns));
        hi = std::max(hi, std::max(1.0, v->max_ns));
      }
  if (rows.empty() || hi <= 0) return {};
  const double dlo = std::floor(std::log10(lo)), dhi = std::max(dlo + 1, std::ceil(std::log10(hi)));
  auto x = [&](double ns) {
    return kLabelWidth + (std::log10(std::max(1.0, ns)) - dlo) / (dhi - dlo) * kPlotWidth;
  };
  const double row_height = kBarHeight * static_cast<double>(series.size()) + kRowGap;
  const double height = kTop + row_height * static_cast<double>(rows.size()) + 30;
  const double width = kLabelWidth + kPlotWidth + kRight;
  std::string out = fmt::format(
      // Scales down with the page (never wider than it), up to its natural size.
      "<svg viewBox=\"0 0 {0:.0f} {1:.0f}\" style=\"width:100%;max-width:{0:.0f}px;height:auto\" "
      "font-family=\"sans-serif\" font-size=\"11\" role=\"img\">\n",
      width, height);
  // Decade grid lines, labelled in time units.
  for (double d = dlo; d <= dhi; ++d) {
    double gx = x(std::pow(10.0, d));
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.0f}\" x2=\"{0:.1f}\" y2=\"{2:.0f}\" stroke=\"#ddd\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.0f}\" text-anchor=\"middle\" fill=\"#555\">{4}</text>\n",
        gx, kTop - 6, height - 22, height - 8, XmlEscape(FormatNs(std::pow(10.0, d))));
  }
  for (std::size_t s = 0; s < series.size() && series.size() > 1; ++s)
    out += fmt::format(
        "<rect x=\"{:.0f}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{:.0f}\" y=\"13\">{}</text>\n",
        kLabelWidth + static_cast<double>(s) * 150, kPalette[s % std::size(kPalette)],
        kLabelWidth + static_cast<double>(s) * 150 + 14, XmlEscape(series[s]));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ChartRow& r = rows[i];
    double y0 = kTop + row_height * static_cast<double>(i);
    out += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
                       kLabelWidth - 6, y0 + row_height / 2, XmlEscape(r.label));
    for (std::size_t s = 0; s < r.values.size(); ++s) {
      if (!r.values[s]) continue;
      const ChartValue& v = *r.values[s];
      double y = y0 + kBarHeight * static_cast<double>(s);
      double cy = y + kBarHeight / 2;
      std::string tip =
          fmt::format("{}{}: median {}, min {}, max {}, {} repetitions", r.label,
                      series.size() > 1 ? " — " + series[s] : std::string(), FormatNs(v.median_ns),
                      FormatNs(v.min_ns), FormatNs(v.max_ns), v.repetitions);
      out += fmt::format(
          "<g><title>{}</title>"
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\" fill=\"{}\" "
          "fill-opacity=\"0.8\"/>"
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#222\"/>"
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#222\"/>"
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#222\"/>"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#333\">{}</text></g>\n",
          XmlEscape(tip), kLabelWidth, y + 1, std::max(1.0, x(v.median_ns) - kLabelWidth),
          kBarHeight - 2, kPalette[s % std::size(kPalette)], x(v.min_ns), cy, x(v.max_ns), cy,
          x(v.min_ns), cy - 4, x(v.min_ns), cy + 4, x(v.max_ns), cy - 4, x(v.max_ns), cy + 4,
          x(v.max_ns) + 4, cy + 4, XmlEscape(FormatNs(v.median_ns)));
    }
  }
  return out + "</svg>\n";
}

}  // namespace nsprobe::report
