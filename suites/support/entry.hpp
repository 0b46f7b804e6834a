// The three ways into a new namespace (clone3, unshare, setns), so a suite can run the same
// observation through each of them, and specs that enter a launched child's namespaces.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <tuple>

#include "runtime/child.hpp"
#include "runtime/kind.hpp"
#include "runtime/launch.hpp"
#include "runtime/probe.hpp"
#include "suites/support/observe.hpp"

namespace nsprobe::testing {

enum class Entry : std::uint8_t {
  kClone3,   // the runtime creates the namespace at clone time
  kUnshare,  // a launched child calls unshare() on itself
  kSetns,    // a launched child joins a namespace a holder created
};

std::string EntryName(Entry entry);
inline void PrintTo(Entry entry, std::ostream* os) { *os << EntryName(entry); }

inline const auto kAllEntries = ::testing::Values(Entry::kClone3, Entry::kUnshare, Entry::kSetns);

// gtest parameter names: "clone3_privileged", "setns_unprivileged", ...
std::string EntryModeParamName(const ::testing::TestParamInfo<std::tuple<Entry, Mode>>& info);

// The kinds to enter in a child launched by SpecFor(mode, kinds): unprivileged adds the
// child's user namespace, whose capabilities are what allow entering the rest.
KindSet EntryKinds(Mode mode, KindSet kinds);

// A spec whose child enters `target`'s namespaces of `kinds` by setns (Spec::join) instead of
// creating new ones; unprivileged, the child is created as kNobody when we are root and enters
// the target's user namespace too. Privileged with no kinds: a plain child.
Spec JoinSpec(Mode mode, pid_t target, KindSet kinds);

// Runs `setup` then `observe` in a new namespace of `kind` reached through `entry` in `mode`,
// and records the child's /proc/self/ns/<kind> link as "ns_link". For setns, a holder made
// with clone3 runs `setup` and keeps the namespace while a second child joins it to observe.
// Returns the observing child's exit status; the observations land in `obs`.
ExitStatus RunVia(Entry entry, Mode mode, Kind kind, Observations& obs, Body setup, Body observe);

}  // namespace nsprobe::testing
