// `nsprobe report RECORD --format ...`: re-renders a record.
#include <fmt/format.h>

#include "ci/commands/cli.hpp"
#include "ci/record/atomic_files.hpp"
#include "ci/report/render.hpp"

namespace nsprobe::cli {

void AddReport(CLI::App& root, std::vector<Command>& commands) {
  auto* app =
      root.add_subcommand("report", "Render a run record as md, html, junit, ktap, kcidb or text");
  struct Options {
    std::string record, format = "md", out;
  };
  auto o = std::make_shared<Options>();
  app->add_option("RECORD", o->record, "A record.json written by nsprobe run")->required();
  app->add_option("--format,-f", o->format, "md, html, junit, ktap, kcidb or text")
      ->check(CLI::IsMember({"md", "html", "junit", "ktap", "kcidb", "text"}));
  app->add_option("--out,-o", o->out, "Write to this file (atomically) instead of stdout");
  commands.push_back({app, [o](const std::vector<std::string>& after, bool dashes) {
                        if (dashes || !after.empty())
                          throw UsageError("report takes no command after '--'");
                        record::Record r = record::LoadRecord(o->record);
                        std::string text;
                        if (o->format == "md") text = report::RenderMarkdown(r);
                        if (o->format == "html") text = report::RenderHtml(r);
                        if (o->format == "junit") text = report::RenderJunit(r);
                        if (o->format == "ktap") text = report::RenderKtap(r);
                        if (o->format == "kcidb") text = report::RenderKcidb(r);
                        if (o->format == "text") text = report::RenderText(r);
                        if (o->out.empty())
                          fmt::print("{}", text);
                        else
                          record::WriteFileAtomic(o->out, text);
                        return 0;
                      }});
}

}  // namespace nsprobe::cli
