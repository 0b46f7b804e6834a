// merge_json OUT IN...: merges Google Benchmark JSON files (one per bench binary) into one.
// The context is the first file's, with "binaries" listing every input; each benchmark entry
// keeps every field and gains "binary", so compare.py and `nsprobe compare` read the result
// like any single run.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

namespace {

// Google Benchmark 1.7.1 writes a statistic it cannot compute (the cv of a counter that is
// always 0) as a bare NaN, which is not JSON: such values become null.
std::string WithoutNonFinite(const std::string& text) {
  static const std::regex kNonFinite(R"((:\s*)-?(NaN|nan|inf|Infinity)\b)");
  return std::regex_replace(text, kNonFinite, "$1null");
}

int Merge(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: merge_json OUT.json IN.json...: merges Google Benchmark JSON files\n";
    return 2;
  }
  nlohmann::json out = {{"context", nlohmann::json::object()},
                        {"benchmarks", nlohmann::json::array()}};
  nlohmann::json binaries = nlohmann::json::array();
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i]);
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json doc = nlohmann::json::parse(WithoutNonFinite(text.str()), nullptr, false);
    if (!in || doc.is_discarded() || !doc.contains("benchmarks")) {
      std::cerr << "merge_json: " << argv[i]
                << " is not Google Benchmark JSON; rerun that binary with "
                   "--benchmark_out_format=json\n";
      return 1;
    }
    std::string binary = std::filesystem::path(argv[i]).stem().string();
    if (out["context"].empty()) out["context"] = doc["context"];
    binaries.push_back(binary);
    for (auto& b : doc["benchmarks"]) {
      b["binary"] = binary;
      out["benchmarks"].push_back(std::move(b));
    }
  }
  out["context"]["binaries"] = binaries;
  std::ofstream file(argv[1]);
  file << out.dump(2) << '\n';
  if (!file) {
    std::cerr << "merge_json: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Merge(argc, argv);
  } catch (const std::exception& e) {  // a full disk, a bad allocation: say so, never abort
    std::cerr << "merge_json: " << e.what() << "\n";
    return 1;
  }
}
