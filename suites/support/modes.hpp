// The two privilege modes every isolation case runs in, skips that come only from the probe,
// and readable gtest parameters: printers for Mode and Kind, and name generators.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <tuple>

#include "runtime/kind.hpp"
#include "runtime/probe.hpp"
#include "runtime/spec.hpp"

namespace nsprobe {

// Found by argument-dependent lookup, so a parameter prints as "unprivileged", not as a byte.
inline void PrintTo(Mode mode, std::ostream* os) { *os << ModeName(mode); }
inline void PrintTo(Kind kind, std::ostream* os) { *os << Name(kind); }
inline void PrintTo(KindSet kinds, std::ostream* os) { *os << kinds.ToString(); }

}  // namespace nsprobe

namespace nsprobe::testing {

// The uid that stands for "unprivileged" when the tests run as root.
inline constexpr Credentials kNobody{65534, 65534};

// A spec reaching `kinds` in `mode`: privileged adds nothing; unprivileged adds a user
// namespace with the creator mapped to root, created as kNobody when we are root.
Spec SpecFor(Mode mode, KindSet kinds);

// A fresh user namespace to set limits in, created by root (privileged) or by uid 65534
// (unprivileged); either way the child is root in it and holds every capability there.
Spec FreshUserNamespace(Mode mode);

// Why this process cannot become `uid` (as setpriv --reuid does), or empty: that needs root,
// and `uid` mapped in this user namespace, which a rootless sandbox (`unshare -Ur`) lacks.
std::string CannotBecomeReason(uid_t uid);

// The probe's reason why `kind` cannot be created in `mode` here, or empty when it can.
// Cached per process (ProbeReasonOnce).
std::string UnavailableReason(Kind kind, Mode mode);
// The first such reason among `kinds`, or empty.
std::string UnavailableReason(KindSet kinds, Mode mode);

inline const auto kBothModes = ::testing::Values(Mode::kPrivileged, Mode::kUnprivileged);
// Every kind in both modes.
inline const auto kEveryKindBothModes =
    ::testing::Combine(::testing::Values(Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid,
                                         Kind::kUser, Kind::kCgroup, Kind::kTime),
                       kBothModes);

// gtest parameter names: "privileged", "unprivileged".
std::string ModeParamName(const ::testing::TestParamInfo<Mode>& info);
// "uts", "net", ...
std::string KindParamName(const ::testing::TestParamInfo<Kind>& info);
// "net_unprivileged", ...
std::string KindModeParamName(const ::testing::TestParamInfo<std::tuple<Kind, Mode>>& info);

}  // namespace nsprobe::testing

// Skips the current test with the probe's reason when /proc/sys is read-only here, as container
// runtimes mount it: a case that writes a sysctl, even one of a namespace of its own, cannot.
#define NSPROBE_SKIP_IF_PROC_SYS_READ_ONLY()                          \
  do {                                                                \
    std::string nsprobe_reason_ = ::nsprobe::ProcSysReadOnlyReason(); \
    if (!nsprobe_reason_.empty()) GTEST_SKIP() << nsprobe_reason_;    \
  } while (0)

// Skips the current test with the probe's reason when a new pid namespace reached in `mode`
// may not mount a proc of its own here (FreshProcReason: /proc has something mounted over it,
// and the kernel refuses a user namespace a fresh proc then). Cached per process.
#define NSPROBE_SKIP_UNLESS_FRESH_PROC(mode)                            \
  do {                                                                  \
    std::string nsprobe_reason_ = ::nsprobe::FreshProcReasonOnce(mode); \
    if (!nsprobe_reason_.empty()) GTEST_SKIP() << nsprobe_reason_;      \
  } while (0)

// Skips the current test with the probe's reason when clone3 cannot be called here (a
// seccomp filter answers ENOSYS, as Docker's default profile does): for cases that call it
// themselves, since only clone3 carries CLONE_NEWTIME, CLONE_EMPTY_MNTNS or a pidfd out.
#define NSPROBE_SKIP_UNLESS_CLONE3()                               \
  do {                                                             \
    std::string nsprobe_reason_ = ::nsprobe::Clone3Reason();       \
    if (!nsprobe_reason_.empty()) GTEST_SKIP() << nsprobe_reason_; \
  } while (0)

// Skips the current test with the probe's reason when `kind` is not available in `mode`.
#define NSPROBE_SKIP_UNLESS_AVAILABLE(kind, mode)                                    \
  do {                                                                               \
    std::string nsprobe_reason_ = ::nsprobe::testing::UnavailableReason(kind, mode); \
    if (!nsprobe_reason_.empty()) GTEST_SKIP() << nsprobe_reason_;                   \
  } while (0)
