// KTAP v1 (Documentation/dev-tools/ktap.rst), flat: KernelCI's kselftest parser matches only
// unindented result lines, so every case is a top-level test with a unique dotted name.
#include <fmt/format.h>

#include "ci/report/render.hpp"

namespace nsprobe::report {

namespace {

// A directive's text ends at the line and may not hold '#'.
std::string DirectiveText(std::string_view text) {
  std::string out;
  for (char ch : text) out += (ch == '\n' || ch == '\r' || ch == '#') ? ' ' : ch;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Diagnostics(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out += fmt::format("# {}\n", text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

std::string RenderKtap(const Record& record) {
  std::vector<std::string> paths = CasePaths(record);
  std::string out = "KTAP version 1\n";
  // Through Diagnostics: a newline in a loaded record's version or fingerprint would start a
  // line that is not KTAP.
  out += Diagnostics(fmt::format("nsprobe {} at {}: {}", record.nsprobe_version, record.created,
                                 MachineLine(record)));
  out += fmt::format("1..{}\n", record.cases.size());
  for (std::size_t i = 0; i < record.cases.size(); ++i) {
    const Case& c = record.cases[i];
    std::size_t n = i + 1;
    switch (c.verdict) {
      case Verdict::kPass:
        out += fmt::format("ok {} {}\n", n, paths[i]);
        break;
      case Verdict::kSkip:
        out += fmt::format("ok {} {} # SKIP {}\n", n, paths[i], DirectiveText(c.reason));
        break;
      case Verdict::kFail:
        // Diagnostics come before the result line they explain, as KUnit prints them.
        for (const std::string& f : c.failures) out += Diagnostics(f);
        out += fmt::format("not ok {} {}\n", n, paths[i]);
        break;
      case Verdict::kError:
        out += fmt::format("not ok {} {} # ERROR {}\n", n, paths[i], DirectiveText(c.reason));
        break;
      case Verdict::kByDesign:
        // KTAP has SKIP and TODO only; a SKIP whose reason says it keeps parsers counting it
        // as neither pass nor fail.
        out += fmt::format("ok {} {} # SKIP not isolated by design: {}\n", n, paths[i],
                           DirectiveText(c.reason));
        break;
    }
  }
  Totals t = record.CountTotals();
  // kselftest's Totals line has fixed keys: the by-design cases are in skip, and a
  // diagnostic line of its own counts them.
  if (t.by_design > 0) out += fmt::format("# not isolated by design: {}\n", t.by_design);
  if (t.checks != t.pass) out += fmt::format("# behaviours proven: {}\n", t.checks);
  out += fmt::format("# Totals: pass:{} fail:{} xfail:0 xpass:0 skip:{} error:{}\n", t.pass, t.fail,
                     t.skip + t.by_design, t.error);
  return out;
}

}  // namespace nsprobe::report
