// The OCI runtimes (crun, runc) started the way their own documentation starts them: a bundle
// whose config.json is what `<runtime> spec` (or `spec --rootless`) prints, with only what a
// bundle must change — the args, a hostname, the root, the user's id maps when rootless — and
// each namespace in turn taken out of linux.namespaces for the negative control. The root is a
// minimal directory with the host's /usr, /etc and the observer's directory bound read-only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "suites/sandbox/adapters.hpp"

namespace nsprobe::sandbox {

// The OCI name of a kind in linux.namespaces ("mount" for mnt, "network" for net).
std::string OciNamespace(Kind kind);

class OciRuntime : public Adapter {
 public:
  // The runtime's own spec in `mode` (--rootless unprivileged), made once per process;
  // throws std::runtime_error when the runtime cannot print one.
  nlohmann::json Spec(Mode mode) const;
  // What its spec puts in linux.namespaces (user only where its rootless spec asks for it).
  KindSet Promises(Mode mode) const override;
  // Any kind its spec has, but: not mnt (without a mount namespace an OCI runtime binds its
  // root over the caller's: runc 1.1.5 stacked a copy of / on the host's / in a trial here),
  // and not user rootless (a rootless runtime cannot start without it).
  KindSet Shareable(Mode mode) const override;
  Invocation Build(const Request& request) const override;
  void Cleanup(const Request& request) const override;

 protected:
  // The runtime's global options before `run` (its state directory is added by Build).
  virtual std::vector<std::string> GlobalOptions(const Request& /*request*/) const { return {}; }
  // The whole command line around the runtime's own (crun's hybrid-cgroup wrapper).
  virtual std::vector<std::string> Wrap(std::vector<std::string> argv,
                                        const Request& /*request*/) const {
    return argv;
  }
  // Changes a runtime needs to its spec's mounts before they reach config.json.
  virtual void AdjustMounts(nlohmann::json& /*mounts*/, const Request& /*request*/) const {}
  std::string StateDir(const Request& request) const;
};

}  // namespace nsprobe::sandbox
