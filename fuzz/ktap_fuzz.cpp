// RenderKtap on any record: the output parses back with the suites' strict KTAP parser,
// one result per case, numbered from 1, under its unique KCIDB-safe path, with the verdict,
// the directive's reason and the totals the record holds.
//
// The input spells a record in text a person can write: chunks separated by 0x1e, fields by
// 0x1f. The first chunk is "VERSION␟CREATED␟KEY␟VALUE␟KEY␟VALUE..." (the fingerprint); every
// other chunk is a case "SUITE␟LABEL␟NAME␟MODE␟VERDICT␟CATEGORY␟REASON␟FAILURE␟FAILURE...",
// VERDICT being p, f, s or e.
#include <fmt/format.h>

#include <regex>
#include <set>

#include "ci/report/render.hpp"
#include "ci/tests/ktap_reader.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

using namespace nsprobe::record;
using nsprobe::report::CasePaths;
using nsprobe::report::RenderKtap;

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> out;
  while (true) {
    std::size_t at = text.find(separator);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

Verdict VerdictOf(std::string_view field) {
  switch (field.empty() ? 'p' : field.front()) {
    case 'f':
      return Verdict::kFail;
    case 's':
      return Verdict::kSkip;
    case 'e':
      return Verdict::kError;
    default:
      return Verdict::kPass;
  }
}

Record RecordFromText(std::string_view text) {
  std::vector<std::string> chunks = Split(text, '\x1e');
  Record r;
  std::vector<std::string> head = Split(chunks[0], '\x1f');
  head.resize(std::max<std::size_t>(head.size(), 2));
  r.nsprobe_version = head[0];
  r.created = head[1];
  for (std::size_t i = 2; i + 1 < head.size(); i += 2)
    r.fingerprint.emplace_back(head[i], head[i + 1]);
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    std::vector<std::string> f = Split(chunks[i], '\x1f');
    f.resize(std::max<std::size_t>(f.size(), 7));
    Case c{f[0], f[1], f[2], f[3], VerdictOf(f[4]), f[5], f[6], {}, 0.001};
    c.failures.assign(f.begin() + 7, f.end());
    r.cases.push_back(std::move(c));
  }
  return r;
}

// What RenderKtap promises of a directive's text: one line, no '#', no trailing blanks.
std::string AsDirective(std::string_view reason) {
  std::string out;
  for (char ch : reason) out += (ch == '\n' || ch == '\r' || ch == '#') ? ' ' : ch;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using nsprobe::testing::Ktap;
  using nsprobe::testing::KtapResult;
  static const std::regex kKcidbPath(R"(^[.a-zA-Z0-9_-]*$)");
  Record rec = RecordFromText(nsprobe::fuzz::Text(data, size));
  std::string text = RenderKtap(rec);
  Ktap k = nsprobe::testing::ParseKtap(text);
  FUZZ_CHECK(k.errors.empty(), k.errors.front() + "\nin\n" + text);
  FUZZ_CHECK(k.plan == static_cast<int>(rec.cases.size()), text);
  FUZZ_CHECK(k.results.size() == rec.cases.size(), text);
  std::vector<std::string> paths = CasePaths(rec);
  std::set<std::string> names;
  for (std::size_t i = 0; i < rec.cases.size(); ++i) {
    const KtapResult& r = k.results[i];
    const Case& c = rec.cases[i];
    std::string seen = fmt::format("result {} '{}' of\n{}", i + 1, r.name, text);
    FUZZ_CHECK(r.number == static_cast<int>(i + 1), seen);
    FUZZ_CHECK(r.name == paths[i] && names.insert(r.name).second, seen);
    FUZZ_CHECK(std::regex_match(r.name, kKcidbPath), seen);
    bool failing = c.verdict == Verdict::kFail || c.verdict == Verdict::kError;
    FUZZ_CHECK(r.ok == !failing, seen);
    std::string directive = c.verdict == Verdict::kSkip    ? "SKIP"
                            : c.verdict == Verdict::kError ? "ERROR"
                                                           : "";
    FUZZ_CHECK(r.directive == directive, seen);
    if (!directive.empty()) FUZZ_CHECK(r.reason == AsDirective(c.reason), seen);
  }
  Totals t = rec.CountTotals();
  FUZZ_CHECK(k.totals["pass"] == t.pass && k.totals["fail"] == t.fail &&
                 k.totals["skip"] == t.skip && k.totals["error"] == t.error,
             text);
  return 0;
}
