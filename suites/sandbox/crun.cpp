// crun: an OCI runtime (oci.hpp). Its quirk here: on a hybrid cgroup layout crun 1.8 refuses
// every container while the cgroup2 hierarchy at /sys/fs/cgroup/unified has a controller
// ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), whatever
// --cgroup-manager says. As root it is run in a mount namespace of its own in which that
// hierarchy is unmounted, so it sees a legacy layout (nothing of the host's is changed); the
// container's namespaces are still crun's. Rootless it cannot get such a namespace without a
// user namespace of its own around it, which would change what it is judged on: no rootless
// mode on a hybrid host.
#include <string>

#include "suites/sandbox/host_env.hpp"
#include "suites/sandbox/oci.hpp"
#include "suites/sandbox/runtimes.hpp"

namespace nsprobe::sandbox {
namespace {

class Crun : public OciRuntime {
 public:
  std::string Name() const override { return "crun"; }
  std::string Program() const override { return "crun"; }
  std::string Package() const override { return "crun"; }
  std::string NotInMode(Mode mode) const override {
    if (mode == Mode::kUnprivileged && HostCgroupLayout() == CgroupLayout::kHybrid)
      return "unsupported: crun has no rootless mode on this host's hybrid cgroup layout: it "
             "refuses containers while /sys/fs/cgroup/unified has controllers (cgroups in hybrid "
             "mode not supported), and only root can hide that hierarchy from it";
    return "";
  }

 protected:
  std::vector<std::string> Wrap(std::vector<std::string> argv, const Request&) const override {
    if (HostCgroupLayout() != CgroupLayout::kHybrid) return argv;
    std::vector<std::string> wrapped{"unshare",
                                     "--mount",
                                     "--propagation",
                                     "private",
                                     "--",
                                     "sh",
                                     "-c",
                                     "umount /sys/fs/cgroup/unified && exec \"$@\"",
                                     "sh"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  }
  // Its spec's cgroup mount would be of the layout it no longer sees; the observer reads
  // /proc/self/cgroup, not /sys/fs/cgroup.
  void AdjustMounts(nlohmann::json& mounts, const Request&) const override {
    if (HostCgroupLayout() != CgroupLayout::kHybrid) return;
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& m : mounts)
      if (m.value("destination", "") != "/sys/fs/cgroup") kept.push_back(m);
    mounts = kept;
  }
};

}  // namespace

std::unique_ptr<Adapter> MakeCrun() { return std::make_unique<Crun>(); }

}  // namespace nsprobe::sandbox
