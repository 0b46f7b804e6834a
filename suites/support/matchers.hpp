// gMock matchers over what a child recorded, in gVisor's shape:
//   EXPECT_THAT(obs["open"], FailedWith(ENOENT));
//   EXPECT_THAT(obs["mount"], Succeeded());
//   EXPECT_THAT(obs["pid"], HasValue(1));
//   EXPECT_THAT(obs["ns"], HasText(Ne(ours)));
// A mismatch prints the record as the child made it: its value, the errno's name and the
// file:line of the record, or that the child recorded nothing under the key.
#pragma once

#include <gmock/gmock.h>
#include <string.h>
#include <sys/wait.h>

#include <ostream>
#include <string>

#include "suites/support/observe.hpp"

namespace nsprobe::testing {

// "SIGTERM", or the number.
inline std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

inline void PrintTo(const Recorded& r, std::ostream* os) {
  if (!r.present) {
    *os << "nothing: the child recorded no '" << r.key << "'";
    return;
  }
  *os << r.key << "=" << r.value;
  if (r.err != 0) *os << " (" << ErrnoName(r.err) << ")";
  if (!r.text.empty()) *os << " '" << r.text << "'";
  *os << ", recorded at " << r.file << ":" << r.line;
}

// A system call that returned zero or more and left no error.
MATCHER(Succeeded, negation ? "did not succeed" : "succeeded (returned >= 0)") {
  return arg.present && arg.value >= 0 && arg.err == 0;
}

// A system call that failed (returned < 0) with errno `err`.
MATCHER_P(FailedWith, err, (negation ? "did not fail with " : "failed with ") + ErrnoName(err)) {
  return arg.present && arg.value < 0 && arg.err == err;
}

// A wait status (a recorded value) of a process that exited with `code`.
MATCHER_P(ExitedWith, code,
          (negation ? "is not" : "is") + std::string(" the status of exit ") +
              std::to_string(code)) {
  const int status = static_cast<int>(arg.value);
  return arg.present && arg.err == 0 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

// A wait status (a recorded value) of a process that `sig` killed.
MATCHER_P(KilledBy, sig,
          (negation ? "is not" : "is") + std::string(" the status of death by ") +
              SignalName(sig)) {
  const int status = static_cast<int>(arg.value);
  return arg.present && arg.err == 0 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

// A record whose value (a return or a number) matches `m`, with no error.
template <typename M>
::testing::Matcher<const Recorded&> HasValue(M m) {
  return ::testing::AllOf(
      ::testing::Field("present", &Recorded::present, true),
      ::testing::Field("err", &Recorded::err, 0),
      ::testing::Field("value", &Recorded::value, ::testing::MatcherCast<std::int64_t>(m)));
}

// A text record (a file, a link, a string) that matches `m`.
template <typename M>
::testing::Matcher<const Recorded&> HasText(M m) {
  return ::testing::AllOf(
      ::testing::Field("present", &Recorded::present, true),
      ::testing::Field("err", &Recorded::err, 0),
      ::testing::Field("text", &Recorded::text, ::testing::MatcherCast<std::string>(m)));
}

}  // namespace nsprobe::testing
