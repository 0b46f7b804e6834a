// The suites' own namespace-making system calls, exposed to the negative control the way
// Launch is: a kind the runtime withholds (runtime/negative_control.hpp) is silently left
// out of the flags. A case that makes its namespace by hand must fail under the control as
// surely as one that asks Launch, or the control cannot vouch for it. Async-signal-safe.
#pragma once

#include <sched.h>

#include "runtime/negative_control.hpp"

namespace nsprobe::testing {

// `flags` without the CLONE_NEW* flags of the withheld kinds (all of them, normally none).
inline unsigned long Seamed(unsigned long flags) {
  return flags & ~static_cast<unsigned long>(WithheldKinds().CloneFlags());
}

// unshare(2) through the seam.
inline int Unshare(unsigned long flags) { return ::unshare(static_cast<int>(Seamed(flags))); }

}  // namespace nsprobe::testing
