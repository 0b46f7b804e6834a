// What the test process can tell about namespaces from outside: its own privilege over them,
// whether a child shares one, the per-user-namespace limits, and bounded waits for the
// kernel's asynchronous teardown.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "runtime/kind.hpp"

namespace nsprobe::testing {

// Whether this process may administer its own namespace of `kind`: it has CAP_SYS_ADMIN in
// the user namespace that owns it. True for root on a host; false inside `unshare -Ur`, whose
// user namespace owns none of the namespaces it was started in.
bool AdministersOwnNamespace(Kind kind);

// Whether this process and `pid` share the namespace of `kind` (same dev and inode).
bool SharesNamespace(pid_t pid, Kind kind);

// "/proc/sys/user/max_net_namespaces": per user namespace, read and written in the caller's.
std::string MaxNamespacesSysctl(Kind kind);

// Polls `done` until it returns true or `limit` passes; returns how long it took, or nullopt.
// For asynchronous kernel teardown: the bound keeps a broken kernel from hanging the suite.
template <typename F>
std::optional<std::chrono::microseconds> PollFor(std::chrono::milliseconds limit, F&& done) {
  const auto start = std::chrono::steady_clock::now();
  while (true) {
    if (done())
      return std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
    if (std::chrono::steady_clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

}  // namespace nsprobe::testing
