// The negative control's guard contract: what arms a process to withhold namespace kinds, so
// that `nsprobe run --negative-control` can prove each isolation case fails where the
// isolation is absent. The guard (ci/guard.cpp) writes the file; the suites' seam
// (suites/support/seam.hpp) reads it and withholds. Launch itself never consults it.
//
// A process is armed only when four things agree, so it cannot be armed by accident:
//   NSPROBE_NEGATIVE_CONTROL=<kinds>   the kinds to withhold (ParseKinds syntax)
//   NSPROBE_GUARD_TOKEN=<token>        at least 16 characters
//   NSPROBE_GUARD_FILE=<path>          a file on a tmpfs, owned by root or by us, whose
//                                      content is exactly GuardFileContent(kinds, token) ...
//   ... as computed in this very process: the content names the namespaces of the process
//   that wrote it (every kind), so the seam arms only in a process that shares all eight
//   namespaces with the guard sandbox of `nsprobe run --negative-control` — never on the host,
//   and never in a process that has already left the guard.
#pragma once

#include <string>

#include "runtime/kind.hpp"

namespace nsprobe {

// The kinds the calling process is armed to withhold, read now from the environment and the
// guard file; empty (the normal case) unless all four agree as above.
KindSet ArmedKinds();

// The calling process's namespaces, every kind, as readlink shows them, in AllKinds() order
// and separated by spaces: "mnt:[4026531841] uts:[4026531838] ...". A kind the kernel lacks
// reads "<kind>:-".
std::string NamespaceFingerprint();

// What the guard file must hold for `kinds` and `token`, for a process in the calling
// process's namespaces: "<kinds>:<token>:<NamespaceFingerprint()>".
std::string GuardFileContent(KindSet kinds, const std::string& token);

}  // namespace nsprobe
