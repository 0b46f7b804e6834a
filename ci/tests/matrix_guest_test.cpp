// End to end (opt-in, label matrix-guest): `nsprobe matrix` on the host and on Debian's 6.1
// cloud kernel under QEMU. The kernels' results must differ exactly where the kernels do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "ci/matrix/process.hpp"
#include "ci/record/record.hpp"
#include "ci/report/render.hpp"
#include "runtime/fd.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(KernelMatrix, SixOneCloudDiffersFromTheHostOnlyWhereTheKernelDoes) {
  fs::path out = fs::temp_directory_path() / "nsprobe-matrix-guest-test";
  fs::remove_all(out);
  Ran ran = RunLogged({nsprobe::testing::NsprobeCommand(), "matrix", "--kernel", "host", "--kernel",
                       "linux-image-cloud-amd64", "--out", out.string()},
                      (fs::temp_directory_path() / "nsprobe-matrix-guest-test.log").string(), 3300);
  ASSERT_FALSE(ran.status.timed_out) << ran.status.Describe();
  record::Record host = record::LoadRecord((out / "host" / "record.json").string());
  fs::path guest_dir;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().filename().string().starts_with("6.1.")) guest_dir = e.path();
  ASSERT_FALSE(guest_dir.empty()) << "no 6.1 column in " << out;
  record::Record guest = record::LoadRecord((guest_dir / "record.json").string());
  EXPECT_THAT(guest.Fact("kernel.release"), StartsWith("6.1."));
  EXPECT_NE(guest.Fact("emulation"), "none");
  EXPECT_NE(guest.Fact("kernel.release"), host.Fact("kernel.release"));

  std::map<std::string, const record::Case*> on_host;
  for (const record::Case& c : host.cases) on_host[c.Key()] = &c;
  int differing = 0, unsupported = 0, unprivileged = 0;
  for (const record::Case& c : guest.cases) {
    unprivileged += c.suite.ends_with("-uid65534") ? 1 : 0;
    auto it = on_host.find(c.Key());
    if (it == on_host.end()) {
      EXPECT_TRUE(c.verdict == record::Verdict::kPass || c.verdict == record::Verdict::kSkip)
          << c.Key() << " (not run on the host): " << report::Headline(c);
      continue;
    }
    const record::Verdict was = it->second->verdict;
    // What fails on the host as well is the host suites' business, not the kernels'.
    if (c.verdict == was || was == record::Verdict::kFail || was == record::Verdict::kError)
      continue;
    ++differing;
    if (c.verdict == record::Verdict::kSkip) {
      // What the older kernel lacks is a skip the probe explains, never another category.
      EXPECT_EQ(c.skip_category, "unsupported") << c.Key() << ": " << c.reason;
      ++unsupported;
    } else {
      ADD_FAILURE() << c.Key() << ": " << record::VerdictName(was) << " on the host, "
                    << record::VerdictName(c.verdict) << " on " << guest.Fact("kernel.release")
                    << ": " << report::Headline(c);
    }
  }
  EXPECT_GT(unprivileged, 0) << "no case from the run as uid 65534";
  if (host.probe.value("ns_get_id", false)) {
    EXPECT_GT(unsupported, 0) << "6.1 lacks NS_GET_ID, yet no case skipped for it";
  }
  RecordProperty("cases_differing", differing);
  std::string md = ReadFile((out / "matrix.md").string());
  if (host.probe.value("ns_get_id", false) && !guest.probe.value("ns_get_id", true)) {
    EXPECT_THAT(md, HasSubstr("| **≠** api: ns_get_id | yes | no |")) << md;
  }
  fs::remove_all(out);
}

}  // namespace
}  // namespace nsprobe::matrix
