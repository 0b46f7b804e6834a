// nsprobe: prove that this kernel's namespaces isolate what they promise.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string_view>
#include <system_error>
#include <utility>

#include "ci/commands/cli.hpp"
#include "ci/record/input_error.hpp"
#include "runtime/launch.hpp"

namespace {

// Everything after the first "--" is the command to run, never an option of ours.
int Main(int argc, char** argv) {
  using nsprobe::cli::Command;
  char** dashes =
      std::find_if(argv + 1, argv + argc, [](const char* a) { return std::strcmp(a, "--") == 0; });
  const bool had_dashes = dashes != argv + argc;
  std::vector<std::string> after(had_dashes ? dashes + 1 : argv + argc, argv + argc);
  const int parsed_argc = static_cast<int>(dashes - argv);

  CLI::App app{
      "nsprobe: prove that this kernel's namespaces isolate what they promise, and "
      "measure what creating them costs"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show the help of every subcommand");
  using Adder = void (*)(CLI::App&, std::vector<Command>&);
  static constexpr std::pair<std::string_view, Adder> kSubcommands[] = {
      {"exec", nsprobe::cli::AddExec},       {"enter", nsprobe::cli::AddEnter},
      {"probe", nsprobe::cli::AddProbe},     {"fingerprint", nsprobe::cli::AddFingerprint},
      {"hygiene", nsprobe::cli::AddHygiene}, {"run", nsprobe::cli::AddRun},
      {"report", nsprobe::cli::AddReport},   {"compare", nsprobe::cli::AddCompare},
      {"history", nsprobe::cli::AddHistory}, {"matrix", nsprobe::cli::AddMatrix},
  };
  // A named subcommand is the only one built: building all ten parsers is a millisecond of a
  // short `nsprobe exec` (measured by BM_Peer/nsprobe_exec_all_true). Help and errors about an
  // unknown name need them all.
  std::vector<Command> commands;
  const std::string_view first = parsed_argc > 1 ? argv[1] : "";
  const auto named = std::find_if(std::begin(kSubcommands), std::end(kSubcommands),
                                  [&](const auto& s) { return s.first == first; });
  if (named != std::end(kSubcommands)) {
    named->second(app, commands);
  } else {
    for (const auto& [name, add] : kSubcommands) add(app, commands);
  }
  try {
    app.parse(parsed_argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (parsed_argc > 1 && argv[1][0] != '-' &&
        app.get_subcommands([&](CLI::App* s) { return s->get_name() == argv[1]; }).empty()) {
      msg = fmt::format("unknown subcommand '{}': use one of {}", argv[1], [&] {
        std::string names;
        for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
          names += (names.empty() ? "" : ", ") + sub->get_name();
        return names;
      }());
    } else if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && !had_dashes &&
               (first == "exec" || first == "enter")) {
      // Only exec and enter take a command; for the others the word is simply not theirs.
      msg = fmt::format("{}: put '--' before the command, e.g. nsprobe exec --ns net -- ip -o link",
                        msg);
    }
    if (msg.empty()) msg = "bad command line";
    fmt::print(stderr, "nsprobe: {}; see 'nsprobe --help'\n", msg);
    return nsprobe::cli::kExitUsage;
  }
  for (const Command& c : commands) {
    if (!c.app->parsed()) continue;
    // "history add", not "add": a nested subcommand is named with its parent.
    const CLI::App* parent = c.app->get_parent();
    const std::string name = parent != nullptr && parent != &app
                                 ? parent->get_name() + " " + c.app->get_name()
                                 : c.app->get_name();
    try {
      return c.run(after, had_dashes);
    } catch (const nsprobe::cli::UsageError& e) {
      fmt::print(stderr, "nsprobe {}: {}\n", name, e.what());
    } catch (const nsprobe::record::InputError& e) {
      fmt::print(stderr, "nsprobe {}: {}\n", name, e.what());
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "nsprobe {}: {}\n", name, e.what());
    } catch (const nsprobe::StepError& e) {
      // A missing privilege or a refused namespace is bad input for this machine: say which
      // step and what would fix it.
      fmt::print(stderr, "nsprobe {}: {}\n", name, e.what());
    } catch (const std::exception& e) {
      fmt::print(stderr, "nsprobe {}: {}\n", name, e.what());
      return 1;
    }
    return nsprobe::cli::kExitUsage;
  }
  return nsprobe::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // What escapes Main (a std::bad_alloc while the parser is built) is one line and status 1,
  // not std::terminate's abort.
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "nsprobe: %s\n", e.what());
  } catch (...) {
    (void)std::fputs("nsprobe: an unknown error\n", stderr);
  }
  return 1;
}
