// Google Benchmark JSON loading on any bytes, as `compare` and `nsprobe run` read a
// benchmark file: JSON that is not usable gbench output is refused with record::InputError
// and nothing else. What loads has a time per repetition for every benchmark, each name
// once; compared with itself it shows no change; held in a record it writes and reads back.
#include <set>

#include "ci/compare/compare.hpp"
#include "ci/record/gbench.hpp"
#include "ci/record/input_error.hpp"
#include "fuzz/fuzz_check.hpp"
#include "fuzz/record_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::optional<nlohmann::ordered_json> json = fuzz::JsonFrom(data, size);
  if (!json) return 0;
  std::optional<record::BenchFile> file =
      fuzz::Accepted<record::InputError>([&] { return record::ParseGbench(*json, "fuzz"); });
  if (!file) return 0;
  FUZZ_CHECK(!file->benchmarks.empty(), json->dump());
  std::set<std::string> names;
  for (const record::Benchmark& b : file->benchmarks) {
    FUZZ_CHECK(!b.real_ns.empty() && b.real_ns.size() == b.cpu_ns.size(), b.name);
    FUZZ_CHECK(names.insert(b.name).second, "twice: " + b.name);
  }
  for (const compare::BenchDelta& d :
       compare::CompareBenchmarks(file->benchmarks, file->benchmarks, {}))
    FUZZ_CHECK(!d.regression && !d.improvement, d.name + " changed against itself");

  record::Record rec;
  rec.bench_context = file->context;
  rec.benchmarks = file->benchmarks;
  fuzz::CheckRecordRoundTrip(rec);
  return 0;
}
