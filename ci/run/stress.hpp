// The load of `nsprobe run --stress`: namespace churn beside the suites, so that a verdict
// which holds only on a quiet machine shows up. Bounded: a fixed number of workers, each with
// one set of namespaces in flight at a time. A creation refused with ENOSPC — a limit still
// counting namespaces whose teardown the kernel has not finished — is retried a bounded number
// of times and counted; it is the load's own business, never a case's failure.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/child.hpp"
#include "runtime/fd.hpp"

namespace nsprobe::run {

class ChurnLoad {
 public:
  // Starts `workers` processes that create and tear down every namespace kind but user and
  // time (so root's own privileges are used, and no clock is touched), as fast as they can.
  // Without root the same kinds come inside a new user namespace each time.
  explicit ChurnLoad(int workers = 2);
  ChurnLoad(const ChurnLoad&) = delete;
  ChurnLoad& operator=(const ChurnLoad&) = delete;
  ~ChurnLoad();

  // Stops the workers and returns what they did: {"workers", "created", "enospc_retries",
  // "gave_up", "seconds"}. Throws std::runtime_error when a worker failed otherwise.
  nlohmann::ordered_json Stop();

 private:
  struct Worker {
    Child child;
    UniqueFd counters;  // a memfd the worker writes its final counts to
  };
  std::vector<Worker> workers_;
  UniqueFd stop_read_, stop_write_;  // a worker stops when the write end is closed
  bool stopped_ = false;
};

}  // namespace nsprobe::run
