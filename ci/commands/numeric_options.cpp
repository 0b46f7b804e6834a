#include "ci/commands/numeric_options.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace nsprobe::cli {
namespace {

// The text as it goes in a message: quoted, cut short, control bytes shown as '?'.
std::string Quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  for (char c : text.substr(0, kShown)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (text.size() > kShown) out += "...";
  return out + "'";
}

// Decimal digits only (no sign, no space, no 0x): the whole text, or nothing.
bool Digits(std::string_view text, std::uint64_t& value, bool& overflow) {
  overflow = false;
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return false;
  overflow = ec == std::errc::result_out_of_range;
  return ec == std::errc{} || overflow;
}

std::uint64_t WholeNumber(std::string_view text, std::uint64_t lo, std::uint64_t hi,
                          std::string_view what) {
  std::uint64_t value = 0;
  bool overflow = false;
  const std::string range = fmt::format("give {} from {} to {}", what, lo, hi);
  if (!Digits(text, value, overflow)) {
    if (!text.empty() && text.front() == '-')
      throw std::invalid_argument(fmt::format("{} is negative; {}", Quoted(text), range));
    throw std::invalid_argument(
        fmt::format("{} is not a whole number; {} in decimal digits", Quoted(text), range));
  }
  if (overflow || value < lo || value > hi)
    throw std::invalid_argument(fmt::format("{} is out of range; {}", Quoted(text), range));
  return value;
}

double Decimal(std::string_view text, double lo, double hi, std::string_view what) {
  const std::string range = fmt::format("give {} from {:g} to {:g}", what, lo, hi);
  double value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (text.empty() || end != last || ec == std::errc::invalid_argument)
    throw std::invalid_argument(
        fmt::format("{} is not a number; {}, e.g. 2.5", Quoted(text), range));
  if (ec == std::errc::result_out_of_range || !std::isfinite(value))
    throw std::invalid_argument(fmt::format("{} is not a finite number; {}", Quoted(text), range));
  if (value < lo || value > hi)
    throw std::invalid_argument(fmt::format("{} is out of range; {}", Quoted(text), range));
  return value;
}

// A CLI11 check over a parser that throws: its message becomes CLI11's.
template <typename F>
CLI::Validator Checker(std::string description, F parse) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const std::invalid_argument& e) {
          return e.what();
        }
      },
      std::move(description));
}

}  // namespace

std::uint32_t ParseId(std::string_view text) {
  return static_cast<std::uint32_t>(WholeNumber(text, 0, kMaxId, "a uid or gid"));
}

pid_t ParsePid(std::string_view text) {
  return static_cast<pid_t>(WholeNumber(text, 1, kMaxPid, "a pid"));
}

double ParseSeconds(std::string_view text) {
  // The smallest duration is a millisecond: anything shorter would be rounded to "no time".
  return Decimal(text, 0.001, kMaxSeconds, "a number of seconds");
}

std::uint64_t ParseCount(std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  return WholeNumber(text, lo, hi, "a count");
}

double ParseNumber(std::string_view text, double lo, double hi) {
  return Decimal(text, lo, hi, "a number");
}

CLI::Validator IdValidator() {
  return Checker("UID", [](const std::string& t) { ParseId(t); });
}

CLI::Validator PidValidator() {
  return Checker("PID", [](const std::string& t) { ParsePid(t); });
}

CLI::Validator SecondsValidator() {
  return Checker("SECONDS", [](const std::string& t) { ParseSeconds(t); });
}

CLI::Validator CountValidator(std::uint64_t lo, std::uint64_t hi) {
  return Checker(fmt::format("{}..{}", lo, hi),
                 [lo, hi](const std::string& t) { ParseCount(t, lo, hi); });
}

CLI::Validator NumberValidator(double lo, double hi) {
  return Checker(fmt::format("{:g}..{:g}", lo, hi),
                 [lo, hi](const std::string& t) { ParseNumber(t, lo, hi); });
}

CLI::Validator NonEmptyValidator(std::string what) {
  return Checker("", [what = std::move(what)](const std::string& t) {
    if (t.empty())
      throw std::invalid_argument(fmt::format("empty; give {}, or leave the option out", what));
  });
}

}  // namespace nsprobe::cli
