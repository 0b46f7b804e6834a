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

// Proves `dir` can be used as a new or replaced output directory without leaving anything:
// `dir` is a directory, or its nearest existing ancestor is one in which a directory can be
// made (tried, and removed at once). Throws record::InputError naming `dir` and the problem.
void CheckOutputDir(const std::string& dir);

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
  // Replaces the set as a whole: the files are written into a new sibling directory of the
  // set's directory, which then takes its place in one renameat2(RENAME_EXCHANGE) (a plain
  // rename when there was none). Files of the old directory that are not in the set are
  // moved into the new one; the old set is removed. A failure leaves the old directory as it
  // was. Creates missing parents. Throws record::InputError naming the directory or file.
  void CommitAsDirectory();

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> files_;
};

}  // namespace nsprobe::record
