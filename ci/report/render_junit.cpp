// JUnit XML as GitLab, Jenkins and the GitHub JUnit actions read it: one <testsuite> per
// suite binary, one <testcase> per case. It validates against Jenkins xUnit's junit-10.xsd
// (no skipped/timestamp on <testsuites>), and each case carries at most one result element:
// junitparser counts every <failure>, Jenkins keeps only the first, GitLab shows the text.
#include <fmt/format.h>

#include <algorithm>

#include "ci/report/render.hpp"

namespace nsprobe::report {

namespace {

// The facts a CI widget shows next to the results.
constexpr const char* kPropertyKeys[] = {"kernel.release", "distro", "arch", "host", "cpu.count"};

std::string Properties(const Record& record) {
  std::string out = "    <properties>\n";
  for (const char* key : kPropertyKeys)
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", key,
                       XmlEscape(record.Fact(key)));
  return out + "    </properties>\n";
}

std::string Testcase(const Case& c) {
  std::size_t dot = c.name.find('.');
  std::string classname = c.suite + "." + c.name.substr(0, dot);
  std::string name = dot == std::string::npos ? c.name : c.name.substr(dot + 1);
  std::string out = fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\"",
                                XmlEscape(name), XmlEscape(classname), c.duration_s);
  // The message attribute is the one-line headline; the element's text is everything, so a
  // reader that shows only one of them still has what went wrong.
  auto result = [&](std::string_view element, const std::string& message, const std::string& text) {
    return out + fmt::format(">\n      <{0} message=\"{1}\">{2}</{0}>\n    </testcase>\n", element,
                             XmlEscape(message), XmlEscape(text));
  };
  switch (c.verdict) {
    case Verdict::kPass:
      return out + "/>\n";
    case Verdict::kSkip:
      return result("skipped", c.reason, c.reason);
    case Verdict::kByDesign: {
      const std::string why = "not isolated by design: " + c.reason;
      return result("skipped", why, why);
    }
    case Verdict::kError:
      return result("error", Headline(c), c.reason);
    case Verdict::kFail:
      break;
  }
  std::string text;
  for (const std::string& f : c.failures) text += (text.empty() ? "" : "\n\n") + f;
  if (text.empty()) text = "failed (no message recorded)";
  return result("failure", Headline(c).empty() ? text : Headline(c), text);
}

}  // namespace

std::string RenderJunit(const Record& record) {
  Totals all = record.CountTotals();
  double total_time = 0;
  for (const Case& c : record.cases) total_time += c.duration_s;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"nsprobe\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
      all.All(), all.fail, all.error, total_time);
  // Cases of one suite are contiguous in a record (one binary at a time), but group by name
  // anyway so a merged or reordered record still yields one <testsuite> each.
  std::vector<std::string> suites;
  for (const Case& c : record.cases)
    if (std::find(suites.begin(), suites.end(), c.suite) == suites.end()) suites.push_back(c.suite);
  for (const std::string& suite : suites) {
    Totals t;
    double time = 0;
    std::string body;
    for (const Case& c : record.cases) {
      if (c.suite != suite) continue;
      t.Add(c.verdict);
      time += c.duration_s;
      body += Testcase(c);
    }
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
        "time=\"{:.3f}\" timestamp=\"{}\">\n",
        XmlEscape(suite), t.All(), t.fail, t.error, t.skip + t.by_design, time,
        XmlEscape(record.created));
    out += Properties(record) + body + "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

}  // namespace nsprobe::report
