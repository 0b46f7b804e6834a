#include "suites/support/modes.hpp"

#include <unistd.h>

#include <map>
#include <mutex>

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

std::string UnavailableReason(Kind kind, Mode mode) {
  static std::mutex mu;
  static std::map<std::pair<Kind, Mode>, std::string> cache;
  std::lock_guard lock(mu);
  auto key = std::pair{kind, mode};
  auto it = cache.find(key);
  if (it == cache.end()) {
    ProbeOptions options;
    options.unprivileged = kNobody;
    it = cache.emplace(key, ProbeOne(kind, mode, options).reason).first;
  }
  return it->second;
}

std::string ModeParamName(const ::testing::TestParamInfo<Mode>& info) {
  return std::string(ModeName(info.param));
}

}  // namespace nsprobe::testing
