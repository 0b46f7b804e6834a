// Google Benchmark JSON (1.7.1, --benchmark_out_format=json) read into record benchmarks.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ci/record/record.hpp"

namespace nsprobe::record {

struct BenchFile {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  std::vector<Benchmark> benchmarks;  // in the file's order, repetitions grouped by run_name
};

// True when the document has the shape of a Google Benchmark output file.
bool LooksLikeGbench(const nlohmann::ordered_json& json);
// Throws record::InputError "<source>: <problem>" when it is not one, or holds no usable result.
BenchFile ParseGbench(const nlohmann::ordered_json& json, const std::string& source);
BenchFile LoadGbench(const std::string& path);

}  // namespace nsprobe::record
