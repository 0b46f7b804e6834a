// How to start the observer inside each sandbox runtime people use: with the isolation the
// runtime gives by default, and with one namespace deliberately left shared (the runtime's own
// negative control). Pure command lines and bundle files; nothing here judges what the observer
// saw (suites/sandbox_test.cpp does, against the host's own view).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kind.hpp"
#include "runtime/probe.hpp"

namespace nsprobe::sandbox {

// What one run of the observer inside a runtime needs.
struct Request {
  Mode mode = Mode::kPrivileged;
  std::optional<Kind> shared;         // the namespace left shared, none for the default
  std::vector<std::string> observer;  // the observer's argv (absolute path first)
  std::string work_dir;               // private and writable: bundles, state, a minimal root
  std::string mount_dir;              // must be reachable and writable inside
  std::string hostname;               // the hostname to ask for, where the runtime takes one
  std::string name;                   // unique: the container, machine or cgroup name to use
  long monotonic_offset = 86400;      // seconds, where the runtime offers a time namespace
  uid_t uid = 0;                      // who runs the runtime (65534 when unprivileged)
  gid_t gid = 0;
  // Only the command line is wanted (Flags(), for the tables): nothing is written.
  bool describe_only = false;
};

struct Invocation {
  std::vector<std::string> argv;
  std::string hostname;       // the hostname the runtime was told to set, or empty
  long monotonic_offset = 0;  // the offset it was told to apply, or 0
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual std::string Name() const = 0;     // "bwrap"
  virtual std::string Program() const = 0;  // the executable looked up in PATH
  virtual std::string Package() const = 0;  // the Debian package that has it
  virtual std::vector<std::string> VersionArgv() const { return {Program(), "--version"}; }
  // The first line VersionArgv() prints ("bubblewrap 0.8.0"), or empty when not installed.
  virtual std::string Version() const;
  // Why the runtime cannot run in `mode` at all ("privilege: ..."), or empty.
  virtual std::string NotInMode(Mode /*mode*/) const { return ""; }
  // The kinds its default isolates in `mode`: a property outside these is not promised.
  virtual KindSet Promises(Mode mode) const = 0;
  // The kinds it can leave shared in `mode` while still starting (its negative control).
  virtual KindSet Shareable(Mode mode) const = 0;
  // Whether the unprivileged mode needs user namespaces (a setuid runtime does not).
  virtual bool NeedsUserNamespace() const { return true; }
  // The default's command line in `mode`, with placeholders, for the tables.
  virtual std::string Flags(Mode mode) const;
  // Writes what it needs under request.work_dir; throws std::runtime_error on failure.
  virtual Invocation Build(const Request& request) const = 0;
  // After each run, whether it worked or not: removes what the runtime leaves behind by design
  // (its state for a container that failed, a cgroup, podman's rootless pause process). What
  // is still there afterwards is a leak, and sandbox_test fails on it.
  virtual void Cleanup(const Request& /*request*/) const {}
};

// Every adapter, in the order the tables list them: bwrap, unshare, nsprobe-exec, crun, runc,
// systemd-nspawn, podman, firejail.
const std::vector<std::unique_ptr<Adapter>>& AllAdapters();
// The adapter named so, or nullptr.
const Adapter* FindAdapter(const std::string& name);

// The absolute path of `program` in PATH, or empty.
std::string FindInPath(const std::string& program);

}  // namespace nsprobe::sandbox
