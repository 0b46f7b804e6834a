// Bad input to the record layer: a file that is not a record, a benchmark file that does not
// parse, an output directory that cannot be used. The command prints it as one line and exits
// with status 2, as for a bad command line; the record layer itself knows nothing of CLI11.
#pragma once

#include <stdexcept>

namespace nsprobe::record {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nsprobe::record
