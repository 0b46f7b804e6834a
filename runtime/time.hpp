// Time namespaces: CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets.
#pragma once

#include <string>

#include "runtime/spec.hpp"

namespace nsprobe::time {

// "monotonic S NS\nboottime S NS\n" for /proc/PID/timens_offsets; empty without offsets.
std::string OffsetsText(const Spec& spec);

// Async-signal-safe; runs between clone3() and _exit()/execve(). Offsets apply to the
// caller's time_for_children namespace and can be written only before any task enters it
// (time_namespaces(7)); a later write gives EACCES.
int WriteOffsetsInChild(const char* text);
// Async-signal-safe; runs between clone3() and _exit()/execve(). setns() into a time
// namespace moves the caller itself (unlike pid); needs a single-threaded, unshared mm.
int EnterTimeForChildrenInChild();

}  // namespace nsprobe::time
