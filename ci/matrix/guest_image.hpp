// Assembling a guest's initramfs: the userland (busybox, nsprobe as an installed tree with
// its conformance suites, and the host tools the suites call, each with the libraries ldd
// names) staged once per matrix run, then per kernel its modules and /init.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ci/matrix/initramfs.hpp"
#include "ci/matrix/kernels.hpp"

namespace nsprobe::matrix {

struct Userland {
  Image image;                               // everything but the kernel's modules and /init
  std::string nsprobe;                       // guest path of nsprobe (kGuestPrefix/bin/nsprobe)
  std::string suites_dir;                    // guest path of the suites and their manifest
  std::vector<std::string> benches;          // guest paths of the *_bench binaries (with --bench)
  std::map<std::string, std::string> tools;  // host tool name -> its guest path
  int binaries = 0;
  int libraries = 0;
};

// Where the guest has nsprobe: an installed tree, as a lab would lay it out (like /opt/ltp).
inline constexpr const char* kGuestPrefix = "/opt/nsprobe";

struct StageOptions {
  std::string self;        // the nsprobe that runs the suites in the guest (this one)
  std::string suites_dir;  // its conformance suites: libexec/nsprobe/ of an install or build tree
  std::string busybox;     // a static busybox
  std::string staging;     // a scratch directory for stripped copies
  std::string log;
  bool bench = false;  // also the *_bench binaries beside `self` (a build tree's bin/)
};

// The host programs the suites run inside namespaces (ip, ipcs, ps, hostname, ...): busybox
// lacks some (ipcs) and prints others differently, so the guest gets the host's.
const std::vector<std::string>& HostTools();

// The guest gets the conformance suites of `suites_dir` (its manifest's, never the tool's own
// tests) under kGuestPrefix/libexec/nsprobe/ with a manifest of just them, and `self` as
// kGuestPrefix/bin/nsprobe: everything is found relative to nsprobe, as in any install.
// Throws std::runtime_error naming a binary that is missing or a library ldd cannot find.
Userland StageUserland(const StageOptions& options);

// The modules the suites need (veth pairs, overlay mounts) when the kernel builds them as
// modules.
const std::vector<std::string>& WantedModules();

// Adds `kernel`'s wanted modules (with a modules.dep of just them), its config (for the
// fingerprint) and /init; returns the module names /init will load. Runs busybox depmod in
// the kernel's unpacked tree when it has no modules.dep yet.
std::vector<std::string> AddKernel(Image& image, const GuestKernel& kernel,
                                   const std::string& busybox, const std::string& log);

}  // namespace nsprobe::matrix
