// The machine a run happened on: stamped on every record so results compare like with like.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nsprobe {

// Ordered key/value pairs ("kernel.release" -> "6.18.44"). Keys are stable across versions.
using Fingerprint = std::vector<std::pair<std::string, std::string>>;

Fingerprint TakeFingerprint();

// The keys whose difference makes benchmark results incomparable.
bool IsPerformanceKey(const std::string& key);

}  // namespace nsprobe
