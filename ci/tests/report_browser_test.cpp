// report.html and matrix.html in a real browser: headless Chromium lays each page out at a wide
// screen and at two phone widths, and nothing may push the page sideways (the document's
// scroll width larger than the viewport) or break a table header inside a word. A screenshot
// of each page at 1400 and 360 px stays in tests/output/report_browser/ for a person to look
// at. Headless Chromium keeps its window at least 500 px wide, so the page is laid out in an
// iframe of the wanted width: its viewport, media queries included, is that width.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <regex>

#include "ci/matrix/matrix_report.hpp"
#include "ci/report/render.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/hygiene.hpp"

namespace nsprobe::record {

namespace {

using testing::SampleRecord;

// What the injected script saw in the framed page.
struct Layout {
  int viewport = -1, scroll_width = -1, broken_headers = -1, verdict_top = -1;
  std::string raw;
};

std::string ChromiumPath() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"}) {
    std::string path = std::string(dir) + "/chromium";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

// The host page: the report in an iframe `width` px wide; when it has loaded, the frame's
// layout is measured and written into the host's title, which --dump-dom prints. th elements
// whose content is wider than the cell are headers that would have to break mid-word.
std::string HostPage(const std::string& page, int width) {
  return fmt::format(
      R"(<!DOCTYPE html><html><head><title>pending</title>
<style>body{{margin:0}}iframe{{border:0;display:block;width:{0}px;height:2400px}}</style></head>
<body><iframe id="f" src="{1}" onload="
const d = this.contentDocument, w = this.contentWindow;
let broken = 0;
for (const th of d.querySelectorAll('th')) if (th.scrollWidth > th.clientWidth + 1) ++broken;
const v = d.querySelector('.verdict, h1');
let wide = [];
for (const e of d.querySelectorAll('body *'))
  if (e.getBoundingClientRect().right > w.innerWidth + 1 && wide.length < 4)
    wide.push(e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 50));
document.title = 'viewport=' + w.innerWidth + ' scroll=' + d.documentElement.scrollWidth +
  ' broken_headers=' + broken + ' verdict_top=' + (v ? Math.round(v.getBoundingClientRect().top) : -1) +
  ' wide: ' + wide.join(' | ');
"></iframe></body></html>)",
      width, page);
}

std::vector<std::string> ChromiumArgs(const std::string& profile, int window_width) {
  return {ChromiumPath(),
          "--headless",
          "--no-sandbox",  // tests run as root, where Chromium's own sandbox refuses to start
          "--disable-gpu",
          "--no-first-run",
          "--disable-extensions",
          "--disable-dev-shm-usage",
          "--hide-scrollbars",
          "--allow-file-access-from-files",  // the host page reads the framed page's layout
          "--user-data-dir=" + profile,
          fmt::format("--window-size={},900", std::max(window_width, 500))};
}

Layout Measure(const testing::TempDir& dir, const std::string& page, int width) {
  const std::string host = dir / fmt::format("host-{}.html", width);
  testing::WriteText(host, HostPage(page, width));
  std::vector<std::string> argv = ChromiumArgs(dir / "profile", width);
  argv.push_back("--dump-dom");
  argv.push_back("file://" + host);
  ToolResult r = RunTool(0, {}, argv, std::chrono::seconds(120));
  Layout l;
  std::smatch m;
  static const std::regex kTitle(
      R"(<title>viewport=(\d+) scroll=(\d+) broken_headers=(\d+) verdict_top=(-?\d+)[^<]*</title>)");
  if (r.exit_code != 0 || !std::regex_search(r.out, m, kTitle)) {
    l.raw = r.Describe();
    return l;
  }
  l = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4]), m[0]};
  return l;
}

