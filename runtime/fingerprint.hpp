// The machine a run happened on: stamped on every record so results compare like with like.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nsprobe {

// Ordered key/value pairs ("kernel.release" -> "6.18.44"). Keys are stable across versions.
using Fingerprint = std::vector<std::pair<std::string, std::string>>;

// Where the kernel's build configuration is looked for; tests point these at fixtures.
struct ConfigPaths {
  std::string proc_config = "/proc/config.gz";  // IKCONFIG_PROC, gzip-compressed
  std::string boot_config;  // empty: /boot/config-<release>, as distributions install it
};

// The configuration and where it came from: the file's path, "unavailable" when neither file
// exists, or "unreadable: <path>: <why>[; ...]" when none that exists is a kernel config (a
// corrupt gzip stream, a file without a single CONFIG_ line). `text` is empty unless read.
struct KernelConfig {
  std::string source;
  std::string text;
};
KernelConfig ReadKernelConfig(const ConfigPaths& paths = {});

// The config.CONFIG_* keys are present only when a configuration was read: a kernel config
// answers "n" for what it lacks, and nothing is claimed from a file that is not one.
Fingerprint TakeFingerprint(const ConfigPaths& paths = {});

// The keys whose difference makes benchmark results incomparable.
bool IsPerformanceKey(const std::string& key);

}  // namespace nsprobe
