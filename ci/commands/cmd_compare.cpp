// `nsprobe compare A B [C ...]`: conformance changes and benchmark regressions between runs.
#include <fmt/format.h>

#include "ci/commands/cli.hpp"
#include "ci/commands/numeric_options.hpp"
#include "ci/compare/compare.hpp"
#include "ci/record/atomic_files.hpp"

namespace nsprobe::cli {

void AddCompare(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand(
      "compare", "Compare records or Google Benchmark JSON files: new failures and regressions");
  app->footer(
      "The first file is the baseline. A benchmark regressed when the U test gives p < --alpha,\n"
      "the median rose by at least --threshold percent (default 10) and by at least --floor-ns.\n"
      "The two sides of one `scripts/bench --ab` run are judged round by round instead: the\n"
      "signed-rank test of each round's B/A ratio, the median ratio against a default threshold\n"
      "of 5% (the run goes on until each benchmark resolves 10%).\n"
      "Exit status: 0 nothing new failed or regressed, 1 otherwise, 2 bad input.");
  struct Options {
    std::vector<std::string> files;
    std::string format = "text", out;
    std::optional<double> threshold_pct;
    std::optional<double> unresolved_pct;
    compare::CompareOptions compare;
  };
  auto o = std::make_shared<Options>();
  app->add_option("FILES", o->files, "Records (record.json) or Google Benchmark JSON files")
      ->required();
  app->add_option("--format,-f", o->format, "text, md or html")
      ->check(CLI::IsMember({"text", "md", "html"}));
  app->add_option("--out,-o", o->out, "Write to this file (atomically) instead of stdout");
  app->add_flag("--all", o->compare.all, "List every case in the matrix, not only changed ones");
  app->add_option("--threshold", o->threshold_pct, "Smallest median change that counts, in %")
      ->check(NumberValidator(kMinThresholdPct, kMaxThresholdPct));
  app->add_option("--unresolved", o->unresolved_pct,
                  "Print only the benchmarks whose `detects` is above this change, in %, one name "
                  "a line (what another A/B round should measure)")
      ->check(NumberValidator(kMinThresholdPct, kMaxThresholdPct));
  app->add_option("--alpha", o->compare.alpha, "Significance level of the U test")
      ->check(NumberValidator(0, 1));
  app->add_option("--floor-ns", o->compare.floor_ns, "Smallest absolute median change, in ns")
      ->check(NumberValidator(0, kMaxFloorNs));
  commands.push_back(
      {app, [o](const std::vector<std::string>& after, bool dashes) {
         if (dashes || !after.empty()) throw UsageError("compare takes no command after '--'");
         if (o->files.size() < 2) throw UsageError("give at least two files: the baseline first");
         if (o->unresolved_pct && o->format != "text")
           throw UsageError("--unresolved prints benchmark names, one a line: drop --format");
         std::vector<compare::Input> inputs;
         for (std::size_t i = 0; i < o->files.size(); ++i)
           inputs.push_back(compare::LoadInput(
               o->files[i], i < 26 ? std::string(1, char('A' + i)) : fmt::format("#{}", i + 1)));
         compare::CompareOptions opts = o->compare;
         if (o->threshold_pct) opts.threshold = *o->threshold_pct / 100;
         compare::Comparison cmp = compare::Compare(std::move(inputs), opts);
         std::string text;
         if (o->unresolved_pct) {
           for (const auto& deltas : cmp.bench)
             for (const compare::BenchDelta& d : deltas)
               if (!d.tested || d.detectable > *o->unresolved_pct / 100) text += d.name + "\n";
         } else {
           text = o->format == "md"     ? RenderCompareMarkdown(cmp)
                  : o->format == "html" ? RenderCompareHtml(cmp)
                                        : RenderCompareText(cmp);
         }
         if (o->out.empty())
           fmt::print("{}", text);
         else
           record::WriteFileAtomic(o->out, text);
         // The names are the answer asked for, not a verdict: a regression among them is no error.
         return o->unresolved_pct || !cmp.Failed() ? 0 : 1;
       }});
}

}  // namespace nsprobe::cli
