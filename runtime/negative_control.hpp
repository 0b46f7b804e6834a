// The negative-control fault seam: Launch can be made to withhold namespace kinds, so that a
// run can prove each isolation case fails where the isolation is absent.
//
// It is off unless three things agree, so it cannot be switched on by accident:
//   NSPROBE_NEGATIVE_CONTROL=<kinds>   the kinds to withhold (ParseKinds syntax)
//   NSPROBE_GUARD_FILE=<path>          a file on a tmpfs, owned by root or by us ...
//   ... whose content is exactly "<kinds>:<NSPROBE_GUARD_TOKEN>", the token being a third
//   variable. `nsprobe run --negative-control` sets all three inside its guard sandbox,
//   where the tmpfs exists only in the guard's own mount namespace.
#pragma once

#include <string>

#include "runtime/kind.hpp"

namespace nsprobe {

// The kinds Launch withholds in this process; empty (the normal case) unless the seam is
// armed as above. Computed once per process. When non-empty, the first call writes one line
// to stderr saying so, so that no log of such a run can be mistaken for a normal one.
KindSet WithheldKinds();

// The content the guard file must hold for `kinds` and `token`.
std::string GuardFileContent(KindSet kinds, const std::string& token);

}  // namespace nsprobe
