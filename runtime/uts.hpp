// UTS namespaces: hostname and domainname.
#pragma once

#include <cstddef>

namespace nsprobe::uts {

// Async-signal-safe; runs between clone3() and _exit()/execve(). `name` may be null (skip).
int SetHostnameInChild(const char* name, std::size_t len);
// Async-signal-safe; runs between clone3() and _exit()/execve(). `name` may be null (skip).
int SetDomainnameInChild(const char* name, std::size_t len);

}  // namespace nsprobe::uts
