// `nsprobe hygiene snapshot|diff`: the host before and after, for ctest fixtures and people.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "ci/commands/cli.hpp"
#include "ci/record/bounded_read.hpp"
#include "ci/run/host_snapshot.hpp"

namespace nsprobe::cli {
namespace {

run::Snapshot Load(const std::string& path) {
  const std::string text = record::ReadBounded(path);
  try {
    return run::FromJson(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(fmt::format(
        "{}: not JSON ({}); give a file written by 'nsprobe hygiene snapshot'", path, e.what()));
  } catch (const std::invalid_argument& e) {
    throw UsageError(
        fmt::format("{}: {}; give a file written by 'nsprobe hygiene snapshot'", path, e.what()));
  }
}

}  // namespace

void AddHygiene(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand(
      "hygiene",
      "Snapshot the host (names, mounts, IPC, links, netns, children, user sysctls) and compare");
  auto* snap = app->add_subcommand("snapshot", "Print a snapshot of the host as JSON");
  auto* diff = app->add_subcommand("diff", "Compare two snapshots; exit 1 and list what changed");
  app->require_subcommand(1);
  auto out = std::make_shared<std::string>();
  auto files = std::make_shared<std::vector<std::string>>();
  snap->add_option("--out", *out, "Write to this file instead of stdout");
  diff->add_option("files", *files, "BEFORE AFTER")->required()->expected(2);
  commands.push_back(
      {app, [=](const std::vector<std::string>& after, bool dashes) {
         if (dashes || !after.empty()) throw UsageError("hygiene takes no command after '--'");
         if (snap->parsed()) {
           // The snapshot's own parent is the owner whose children count (ctest, a shell).
           std::string text = run::ToJson(run::Take(::getppid())).dump(1) + "\n";
           if (out->empty()) {
             fmt::print("{}", text);
             return 0;
           }
           std::string tmp = *out + ".tmp";
           std::ofstream f(tmp);
           if (!(f << text) || !f.flush())
             throw UsageError(fmt::format("{}: cannot write it", tmp));
           f.close();
           if (std::rename(tmp.c_str(), out->c_str()) != 0)
             throw UsageError(fmt::format("{}: cannot write it ({})", *out, std::strerror(errno)));
           return 0;
         }
         auto diffs = run::Compare(Load((*files)[0]), Load((*files)[1]));
         if (diffs.empty()) {
           fmt::print("host unchanged\n");
           return 0;
         }
         fmt::print(stderr, "host changed:\n{}", run::Describe(diffs));
         return 1;
       }});
}

}  // namespace nsprobe::cli
