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
    report::KcidbIds kcidb;
  };
  auto o = std::make_shared<Options>();
  app->add_option("RECORD", o->record, "A record.json written by nsprobe run")->required();
  app->add_option("--format,-f", o->format, "md, html, junit, ktap, kcidb or text")
      ->check(CLI::IsMember({"md", "html", "junit", "ktap", "kcidb", "text"}));
  app->add_option("--out,-o", o->out, "Write to this file (atomically) instead of stdout");
  app->add_option("--origin", o->kcidb.origin, "kcidb: the submitting CI system (default nsprobe)");
  app->add_option("--checkout-id", o->kcidb.checkout_id,
                  "kcidb: the checkout's id (default <origin>:<kernel release>)");
  app->add_option("--build-id", o->kcidb.build_id,
                  "kcidb: the build's id (default <origin>:<kernel release>-<arch>)");
  commands.push_back({app, [o](const std::vector<std::string>& after, bool dashes) {
                        if (dashes || !after.empty())
                          throw UsageError("report takes no command after '--'");
                        if (std::string p = report::KcidbIdsProblem(o->kcidb); !p.empty())
                          throw UsageError(p);
                        record::Record r = record::LoadRecord(o->record);
                        std::string text;
                        if (o->format == "md") text = report::RenderMarkdown(r);
                        if (o->format == "html") text = report::RenderHtml(r);
                        if (o->format == "junit") text = report::RenderJunit(r);
                        if (o->format == "ktap") text = report::RenderKtap(r);
                        if (o->format == "kcidb") text = report::RenderKcidb(r, o->kcidb);
                        if (o->format == "text") text = report::RenderText(r);
                        if (o->out.empty())
                          fmt::print("{}", text);
                        else
                          record::WriteFileAtomic(o->out, text);
                        return 0;
                      }});
}

}  // namespace nsprobe::cli
