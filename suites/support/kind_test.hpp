// The fixture every kind's suite shares: each case runs in both modes, is skipped only with
// the probe's reason, leaves no descriptor or child behind, and has one Observations for its
// children to record into.
#pragma once

#include <gtest/gtest.h>

#include "runtime/kind.hpp"
#include "runtime/probe.hpp"
#include "suites/support/hygiene.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe::testing {

template <Kind kKind>
class KindTest : public NoLeaksTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void SetUp() override {
    NoLeaksTest::SetUp();
    ExemptFromLeakCheck(obs_.ReadFd());
    ExemptFromLeakCheck(w_.Fd());
    NSPROBE_SKIP_UNLESS_AVAILABLE(kKind, GetParam());
  }
  // Collect() has closed the write end already; a leaked descriptor given either number
  // since then stays open and is caught.
  void TearDown() override {
    obs_.Close();
    NoLeaksTest::TearDown();
  }
  Mode mode() const { return GetParam(); }

  Observations obs_;
  const ObservationWriter w_ = obs_.Writer();
};

}  // namespace nsprobe::testing
