// End to end (opt-in, label lava-guest): one Debian kernel through both engines — nsprobe's
// own QEMU runner and lava-run (lava-dispatcher) with share/nsprobe/lava/'s device and job.
// The two records must agree case by case: same cases, same verdicts, same kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "ci/lava/lava_id.hpp"
#include "ci/matrix/process.hpp"
#include "ci/record/record.hpp"
#include "suites/support/paths.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe::lava {
namespace {

namespace fs = std::filesystem;

// The record of the one guest kernel `nsprobe matrix --engine <engine>` ran.
record::Record RunEngine(const std::string& engine, const fs::path& out) {
  matrix::Ran ran =
      matrix::RunLogged({nsprobe::testing::NsprobeCommand(), "matrix", "--engine", engine,
                         "--kernel", "linux-image-cloud-amd64", "--out", out.string()},
                        (out.parent_path() / (engine + ".log")).string(), 5400);
  EXPECT_FALSE(ran.status.timed_out) << engine << ": " << ran.status.Describe();
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().filename().string().starts_with("6.") && fs::exists(e.path() / "record.json"))
      return record::LoadRecord((e.path() / "record.json").string());
  ADD_FAILURE() << "no kernel record in " << out;
  return {};
}

// Case id -> verdict as LAVA spells it (an error is a fail there), the matrix's own
// problem cases left out.
std::map<std::string, std::string> Verdicts(const record::Record& rec) {
  std::map<std::string, std::string> out;
  for (const record::Case& c : rec.cases)
    if (c.suite != "matrix") out[CaseId(c)] = std::string(LavaVerdict(c.verdict));
  return out;
}

TEST(LavaEngine, AgreesWithTheBuiltinEngineCaseByCaseOnOneKernel) {
  nsprobe::testing::TempDir dir("lava-guest");
  record::Record builtin = RunEngine("builtin", fs::path(dir.Path()) / "builtin");
  record::Record lava = RunEngine("lava", fs::path(dir.Path()) / "lava");
  EXPECT_EQ(lava.Fact("kernel.release"), builtin.Fact("kernel.release"));
  EXPECT_EQ(lava.Fact("emulation"), "tcg");
  const auto a = Verdicts(builtin), b = Verdicts(lava);
  EXPECT_GT(a.size(), 100u);
  for (const auto& [id, verdict] : a) {
    auto it = b.find(id);
    if (it == b.end())
      ADD_FAILURE() << id << ": " << verdict << " on the builtin engine, missing on LAVA";
    else
      EXPECT_EQ(it->second, verdict) << id;
  }
  for (const auto& [id, verdict] : b)
    if (!a.contains(id)) ADD_FAILURE() << id << ": " << verdict << " on LAVA only";
  RecordProperty("cases_compared", static_cast<int>(a.size()));
}

}  // namespace
}  // namespace nsprobe::lava
