// A KTAP v1 parser after Documentation/dev-tools/ktap.rst, strict where KernelCI depends on it.
// Header-only so the render suite and the KTAP fuzz target read the output the same way.
#pragma once

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace nsprobe::testing {

struct KtapResult {
  bool ok = false;
  int number = 0;
  std::string name, directive, reason;
};
struct Ktap {
  int plan = -1;
  std::vector<KtapResult> results;
  std::map<std::string, int> totals;
  std::vector<std::string> errors;  // every line that is not KTAP, and a wrong first line
};

inline Ktap ParseKtap(const std::string& text) {
  static const std::regex kResult(
      R"(^(not )?ok (\d+) (\S+)(?: # (SKIP|ERROR|TODO|XFAIL|TIMEOUT)(?: (.*))?)?$)");
  static const std::regex kPlan(R"(^1\.\.(\d+)$)");
  static const std::regex kTotals(
      R"(^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+)$)");
  Ktap k;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  if (line != "KTAP version 1") k.errors.push_back("first line: " + line);
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kPlan)) {
      k.plan = std::stoi(m[1]);
    } else if (std::regex_match(line, m, kResult)) {
      k.results.push_back({!m[1].matched, std::stoi(m[2]), m[3], m[4], m[5]});
    } else if (std::regex_match(line, m, kTotals)) {
      const char* keys[] = {"pass", "fail", "xfail", "xpass", "skip", "error"};
      for (int i = 0; i < 6; ++i) k.totals[keys[i]] = std::stoi(m[i + 1]);
    } else if (!line.starts_with("# ")) {
      k.errors.push_back("not a KTAP line: " + line);
    }
  }
  return k;
}

}  // namespace nsprobe::testing
