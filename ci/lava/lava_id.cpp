#include "ci/lava/lava_id.hpp"

#include <fmt/format.h>

namespace nsprobe::lava {
namespace {

constexpr std::string_view kHex = "0123456789ABCDEF";

bool Alnum(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

// `in_suite`: the suite's rules ('-' raw, '.' escaped); else the name's ('/' -> '-').
void Encode(std::string_view text, bool in_suite, std::string& out) {
  for (char ch : text) {
    if (Alnum(ch) || (in_suite && ch == '-') || (!in_suite && ch == '.')) {
      out.push_back(ch);
    } else if (!in_suite && ch == '/') {
      out.push_back('-');
    } else if (ch == '_') {
      out += "__";
    } else if (!in_suite && ch == '-') {
      out += "_-";
    } else {
      const auto byte = static_cast<unsigned char>(ch);
      out.push_back('_');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
}

int HexValue(char ch) {
  std::size_t at = kHex.find(ch);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<std::string> Decode(std::string_view text, bool in_suite) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (Alnum(ch) || (in_suite && ch == '-') || (!in_suite && ch == '.')) {
      out.push_back(ch);
    } else if (!in_suite && ch == '-') {
      out.push_back('/');
    } else if (ch != '_' || i + 1 >= text.size()) {
      return std::nullopt;
    } else if (text[i + 1] == '_') {
      out.push_back('_');
      ++i;
    } else if (!in_suite && text[i + 1] == '-') {
      out.push_back('-');
      ++i;
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char byte = static_cast<char>(hi * 16 + lo);
      // A byte the short forms cover has only them: one spelling per id.
      if (Alnum(byte) || byte == '_' || (in_suite && byte == '-') ||
          (!in_suite && (byte == '.' || byte == '/' || byte == '-')))
        return std::nullopt;
      out.push_back(byte);
      i += 2;
    }
  }
  return out;
}

}  // namespace

std::string CaseId(std::string_view suite, std::string_view name) {
  std::string id;
  Encode(suite, /*in_suite=*/true, id);
  id.push_back('.');
  Encode(name, /*in_suite=*/false, id);
  return id;
}

std::optional<std::pair<std::string, std::string>> CaseOfId(std::string_view id) {
  const std::size_t dot = id.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto suite = Decode(id.substr(0, dot), true);
  auto name = Decode(id.substr(dot + 1), false);
  if (!suite || !name || suite->empty()) return std::nullopt;
  return std::make_pair(std::move(*suite), std::move(*name));
}

std::string BenchmarkId(std::string_view benchmark) { return CaseId("bench", benchmark); }

std::string_view LavaVerdict(record::Verdict v) {
  switch (v) {
    case record::Verdict::kPass:
      return "pass";
    case record::Verdict::kSkip:
    case record::Verdict::kByDesign:  // LAVA has no fourth result; the record keeps the outcome
      return "skip";
    default:
      return "fail";
  }
}

std::string ResultLines(const record::Record& rec) {
  std::string out;
  for (const record::Case& c : rec.cases)
    out += fmt::format("{}{} {}\n", kResultPrefix, CaseId(c), LavaVerdict(c.verdict));
  for (const record::Benchmark& b : rec.benchmarks) {
    if (b.real_ns.empty()) continue;
    out += fmt::format("{}{} {:.1f} ns\n", kResultPrefix, BenchmarkId(b.name),
                       record::Median(b.real_ns));
  }
  return out;
}

}  // namespace nsprobe::lava
