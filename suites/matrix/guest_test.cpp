// End to end (opt-in, label matrix-guest): `nsprobe matrix` on the host and on Debian's 6.1
// cloud kernel under QEMU. The kernels' results must differ exactly where the kernels do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "ci/matrix/process.hpp"
#include "ci/record.hpp"
#include "ci/render.hpp"
#include "runtime/fd.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(KernelMatrix, SixOneCloudDiffersFromTheHostOnlyWhereTheKernelDoes) {
  fs::path out = fs::temp_directory_path() / "nsprobe-matrix-guest-test";
  fs::remove_all(out);
  Ran ran = RunLogged({NSPROBE_BINARY, "matrix", "--kernel", "host", "--kernel",
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
  int compared = 0;
  for (const record::Case& c : guest.cases) {
    EXPECT_NE(c.verdict, record::Verdict::kFail) << c.Key() << ": " << record::Headline(c);
    EXPECT_NE(c.verdict, record::Verdict::kError) << c.Key() << ": " << c.reason;
    auto it = on_host.find(c.Key());
    if (it == on_host.end()) continue;
    ++compared;
    if (it->second->verdict == c.verdict) continue;
    // A case may only change by what the older kernel lacks.
    EXPECT_EQ(c.verdict, record::Verdict::kSkip) << c.Key();
    EXPECT_EQ(c.skip_category, "unsupported") << c.Key() << ": " << c.reason;
  }
  EXPECT_GT(compared, 0) << "the records share no case";

  std::string md = ReadFile((out / "matrix.md").string());
  if (host.probe.value("ns_get_id", false) && !guest.probe.value("ns_get_id", true)) {
    EXPECT_THAT(md, HasSubstr("| **≠** api: ns_get_id | yes | no |")) << md;
  }
  fs::remove_all(out);
}

}  // namespace
}  // namespace nsprobe::matrix
