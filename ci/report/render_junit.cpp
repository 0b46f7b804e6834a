// JUnit XML as GitLab, Jenkins and the GitHub JUnit actions read it: one <testsuite> per
// suite binary, one <testcase> per case, skips and failures with their messages.
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
  switch (c.verdict) {
    case Verdict::kPass:
      return out + "/>\n";
    case Verdict::kSkip:
      return out + fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                               XmlEscape(c.reason));
    case Verdict::kError:
      return out + fmt::format(">\n      <error message=\"{}\">{}</error>\n    </testcase>\n",
                               XmlEscape(Headline(c)), XmlEscape(c.reason));
    case Verdict::kFail:
      break;
  }
  out += ">\n";
  for (const std::string& f : c.failures)
    out += fmt::format("      <failure message=\"{}\">{}</failure>\n",
                       XmlEscape(f.substr(0, f.find('\n'))), XmlEscape(f));
  return out + "    </testcase>\n";
}

}  // namespace

std::string RenderJunit(const Record& record) {
  Totals all = record.CountTotals();
  double total_time = 0;
  for (const Case& c : record.cases) total_time += c.duration_s;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"nsprobe\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"{:.3f}\" timestamp=\"{}\">\n",
      all.All(), all.fail, all.error, all.skip, total_time, XmlEscape(record.created));
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
        XmlEscape(suite), t.All(), t.fail, t.error, t.skip, time, XmlEscape(record.created));
    out += Properties(record) + body + "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

}  // namespace nsprobe::report
