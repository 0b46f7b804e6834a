// Where a test program finds what it runs, relative to itself: the build tree and the install
// tree have the same shape (bin/nsprobe, libexec/nsprobe/<suite>, tests/<tool test>), so no
// path of the source or build tree is compiled in and an installed or moved copy works.
#pragma once

#include <string>

namespace nsprobe::testing {

// The directory of this test program (/proc/self/exe).
std::string SelfDir();

// The nsprobe command a test runs as a user would: $NSPROBE_COMMAND when set (`nsprobe run`
// sets it to itself), else the nsprobe of this program's tree (../../bin/nsprobe from
// libexec/nsprobe/, ../bin/nsprobe from tests/). Throws std::runtime_error naming both places
// when there is none.
std::string NsprobeCommand();

// `word` as one shell word ('...' with any ' escaped), for `sh -c` lines that name a path of
// this tree: the tree may be under a directory whose name has spaces.
std::string ShellQuoted(const std::string& word);

}  // namespace nsprobe::testing
