// Output files that appear whole or not at all: written under a temporary name in the same
// directory, flushed, then renamed, so an interrupted run leaves no half-written file.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nsprobe::record {

// Creates `dir` (and its parents) and proves a file can be created in it, before any work is
// done. Throws record::InputError naming the directory and the problem.
void PrepareOutputDir(const std::string& dir);

// Writes `content` to `path` atomically. Throws record::InputError naming the file.
void WriteFileAtomic(const std::string& path, std::string_view content);

// Several files committed together: every temporary file is written first and only then
// renamed, so a failure (full disk, unwritable directory) leaves none of them behind.
class FileSet {
 public:
  explicit FileSet(std::string dir) : dir_(std::move(dir)) {}
  void Add(std::string name, std::string content);
  // Throws record::InputError naming the file that could not be written.
  void Commit();

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> files_;
};

}  // namespace nsprobe::record
