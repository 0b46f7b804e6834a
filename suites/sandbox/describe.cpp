#include "suites/sandbox/describe.hpp"

#include <unistd.h>

#include <algorithm>

#include "suites/support/modes.hpp"

namespace nsprobe::sandbox {

std::string SkipReason(const Adapter& adapter, Mode mode, Kind kind) {
  if (FindInPath(adapter.Program()).empty())
    return "unsupported: " + adapter.Program() + " is not installed; apt-get install " +
           adapter.Package();
  if (mode == Mode::kPrivileged && ::geteuid() != 0)
    return "privilege: the privileged mode runs " + adapter.Name() + " as root; run as root";
  if (std::string why = adapter.NotInMode(mode); !why.empty()) return why;
  if (mode == Mode::kUnprivileged && adapter.NeedsUserNamespace())
    if (std::string why = testing::UnavailableReason(Kind::kUser, Mode::kUnprivileged);
        !why.empty())
      return why;
  if (!adapter.Promises(mode).Has(kind))
    return "unsupported: " + adapter.Name() + "'s default in the " + std::string(ModeName(mode)) +
           " mode promises no private " + std::string(Name(kind)) + " namespace" +
           (kind == Kind::kUser ? " (root inside would be the host's root)" : "");
  return "";
}

std::string ShellLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) ||
             std::string_view("-_./=:,+").find(c) != std::string_view::npos;
    });
    if (plain) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

std::string CasePrefix(const std::string& runtime) {
  std::string p = runtime;
  std::replace(p.begin(), p.end(), '-', '_');
  return p;
}

std::string CaseSuffix(const std::string& runtime, Kind kind, Mode mode) {
  return CasePrefix(runtime) + "_" + std::string(Name(kind)) + "_" + std::string(ModeName(mode));
}

nlohmann::json DescribeAll() {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& a : AllAdapters()) {
    const std::string path = FindInPath(a->Program());
    nlohmann::json modes = nlohmann::json::object();
    for (Mode m : {Mode::kPrivileged, Mode::kUnprivileged})
      modes[std::string(ModeName(m))] = {{"not_in_mode", a->NotInMode(m)},
                                         {"flags", a->Flags(m)},
                                         {"promises", a->Promises(m).ToString()},
                                         {"shareable", a->Shareable(m).ToString()}};
    all.push_back({{"name", a->Name()},
                   {"case_prefix", CasePrefix(a->Name())},
                   {"program", a->Program()},
                   {"package", a->Package()},
                   {"installed", path},
                   {"version", path.empty() ? "" : a->Version()},
                   {"modes", modes}});
  }
  return all;
}

}  // namespace nsprobe::sandbox