// The page as a reader sees it on arrival: the top 900 px at that width.
void Screenshot(const testing::TempDir& dir, const std::string& page, int width,
                const std::string& png) {
  const std::string host = dir / fmt::format("shot-{}.html", width);
  // The framed page only, no host margin: the window is the frame's width where it can be.
  testing::WriteText(host, HostPage(page, width));
  std::vector<std::string> argv = ChromiumArgs(dir / "profile", width);
  argv.push_back("--screenshot=" + png);
  argv.push_back("file://" + host);
  ToolResult r = RunTool(0, {}, argv, std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(std::filesystem::exists(png)) << png;
}

std::string OutputDir() {
  std::string dir = nsprobe::testing::SelfDir() + "/output/report_browser";
  std::filesystem::create_directories(dir);
  return dir;
}

// Long names without spaces, many kinds, a negative control, a crashed binary: the shapes
// that pushed the old page past a phone's edge.
Record WideRecord() {
  Record r = SampleRecord();
  for (const char* kind : {"mnt", "net", "ipc", "user", "cgroup", "time", "join", "lifetime"}) {
    r.binaries.push_back({std::string(kind) + "_test", kind, "exit 0", true, 3.25, 2, ""});
    for (const char* mode : {"privileged", "unprivileged"}) {
      Case c = r.cases[0];
      c.suite = kind;
      c.label = kind;
      c.mode = mode;
      c.name = fmt::format(
          "Modes/{}NamespaceWithAVeryLongFixtureName.SomeBehaviourThatHas"
          "AnEvenLongerNameThanThat/{}_setns_pidfd_all_kinds",
          kind, mode);
      r.cases.push_back(c);
    }
  }
  Case failed = r.cases[1];
  failed.name = "Modes/JoinEveryKindAtOnce.SetnsWithPidfdAndAllFlags/unprivileged_setns_pidfd";
  failed.failures = {"/usr/src/nsprobe/suites/join_test.cpp:312\n" + std::string(180, 'x') +
                     "\n/proc/self/ns/" + std::string(120, 'y')};
  r.cases.push_back(failed);
  r.probe = {{"euid", 0},
             {"clone3", true},
             {"setns_pidfd", true},
             {"ns_get_id", false},
             {"results", nlohmann::ordered_json::array()}};
  for (const char* kind : {"mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time"})
    for (const char* mode : {"privileged", "unprivileged"})
      r.probe["results"].push_back(
          {{"kind", kind},
           {"mode", mode},
           {"verdict", std::string(mode) == "privileged" ? "available" : "policy"},
           {"reason", std::string(mode) == "privileged"
                          ? ""
                          : "policy: /proc/sys/user/max_" + std::string(kind) +
                                "_namespaces=0 (raise it: sysctl -w "
                                "user.max_" +
                                kind + "_namespaces=1000)"}});
  r.fingerprint.push_back(
      {"kernel.version", "#1 SMP PREEMPT_DYNAMIC Debian 6.18.44-1 (2026-01-01)"});
  return r;
}

Record NegativeControlRecord() {
  Record r = SampleRecord();
  r.sensitivity = {
      {"withheld", "pid,uts"},
      {"kinds",
       {{"pid", {{"cases", 4}, {"failed_as_expected", 4}, {"percent", 100.0}, {"complete", true}}},
        {"uts",
         {{"cases", 2},
          {"failed_as_expected", 1},
          {"percent", 50.0},
          {"complete", false},
          {"still_passed", {"Modes/UtsNamespace.HostnameChangeInvisibleToParent/privileged"}}}}}}};
  return r;
}

std::vector<matrix::MatrixColumn> MatrixColumns() {
  std::vector<matrix::MatrixColumn> cols;
  for (const char* kernel : {"host", "6.1.0-56-cloud-amd64", "6.12.48+deb13-cloud-amd64"}) {
    matrix::KernelRun run;
    run.label = kernel;
    run.source = std::string(kernel) == "host" ? "host" : std::string("linux-image-") + kernel;
    run.emulation = std::string(kernel) == "host" ? "none" : "tcg";
    Record root = WideRecord();
    for (auto& [k, v] : root.fingerprint)
      if (k == "kernel.release") v = kernel;
    if (std::string(kernel) != "host") {
      root.probe["ns_get_id"] = true;
      root.cases[2].verdict = Verdict::kPass;
    }
    run.timings = {{"boot", 21.5}, {"suites", 64.0}};
    run.root = root;
    cols.push_back({run, matrix::CombineRuns(run)});
  }
  return cols;
}

struct Page {
  std::string name;
  std::function<std::string()> render;
};

std::vector<Page> Pages() {
  return {{"report", [] { return report::RenderHtml(SampleRecord()); }},
          {"report_wide", [] { return report::RenderHtml(WideRecord()); }},
          {"report_negative_control", [] { return report::RenderHtml(NegativeControlRecord()); }},
          {"matrix", [] { return matrix::RenderMatrixHtml(MatrixColumns()); }}};
}

class BrowserCheck : public nsprobe::testing::NoLeaksTest {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    if (ChromiumPath().empty())
      GTEST_SKIP() << "chromium is not installed: apt-get install chromium (scripts/lib.sh "
                      "lists it with the test packages)";
  }
};
class Browser : public BrowserCheck,
                public ::testing::WithParamInterface<std::tuple<std::string, int>> {};

