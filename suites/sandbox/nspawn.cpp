// systemd-nspawn (systemd-container): a minimal root directory (host_env.hpp) with the host's
// /usr, /etc and the observer's directory bound read-only, --register=no and --keep-unit
// because no systemd (machined, a unit manager) need be running, --link-journal=no because the
// bound /etc gives the container the host's machine id. Its default shares the host's network
// (the manual: "If this option is not specified, the container will share the host's
// network"): the adapter asks for --private-network, the option that promises it, and the net
// control drops it. --share-system is gone ("use $SYSTEMD_NSPAWN_SHARE_* instead", systemd
// 252 says): $SYSTEMD_NSPAWN_SHARE_NS_IPC/PID/UTS=1 (docs/ENVIRONMENT.md, "for debugging")
// leave those shared. The cgroup namespace cannot be: $SYSTEMD_NSPAWN_USE_CGNS=0 stops nspawn
// on this host ("Failed to read link /sys/fs/cgroup/net_cls"), and mnt never can; their
// controls are the observer on the host. --private-users is off by default (root inside is the
// host's root). It needs root: no rootless mode.
#include <cctype>
#include <string>
#include <string_view>

#include "suites/sandbox/host_env.hpp"
#include "suites/sandbox/runtimes.hpp"

namespace nsprobe::sandbox {
namespace {

std::string Upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class Nspawn : public Adapter {
 public:
  std::string Name() const override { return "systemd-nspawn"; }
  std::string Program() const override { return "systemd-nspawn"; }
  std::string Package() const override { return "systemd-container"; }
  std::string NotInMode(Mode mode) const override {
    if (mode == Mode::kUnprivileged)
      return "unsupported: systemd-nspawn has no rootless mode (it refuses to start unless run "
             "as root: \"Need to be root\")";
    return "";
  }
  KindSet Promises(Mode) const override {
    return {Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid, Kind::kCgroup};
  }
  KindSet Shareable(Mode) const override {
    return {Kind::kNet, Kind::kIpc, Kind::kPid, Kind::kUts};
  }
  Invocation Build(const Request& r) const override {
    const std::string root = MinimalRoot(r, r.work_dir + "/root");
    auto keeps = [&](Kind k) { return !r.shared || *r.shared != k; };
    Invocation inv;
    if (r.shared && *r.shared != Kind::kNet)
      inv.argv = {"env", "SYSTEMD_NSPAWN_SHARE_NS_" + Upper(nsprobe::Name(*r.shared)) + "=1"};
    for (const std::string& a :
         {std::string("systemd-nspawn"), std::string("--quiet"), std::string("--register=no"),
          std::string("--keep-unit"), std::string("--link-journal=no"), "--machine=" + r.name,
          std::string("--directory"), root})
      inv.argv.push_back(a);
    if (keeps(Kind::kUts)) {
      inv.argv.push_back("--hostname=" + r.hostname);
      inv.hostname = r.hostname;
    }
    if (keeps(Kind::kNet)) inv.argv.push_back("--private-network");
    for (const std::string& dir : MinimalRootBinds(r)) inv.argv.push_back("--bind-ro=" + dir);
    inv.argv.push_back("--bind=" + r.mount_dir);
    inv.argv.push_back("--");
    inv.argv.insert(inv.argv.end(), r.observer.begin(), r.observer.end());
    return inv;
  }
};

}  // namespace

std::unique_ptr<Adapter> MakeNspawn() { return std::make_unique<Nspawn>(); }

}  // namespace nsprobe::sandbox
