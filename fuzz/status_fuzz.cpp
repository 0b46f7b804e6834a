// StatusField and Numbers on any text, as pid_test and the fingerprint read
// /proc/PID/status and /proc/cpuinfo: every "Key:" present is found, trimmed and on one
// line, and a number list ("NSpid:\t4242\t1") written back with single spaces reads the same.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fuzz/fuzz_check.hpp"
#include "runtime/proc_files.hpp"

namespace {

// StatusField scans the whole text per key: a bounded number of keys keeps an input's cost
// linear in its size.
constexpr int kMaxKeys = 32;

bool Trimmed(std::string_view v) {
  return v.empty() || (v.front() != ' ' && v.front() != '\t' && v.back() != ' ' &&
                       v.back() != '\t' && v.back() != '\r');
}

void CheckNumbersRoundTrip(std::string_view text) {
  std::optional<std::vector<std::int64_t>> numbers = nsprobe::proc::Numbers(text);
  if (!numbers) return;
  std::string written = fmt::format("{}", fmt::join(*numbers, " "));
  FUZZ_CHECK(nsprobe::proc::Numbers(written) == numbers,
             fmt::format("'{}' -> '{}'", text, written));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nsprobe;
  std::string_view text = fuzz::Text(data, size);
  std::string_view rest = text;
  for (int keys = 0; keys < kMaxKeys && !rest.empty(); ++keys) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::optional<std::string> value = proc::StatusField(text, key);
    FUZZ_CHECK(value.has_value(), fmt::format("key '{}' of line '{}' not found", key, line));
    FUZZ_CHECK(value->find('\n') == std::string::npos && Trimmed(*value),
               fmt::format("key '{}' -> '{}'", key, *value));
    CheckNumbersRoundTrip(*value);
  }
  CheckNumbersRoundTrip(text);
  return 0;
}
