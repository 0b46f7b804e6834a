// firejail: setuid root, so it needs no user namespace. --noprofile (no profile's seccomp,
// capability or filesystem rules: the namespaces only) with --net=none, --ipc-namespace and a
// hostname, the options its manual gives for each kind. It always makes a mount, pid and uts
// namespace, and as root an IPC namespace too (its manual: "IPC namespace is enabled by
// default for sandboxes started as root"; dropping --ipc-namespace was seen to change
// nothing), so only net can be left shared, by dropping --net=none. It refuses to
// sandbox uid 65534 ("the user is not allowed to use Firejail"), so there is no unprivileged
// mode as nobody.
#include <string>

#include "suites/sandbox/runtimes.hpp"

namespace nsprobe::sandbox {
namespace {

class Firejail : public Adapter {
 public:
  std::string Name() const override { return "firejail"; }
  std::string Program() const override { return "firejail"; }
  std::string Package() const override { return "firejail"; }
  std::string NotInMode(Mode mode) const override {
    if (mode == Mode::kUnprivileged)
      return "policy: firejail refuses uid 65534 (\"the user is not allowed to use Firejail\"; "
             "/etc/firejail/firejail.users, written by firecfg, names the users it sandboxes)";
    return "";
  }
  bool NeedsUserNamespace() const override { return false; }
  KindSet Promises(Mode) const override {
    return {Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid};
  }
  KindSet Shareable(Mode) const override { return {Kind::kNet}; }
  Invocation Build(const Request& r) const override {
    Invocation inv;
    inv.argv = {"firejail", "--noprofile", "--quiet", "--hostname=" + r.hostname};
    inv.hostname = r.hostname;
    if (!r.shared || *r.shared != Kind::kNet) inv.argv.push_back("--net=none");
    inv.argv.push_back("--ipc-namespace");
    inv.argv.push_back("--");
    inv.argv.insert(inv.argv.end(), r.observer.begin(), r.observer.end());
    return inv;
  }
};

}  // namespace

std::unique_ptr<Adapter> MakeFirejail() { return std::make_unique<Firejail>(); }

}  // namespace nsprobe::sandbox
