// The command line's number parsers on any text: a value is accepted only when the text is
// that value's own decimal spelling (leading zeros aside) within the range, so nothing
// wraps, truncates or rounds into range; a refusal is std::invalid_argument with one line.
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "ci/commands/numeric_options.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

// `text` without its leading zeros ("0" stays "0").
std::string_view WithoutLeadingZeros(std::string_view text) {
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  return text;
}

template <typename Parse>
void CheckRefusal(Parse parse, const std::string& shown) {
  try {
    parse();
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    FUZZ_CHECK(!what.empty() && what.find('\n') == std::string::npos && what.size() < 200,
               what + "\nfor " + shown);
    FUZZ_CHECK(what.find("give ") != std::string::npos, what);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe::cli;
  using nsprobe::fuzz::Accepted;
  const std::string_view text = nsprobe::fuzz::Text(data, size);
  const std::string shown = std::string("'").append(text.substr(0, 200)).append("'");

  if (auto id = Accepted<std::invalid_argument>([&] { return ParseId(text); })) {
    FUZZ_CHECK(*id <= kMaxId, shown);
    FUZZ_CHECK(std::to_string(*id) == WithoutLeadingZeros(text), shown);
  }
  if (auto pid = Accepted<std::invalid_argument>([&] { return ParsePid(text); })) {
    FUZZ_CHECK(*pid >= 1 && *pid <= kMaxPid, shown);
    FUZZ_CHECK(std::to_string(*pid) == WithoutLeadingZeros(text), shown);
  }
  if (auto n = Accepted<std::invalid_argument>([&] { return ParseCount(text, 1, 10000); })) {
    FUZZ_CHECK(*n >= 1 && *n <= 10000, shown);
    FUZZ_CHECK(std::to_string(*n) == WithoutLeadingZeros(text), shown);
  }
  if (auto s = Accepted<std::invalid_argument>([&] { return ParseSeconds(text); })) {
    FUZZ_CHECK(std::isfinite(*s) && *s >= 0.001 && *s <= kMaxSeconds, shown);
    // What the commands make of it: milliseconds that fit, and at least one.
    const long long ms = std::llround(*s * 1000);
    FUZZ_CHECK(ms >= 1 && ms <= static_cast<long long>(kMaxSeconds) * 1000, shown);
    double again = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), again);
    FUZZ_CHECK(ec == std::errc{} && end == text.data() + text.size() && again == *s, shown);
  }
  CheckRefusal([&] { ParseId(text); }, shown);
  CheckRefusal([&] { ParsePid(text); }, shown);
  CheckRefusal([&] { ParseSeconds(text); }, shown);
  CheckRefusal([&] { ParseCount(text, 0, 5); }, shown);
  CheckRefusal([&] { ParseNumber(text, 0, 1); }, shown);
  return 0;
}
