// What a cross-cutting case's verdict rests on: the kinds whose isolation it checks. Kinds'
// own suites need no declaration (their label is the kind); a case of any other conformance
// suite declares its kinds here, and `nsprobe run --negative-control K` runs it with K
// withheld and counts it into K's sensitivity. A case that declares nothing is listed as
// undeclared there, so that what the control does not cover stays visible.
#pragma once

#include <gtest/gtest.h>

#include "runtime/kind.hpp"

namespace nsprobe::testing {

// The gtest property the runner reads back from --gtest_output=json (ci/run/gtest_output).
inline constexpr const char* kKindsProperty = "nsprobe_kinds";

// Declares that the running case's verdict depends on `kinds` ("mnt,user" in the JSON). Call
// it before any skip: a skipped case is not applicable either way, but is still declared.
inline void DependsOnKinds(KindSet kinds) {
  ::testing::Test::RecordProperty(kKindsProperty, kinds.ToString());
}

}  // namespace nsprobe::testing
