// The CI-facing renderings fed to the schemas their consumers hold them to: JUnit to Jenkins
// xUnit's junit-10.xsd (xmllint --schema) and read as junitparser counts it, KCIDB to
// kcidb-io's JSON schema of the version it declares (python3-jsonschema). Each check is shown
// to fail on a document that breaks the rule, so a pass means something.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "ci/report/render.hpp"
#include "ci/tests/record_fixtures.hpp"
#include "suites/support/hygiene.hpp"

namespace nsprobe::record {

using namespace nsprobe::report;  // NOLINT(google-build-using-namespace)
namespace {

using ::testing::HasSubstr;
using testing::SampleRecord;

class RecordConsumers : public nsprobe::testing::NoLeaksTest {};

std::string DataFile(const std::string& name) {
  return nsprobe::testing::SelfDir() + "/data/" + name;
}

// Records that exercise every shape: the sample (every verdict, benchmarks), one that only
// passes, one with nothing in it, and a failure that recorded no message.
std::vector<std::pair<std::string, Record>> Records() {
  Record passing = SampleRecord();
  std::erase_if(passing.cases, [](const Case& c) { return c.verdict != Verdict::kPass; });
  passing.benchmarks.clear();
  Record empty = SampleRecord();
  empty.cases.clear();
  empty.binaries.clear();
  empty.benchmarks.clear();
  Record silent = SampleRecord();
  silent.cases[1].failures.clear();
  return {{"sample", SampleRecord()}, {"passing", passing}, {"empty", empty}, {"silent", silent}};
}

ToolResult Xmllint(std::vector<std::string> args) {
  args.insert(args.begin(), "xmllint");
  return RunTool(0, {}, args, std::chrono::seconds(60));
}

std::string XPath(const std::string& file, const std::string& expr) {
  ToolResult r = Xmllint({"--xpath", expr, file});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

TEST_F(RecordConsumers, JunitValidatesAgainstJenkinsXunitSchema) {
  testing::TempDir dir;
  for (const auto& [name, rec] : Records()) {
    std::string file = dir / (name + ".xml");
    testing::WriteText(file, RenderJunit(rec));
    ToolResult r = Xmllint({"--noout", "--schema", DataFile("junit-10.xsd"), file});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.Describe();
    EXPECT_THAT(r.err, HasSubstr("validates")) << name;
  }
  // The schema refuses what the issue saw: skipped and timestamp on the root.
  std::string old = RenderJunit(SampleRecord());
  old.replace(old.find("<testsuites "), 12, "<testsuites skipped=\"3\" timestamp=\"x\" ");
  testing::WriteText(dir / "old.xml", old);
  ToolResult refused = Xmllint({"--noout", "--schema", DataFile("junit-10.xsd"), dir / "old.xml"});
  EXPECT_NE(refused.exit_code, 0) << refused.Describe();
  EXPECT_THAT(refused.err, HasSubstr("skipped"));
}

// junitparser's update_statistics() counts every <failure>, <error> and <skipped> element; a
// case with two counts twice. So: at most one result element per case, and those counts equal
// the record's and the attributes Jenkins and GitLab read.
TEST_F(RecordConsumers, JunitCountsOneResultPerCaseAsJunitparserDoes) {
  testing::TempDir dir;
  for (const auto& [name, rec] : Records()) {
    std::string file = dir / (name + ".xml");
    testing::WriteText(file, RenderJunit(rec));
    Totals t = rec.CountTotals();
    EXPECT_EQ(XPath(file, "count(//testcase[count(failure|error|skipped) > 1])"), "0") << name;
    EXPECT_EQ(XPath(file, "count(//failure)"), std::to_string(t.fail)) << name;
    EXPECT_EQ(XPath(file, "count(//error)"), std::to_string(t.error)) << name;
    EXPECT_EQ(XPath(file, "count(//skipped)"), std::to_string(t.skip)) << name;
    EXPECT_EQ(XPath(file, "sum(//testsuite/@failures)"), std::to_string(t.fail)) << name;
    EXPECT_EQ(XPath(file, "sum(//testsuite/@skipped)"), std::to_string(t.skip)) << name;
    EXPECT_EQ(XPath(file, "string(/testsuites/@failures)"), std::to_string(t.fail)) << name;
    // Every result element has a message and a body, so no reader shows an empty one.
    EXPECT_EQ(XPath(file, "count((//failure|//error|//skipped)[not(@message) or . = ''])"), "0")
        << name;
  }
  testing::TempDir neg;
  std::string doubled = RenderJunit(SampleRecord());
  std::size_t at = doubled.find("<failure");
  doubled.insert(at, "<failure message=\"again\">again</failure>");
  testing::WriteText(neg / "doubled.xml", doubled);
  EXPECT_EQ(XPath(neg / "doubled.xml", "count(//testcase[count(failure|error|skipped) > 1])"), "1")
      << "the check sees a case with two failures";
}

TEST_F(RecordConsumers, JunitCarriesTheWholeFailureAndTheSkipReasonAsText) {
  testing::TempDir dir;
  testing::WriteText(dir / "junit.xml", RenderJunit(SampleRecord()));
  const std::string failure = "//testcase[@name='SeesItselfAsPid1/unprivileged']/failure";
  EXPECT_EQ(XPath(dir / "junit.xml", "string(" + failure + "/@message)"),
            "Expected equality of these values: obs.Value(\"pid\") Which is: 4711 1 child saw "
            "<pid> & \"4711\" | # not 1");
  EXPECT_THAT(XPath(dir / "junit.xml", "string(" + failure + ")"),
              HasSubstr("suites/pid_test.cpp:42\nExpected equality of these values:\n"));
  const std::string skip =
      "//testcase[@name='HostnameChangeInvisibleToParent/unprivileged']/skipped";
  EXPECT_EQ(XPath(dir / "junit.xml", "string(" + skip + ")"), "policy: user.max_uts_namespaces=0");
  EXPECT_EQ(XPath(dir / "junit.xml", "string(" + skip + "/@message)"),
            "policy: user.max_uts_namespaces=0");
}

ToolResult ValidateJson(const std::string& schema, const std::vector<std::string>& docs) {
  std::vector<std::string> argv = {"python3", DataFile("validate_record.py"), schema};
  argv.insert(argv.end(), docs.begin(), docs.end());
  return RunTool(0, {}, argv, std::chrono::seconds(120));
}

TEST_F(RecordConsumers, KcidbValidatesAgainstTheSchemaVersionItDeclares) {
  const std::string schema_file = DataFile("kcidb-io.schema.v4.5.json");
  auto schema = nlohmann::json::parse(testing::ReadText(schema_file));
  const auto& version = schema["properties"]["version"]["properties"];
  testing::TempDir dir;
  std::vector<std::string> docs;
  KcidbIds lab{"my_lab", "my_lab:linux-6.18.44", "b42"};
  for (const auto& [name, rec] : Records())
    for (const KcidbIds& ids : {KcidbIds{}, lab}) {
      std::string text = RenderKcidb(rec, ids);
      auto j = nlohmann::json::parse(text);
      EXPECT_EQ(j["version"]["major"], version["major"]["const"]) << name;
      EXPECT_EQ(j["version"]["minor"], version["minor"]["maximum"])
          << name << ": declares the version whose schema is kept here";
      docs.push_back(dir / (name + "-" + ids.origin + ".json"));
      testing::WriteText(docs.back(), text);
    }
  ToolResult r = ValidateJson(schema_file, docs);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.err, "");

  // A test that points at a build not in the report, a status KCIDB does not know, and an
  // origin with capitals are all refused: the validation can fail.
  auto bad = nlohmann::json::parse(RenderKcidb(SampleRecord()));
  bad["tests"][0]["status"] = "BROKEN";
  bad["builds"][0].erase("checkout_id");
  bad["checkouts"][0]["origin"] = "My Lab";
  testing::WriteText(dir / "bad.json", bad.dump());
  ToolResult refused = ValidateJson(schema_file, {dir / "bad.json"});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_THAT(refused.err, HasSubstr("tests/0/status"));
  EXPECT_THAT(refused.err, HasSubstr("checkout_id"));
  EXPECT_THAT(refused.err, HasSubstr("checkouts/0/origin"));
}

TEST_F(RecordConsumers, KcidbTestsPointAtTheBuildAndTheBuildAtTheCheckout) {
  for (const KcidbIds& ids : {KcidbIds{}, KcidbIds{"my_lab", "c1", "my_lab:b42"}}) {
    auto j = nlohmann::json::parse(RenderKcidb(SampleRecord(), ids));
    ASSERT_EQ(j["checkouts"].size(), 1u);
    ASSERT_EQ(j["builds"].size(), 1u);
    EXPECT_EQ(j["builds"][0]["checkout_id"], j["checkouts"][0]["id"]);
    EXPECT_EQ(j["builds"][0]["architecture"], "x86_64");
    for (const auto& t : j["tests"]) {
      EXPECT_EQ(t["build_id"], j["builds"][0]["id"]);
      EXPECT_EQ(t["origin"], ids.origin);
      EXPECT_THAT(t["id"].get<std::string>(), ::testing::StartsWith(ids.origin + ":"));
    }
  }
  auto lab = nlohmann::json::parse(RenderKcidb(SampleRecord(), {"my_lab", "c1", "my_lab:b42"}));
  EXPECT_EQ(lab["checkouts"][0]["id"], "my_lab:c1") << "a bare local id gets the origin";
  EXPECT_EQ(lab["builds"][0]["id"], "my_lab:b42");
  auto dflt = nlohmann::json::parse(RenderKcidb(SampleRecord()));
  EXPECT_EQ(dflt["checkouts"][0]["id"], "nsprobe:6.18.44-test");
  EXPECT_EQ(dflt["builds"][0]["id"], "nsprobe:6.18.44-test-x86_64");
}

TEST_F(RecordConsumers, KcidbIdOptionsAreCheckedBeforeAnythingIsWritten) {
  EXPECT_EQ(KcidbIdsProblem({}), "");
  EXPECT_THAT(KcidbIdsProblem({"My Lab", "", ""}), HasSubstr("--origin 'My Lab'"));
  EXPECT_THAT(KcidbIdsProblem({"lab", "x:", ""}), HasSubstr("--checkout-id 'x:'"));
  testing::TempDir dir;
  testing::WriteText(dir / "record.json", ToJson(SampleRecord()).dump());
  ToolResult r = testing::Nsprobe({"report", dir / "record.json", "--format", "kcidb", "--origin",
                                   "Bad-Origin", "--out", dir / "kcidb.json"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("--origin 'Bad-Origin'"));
  EXPECT_FALSE(std::filesystem::exists(dir / "kcidb.json"));
  ToolResult ok = testing::Nsprobe({"report", dir / "record.json", "--format", "kcidb", "--origin",
                                    "my_lab", "--build-id", "b7"});
  ASSERT_EQ(ok.exit_code, 0) << ok.Describe();
  EXPECT_EQ(nlohmann::json::parse(ok.out)["builds"][0]["id"], "my_lab:b7");
}

}  // namespace
}  // namespace nsprobe::record
