// The negative control's seam, on the suites' side only: under `nsprobe run
// --negative-control`, whose guard arms this process (runtime/negative_control.hpp), the
// suites' launches and their own namespace-making system calls silently leave the withheld
// kinds out, so that every isolation case can be shown to fail where the isolation is absent.
// Production code never passes through here.
//
// Every launch in a conformance suite goes through testing::Launch (a source check in
// suites/CMakeLists.txt holds them to it): a case that reached nsprobe::Launch directly would
// keep its namespaces under the control, and pass as if insensitive.
#pragma once

#include <fmt/format.h>
#include <sched.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "runtime/launch.hpp"
#include "runtime/negative_control.hpp"

namespace nsprobe::testing {

// Decided when the program starts rather than at the first launch: a first launch from inside
// a child that already has namespaces of its own would otherwise decide differently from its
// parent. When armed, one line to stderr says so, so that no log of such a run can be mistaken
// for a normal one.
inline const KindSet kWithheldKinds = [] {
  const KindSet kinds = ArmedKinds();
  if (!kinds.Empty())
    fmt::print(stderr, "nsprobe: NEGATIVE CONTROL: this process withholds {} namespaces\n",
               kinds.ToString());
  return kinds;
}();

// The kinds this process withholds: none, normally.
inline KindSet WithheldKinds() { return kWithheldKinds; }

// `spec` without the `withheld` kinds, and without the setup that belongs inside them only (a
// hostname without uts would rename the namespace we are in, and the spec would not validate).
// Dropping setup can only make a case look less sensitive, never more.
inline Spec WithholdKinds(const Spec& spec, KindSet withheld) {
  Spec out = spec;
  withheld.ForEach([&](Kind k) { out.kinds.Remove(k); });
  if (withheld.Has(Kind::kUser)) {
    out.map_root = false;
    out.uid_map = {};
    out.gid_map = {};
    out.setgroups = SetgroupsPolicy::kAuto;
  }
  const bool joins_uts = spec.join && spec.join->kinds.Has(Kind::kUts);
  if (withheld.Has(Kind::kUts) && !joins_uts) out.hostname = out.domainname = std::nullopt;
  if (withheld.Has(Kind::kPid) || withheld.Has(Kind::kMnt)) out.mount_proc = false;
  if (withheld.Has(Kind::kNet)) out.loopback_up = false;
  if (withheld.Has(Kind::kTime)) out.monotonic_offset = out.boottime_offset = std::nullopt;
  return out;
}

// nsprobe::Launch through the seam: the spec is checked as given, then launched without the
// withheld kinds.
inline Child Launch(const Spec& spec, Body body, const LaunchOptions& options = {}) {
  if (WithheldKinds().Empty()) return nsprobe::Launch(spec, body, options);
  spec.Validate();
  return nsprobe::Launch(WithholdKinds(spec, WithheldKinds()), body, options);
}
inline Child Launch(const Spec& spec, const std::vector<std::string>& argv,
                    const LaunchOptions& options = {}) {
  if (WithheldKinds().Empty()) return nsprobe::Launch(spec, argv, options);
  spec.Validate();
  return nsprobe::Launch(WithholdKinds(spec, WithheldKinds()), argv, options);
}

// `flags` without the CLONE_NEW* flags of the withheld kinds (all of them, normally none).
// Async-signal-safe.
inline unsigned long Seamed(unsigned long flags) {
  return flags & ~static_cast<unsigned long>(WithheldKinds().CloneFlags());
}

// unshare(2) through the seam. Async-signal-safe.
inline int Unshare(unsigned long flags) { return ::unshare(static_cast<int>(Seamed(flags))); }

}  // namespace nsprobe::testing
