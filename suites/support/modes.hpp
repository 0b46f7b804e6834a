// The two privilege modes every isolation case runs in, and skips that come only from the
// probe.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "runtime/probe.hpp"
#include "runtime/spec.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe::testing {

// The uid that stands for "unprivileged" when the tests run as root.
inline constexpr Credentials kNobody{65534, 65534};

// A spec reaching `kinds` in `mode`: privileged adds nothing; unprivileged adds a user
// namespace with the creator mapped to root, created as kNobody when we are root.
Spec SpecFor(Mode mode, KindSet kinds);

// The probe's reason why `kind` cannot be created in `mode` here, or empty when it can.
// Cached per process.
std::string UnavailableReason(Kind kind, Mode mode);

// gtest parameter names: "privileged", "unprivileged".
std::string ModeParamName(const ::testing::TestParamInfo<Mode>& info);
inline const auto kBothModes = ::testing::Values(Mode::kPrivileged, Mode::kUnprivileged);

}  // namespace nsprobe::testing

// Skips the current test with the probe's reason when `kind` is not available in `mode`.
#define NSPROBE_SKIP_UNLESS_AVAILABLE(kind, mode)                                    \
  do {                                                                               \
    std::string nsprobe_reason_ = ::nsprobe::testing::UnavailableReason(kind, mode); \
    if (!nsprobe_reason_.empty()) GTEST_SKIP() << nsprobe_reason_;                   \
  } while (0)
