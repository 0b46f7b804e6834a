// runc: an OCI runtime (oci.hpp). As root on a hybrid or legacy layout it manages v1 cgroups
// itself (cgroupfs), named after the container, which Cleanup removes if a failed run left
// them. Rootless, its spec (`runc spec --rootless`) has no network namespace, so the net
// property is not promised there; cgroups are skipped by runc itself without a delegated
// cgroup2 subtree. No other quirk was needed on Debian 12.
#include <string>

#include "suites/sandbox/oci.hpp"
#include "suites/sandbox/runtimes.hpp"

namespace nsprobe::sandbox {
namespace {

class Runc : public OciRuntime {
 public:
  std::string Name() const override { return "runc"; }
  std::string Program() const override { return "runc"; }
  std::string Package() const override { return "runc"; }
  // "runc version 1.1.5+ds1", then commit and spec lines.
};

}  // namespace

std::unique_ptr<Adapter> MakeRunc() { return std::make_unique<Runc>(); }

}  // namespace nsprobe::sandbox