TEST_P(Browser, PageFitsTheViewport) {
  const auto& [name, width] = GetParam();
  const std::vector<Page> pages = Pages();
  auto page =
      std::find_if(pages.begin(), pages.end(), [&](const Page& p) { return p.name == name; });
  ASSERT_NE(page, pages.end()) << name;
  testing::TempDir dir;
  testing::WriteText(dir / "page.html", page->render());
  Layout l = Measure(dir, "page.html", width);
  ASSERT_EQ(l.viewport, width) << "the frame's viewport: " << l.raw;
  EXPECT_LE(l.scroll_width, width)
      << name << " overflows sideways at " << width << " px; " << l.raw;
  EXPECT_EQ(l.broken_headers, 0) << name << ": table headers too narrow for their words";
  EXPECT_GE(l.verdict_top, 0) << l.raw;
  EXPECT_LT(l.verdict_top, 80) << "the verdict (or the title) comes first";
  if (width == 1400 || width == 360)
    Screenshot(dir, "page.html", width, fmt::format("{}/{}-{}.png", OutputDir(), name, width));
}

INSTANTIATE_TEST_SUITE_P(Pages, Browser,
                         ::testing::Combine(::testing::Values("report", "report_wide",
                                                              "report_negative_control", "matrix"),
                                            ::testing::Values(1400, 412, 360)),
                         [](const auto& param_info) {
                           return fmt::format("{}_{}px", std::get<0>(param_info.param),
                                              std::get<1>(param_info.param));
                         });

// The measurement sees an overflow when there is one: a line that cannot wrap, and a header
// forced onto one line in a column too narrow for it.
TEST_F(BrowserCheck, SeesAPageThatOverflows) {
  testing::TempDir dir;
  testing::WriteText(dir / "wide.html",
                     report::HtmlPage("wide", "<pre style=\"white-space:pre;overflow:visible\">" +
                                                  std::string(300, 'x') + "</pre>"));
  Layout wide = Measure(dir, "wide.html", 360);
  ASSERT_EQ(wide.viewport, 360) << wide.raw;
  EXPECT_GT(wide.scroll_width, 360) << wide.raw;
  testing::WriteText(dir / "th.html",
                     report::HtmlPage("th",
                                      "<table style=\"width:40px;table-layout:fixed\"><tr>"
                                      "<th>unprivileged</th></tr></table>"));
  Layout th = Measure(dir, "th.html", 360);
  EXPECT_EQ(th.broken_headers, 1) << th.raw;
}

}  // namespace
}  // namespace nsprobe::record
