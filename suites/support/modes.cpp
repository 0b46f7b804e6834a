#include "suites/support/modes.hpp"

#include <unistd.h>

#include <cstdint>
#include <sstream>

#include "runtime/fd.hpp"

namespace nsprobe::testing {

Spec SpecFor(Mode mode, KindSet kinds) {
  Spec spec;
  spec.kinds = kinds;
  if (mode == Mode::kUnprivileged) {
    spec.kinds.Add(Kind::kUser);
    spec.map_root = true;
    if (::geteuid() == 0) spec.create_as = kNobody;
  }
  return spec;
}

Spec FreshUserNamespace(Mode mode) {
  Spec spec = SpecFor(mode, KindSet{Kind::kUser});
  spec.map_root = true;
  return spec;
}

// The probe's "unprivileged" is uid 65534 by default, the same as kNobody.
static_assert(ProbeOptions{}.unprivileged.uid == kNobody.uid);

std::string CannotBecomeReason(uid_t uid) {
  if (::geteuid() != 0)
    return "privilege: becoming uid " + std::to_string(uid) + " needs root (running as uid " +
           std::to_string(::geteuid()) + ")";
  std::string map;
  if (!TryReadFile("/proc/self/uid_map", map)) return "privilege: /proc/self/uid_map is unreadable";
  std::istringstream in(map);
  std::uint64_t inside = 0, outside = 0, count = 0;
  while (in >> inside >> outside >> count)
    if (inside <= uid && uid < inside + count) return {};
  return "privilege: " + RootlessReason() + ": uid " + std::to_string(uid) +
         " is not mapped here, so no process can become it";
}

std::string UnavailableReason(Kind kind, Mode mode) { return ProbeReasonOnce(kind, mode); }

std::string UnavailableReason(KindSet kinds, Mode mode) {
  std::string why;
  kinds.ForEach([&](Kind k) {
    if (why.empty()) why = UnavailableReason(k, mode);
  });
  return why;
}

std::string ModeParamName(const ::testing::TestParamInfo<Mode>& info) {
  return std::string(ModeName(info.param));
}

std::string KindParamName(const ::testing::TestParamInfo<Kind>& info) {
  return std::string(Name(info.param));
}

std::string KindModeParamName(const ::testing::TestParamInfo<std::tuple<Kind, Mode>>& info) {
  return std::string(Name(std::get<0>(info.param))) + "_" +
         std::string(ModeName(std::get<1>(info.param)));
}

}  // namespace nsprobe::testing
