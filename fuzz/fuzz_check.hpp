// What every fuzz target shares: its input as text, and a check that aborts. An abort is
// what libFuzzer reports as a crash (saving the input) and what the replay driver catches;
// a failed gtest-style expectation would be ignored by both.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace nsprobe::fuzz {

inline std::string_view Text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void Fail(const char* condition, const char* file, int line,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property broken: %s\n%s\n", file, line, condition, detail.c_str());
  std::abort();
}

// What `parse()` returns, or nullopt when it throws `Refusal`, the one failure its contract
// documents. Any other exception escapes, and an escaping exception aborts: both libFuzzer
// and the replay driver report it as a crash.
template <typename Refusal, typename Parse>
auto Accepted(Parse parse) -> std::optional<decltype(parse())> {
  try {
    return parse();
  } catch (const Refusal&) {
    return std::nullopt;
  }
}

}  // namespace nsprobe::fuzz

// FUZZ_CHECK(cond, detail): `detail` (a std::string) is built only when the property fails.
#define FUZZ_CHECK(condition, detail)                                                  \
  do {                                                                                 \
    if (!(condition)) ::nsprobe::fuzz::Fail(#condition, __FILE__, __LINE__, (detail)); \
  } while (0)
