// ParseTimeOffset on any text: an offset or std::invalid_argument. An offset is what
// /proc/PID/timens_offsets takes (0 <= ns < 1e9), has the sign that was written, and its
// decimal spelling parses back to the same offset.
#include <fmt/format.h>

#include <stdexcept>

#include "fuzz/fuzz_check.hpp"
#include "runtime/spec.hpp"

namespace {

// {-2 s, 500000000 ns} -> "-1.500000000"; unsigned arithmetic so INT64_MIN spells too.
std::string Decimal(const nsprobe::TimeOffset& off) {
  if (off.seconds >= 0) return fmt::format("{}.{:09}", off.seconds, off.nanoseconds);
  std::uint64_t magnitude = 0 - static_cast<std::uint64_t>(off.seconds);
  if (off.nanoseconds == 0) return fmt::format("-{}", magnitude);
  return fmt::format("-{}.{:09}", magnitude - 1, 1'000'000'000 - off.nanoseconds);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::string_view text = fuzz::Text(data, size);
  std::optional<TimeOffset> parsed =
      fuzz::Accepted<std::invalid_argument>([&] { return ParseTimeOffset(text); });
  if (!parsed) return 0;
  const TimeOffset& off = *parsed;
  std::string seen = fmt::format("'{}' -> {{{} s, {} ns}}", text, off.seconds, off.nanoseconds);
  FUZZ_CHECK(off.nanoseconds >= 0 && off.nanoseconds < 1'000'000'000, seen);
  bool written_negative = text.starts_with('-');
  bool zero = off == TimeOffset{};
  FUZZ_CHECK(zero || (off.seconds < 0) == written_negative, seen);
  std::string decimal = Decimal(off);
  FUZZ_CHECK(ParseTimeOffset(decimal) == off, seen + " spelled '" + decimal + "'");
  return 0;
}
