#include "ci/run/suite_manifest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ci/record/input_error.hpp"
#include "ci/record/record.hpp"

namespace nsprobe::run {
namespace {

namespace fs = std::filesystem;

std::string SuiteOf(const std::string& name) {
  return name.ends_with("_test") ? name.substr(0, name.size() - 5) : name;
}

std::vector<SuiteBinary> FromManifest(const fs::path& dir, const fs::path& manifest) {
  const nlohmann::ordered_json json = record::ReadJsonFile(manifest.string());
  auto problem = [&](const std::string& what) {
    return record::InputError(fmt::format("{}: {}; rebuild (scripts/test) or reinstall nsprobe",
                                          manifest.string(), what));
  };
  if (!json.is_object() || json.value("format", 0) != 1 || !json.contains("suites") ||
      !json["suites"].is_array())
    throw problem("not an nsprobe suite manifest of format 1");
  std::vector<SuiteBinary> found;
  for (const auto& entry : json["suites"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("path") || !entry["path"].is_string() || !entry.contains("label") ||
        !entry["label"].is_string())
      throw problem("an entry without a name, path or label");
    SuiteBinary b;
    b.name = entry["name"].get<std::string>();
    b.suite = SuiteOf(b.name);
    b.label = entry["label"].get<std::string>();
    b.conformance = entry.value("type", std::string("conformance")) == "conformance";
    for (const auto& need : entry.value("needs", nlohmann::ordered_json::array()))
      if (need.is_string()) b.needs.push_back(need.get<std::string>());
    b.path = fs::weakly_canonical(dir / entry["path"].get<std::string>()).string();
    // A tool's test is listed only in the build tree's manifest and may be absent from a
    // copy; a conformance suite must be there.
    if (b.conformance && ::access(b.path.c_str(), X_OK) != 0)
      throw problem(fmt::format("lists {}, but {} is not an executable file", b.name, b.path));
    found.push_back(std::move(b));
  }
  return found;
}

std::vector<SuiteBinary> FromDirectory(const fs::path& dir) {
  std::vector<SuiteBinary> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.ends_with("_test") || !entry.is_regular_file()) continue;
    if (::access(entry.path().c_str(), X_OK) != 0) continue;
    std::string suite = SuiteOf(name);
    found.push_back({fs::absolute(entry.path()).string(), name, suite, suite, true, {}});
  }
  std::sort(found.begin(), found.end(),
            [](const SuiteBinary& a, const SuiteBinary& b) { return a.name < b.name; });
  return found;
}

}  // namespace

std::vector<SuiteBinary> FindSuites(const std::string& dir) {
  const fs::path manifest = fs::path(dir) / kManifestName;
  std::error_code ec;
  if (fs::exists(manifest, ec)) return FromManifest(fs::path(dir), manifest);
  return FromDirectory(fs::path(dir));
}

}  // namespace nsprobe::run
