#include "ci/run/stress.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "runtime/launch.hpp"

namespace nsprobe::run {
namespace {

// Bounded retries of a refused creation: teardown is asynchronous (net namespaces above all),
// so a limit may be reached by namespaces that are already on their way out.
constexpr int kEnospcRetries = 100;
constexpr auto kEnospcPause = std::chrono::milliseconds(2);

// Every kind the creating process can make on its own: without root, the others only come
// inside a new user namespace, as the unprivileged mode makes them.
KindSet ChurnKinds() {
  KindSet kinds{Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid, Kind::kCgroup};
  if (::geteuid() != 0) kinds.Add(Kind::kUser);
  return kinds;
}

struct Counts {
  std::int64_t created = 0;
  std::int64_t enospc_retries = 0;
  std::int64_t gave_up = 0;
  std::int64_t other_errors = 0;
  int last_errno = 0;
};

bool StopRequested(int stop_fd) {
  pollfd p{stop_fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;  // readable means EOF: the parent closed the write end
}

// One worker's loop, in its own copied process.
int WorkerMain(int stop_fd, int counters_fd) {
  Spec spec;
  spec.kinds = ChurnKinds();
  Counts c;
  while (!StopRequested(stop_fd)) {
    for (int attempt = 0;; ++attempt) {
      try {
        Launch(spec, [] { return 0; }).Wait();
        ++c.created;
        break;
      } catch (const StepError& e) {
        if (e.code().value() == ENOSPC && attempt < kEnospcRetries) {
          ++c.enospc_retries;
          std::this_thread::sleep_for(kEnospcPause);
          continue;
        }
        ++(e.code().value() == ENOSPC ? c.gave_up : c.other_errors);
        c.last_errno = e.code().value();
        break;
      } catch (const std::system_error& e) {
        ++c.other_errors;
        c.last_errno = e.code().value();
        break;
      }
    }
  }
  return ::write(counters_fd, &c, sizeof c) == sizeof c ? 0 : 1;
}

}  // namespace

ChurnLoad::ChurnLoad(int workers) {
  Pipe stop = Pipe::Make();
  stop_read_ = std::move(stop.read);
  stop_write_ = std::move(stop.write);
  const int stop_fd = stop_read_.Get();
  for (int i = 0; i < workers; ++i) {
    UniqueFd counters(::memfd_create("nsprobe-churn", MFD_CLOEXEC));
    if (!counters) throw std::system_error(errno, std::generic_category(), "memfd_create");
    const int counters_fd = counters.Get();
    const int stop_write = stop_write_.Get();
    Child child = Launch(Spec{}, [=] {
      ::close(stop_write);  // or the worker would keep its own stop signal from arriving
      return WorkerMain(stop_fd, counters_fd);
    });
    workers_.push_back({std::move(child), std::move(counters)});
  }
}

ChurnLoad::~ChurnLoad() {
  if (!stopped_) stop_write_.Reset();  // the workers' destructors kill and reap the rest
}

nlohmann::ordered_json ChurnLoad::Stop() {
  stopped_ = true;
  stop_write_.Reset();
  Counts total;
  for (Worker& w : workers_) {
    ExitStatus st = w.child.Wait(std::chrono::seconds(30));
    Counts c;
    if (!st.Success() || ::pread(w.counters.Get(), &c, sizeof c, 0) != sizeof c)
      throw std::runtime_error(fmt::format("a churn worker ended with {}", st.Describe()));
    total.created += c.created;
    total.enospc_retries += c.enospc_retries;
    total.gave_up += c.gave_up;
    total.other_errors += c.other_errors;
    if (c.last_errno != 0) total.last_errno = c.last_errno;
  }
  return {{"workers", workers_.size()},       {"namespace_sets_created", total.created},
          {"kinds", ChurnKinds().ToString()}, {"enospc_retries", total.enospc_retries},
          {"enospc_gave_up", total.gave_up},  {"other_errors", total.other_errors},
          {"last_errno", total.last_errno}};
}

}  // namespace nsprobe::run
