#include "runtime/join.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "runtime/syscalls.hpp"

namespace nsprobe::join {
namespace {

bool KernelAtLeast(int major, int minor) {
  utsname u{};
  int ma = 0, mi = 0;
  if (::uname(&u) != 0 || std::sscanf(u.release, "%d.%d", &ma, &mi) != 2) return false;
  return ma > major || (ma == major && mi >= minor);
}

bool SameNamespace(pid_t target, Kind kind) {
  struct stat mine {
  }, theirs{};
  std::string a = fmt::format("/proc/self/ns/{}", Name(kind));
  std::string b = fmt::format("/proc/{}/ns/{}", target, Name(kind));
  return ::stat(a.c_str(), &mine) == 0 && ::stat(b.c_str(), &theirs) == 0 &&
         mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
}

// True when /proc/PID/stat shows state Z: the process exited and its parent has not reaped
// it. A zombie keeps its pid but no namespaces (its /proc/PID/ns/* links are gone).
bool IsZombie(pid_t pid) {
  std::FILE* f = std::fopen(fmt::format("/proc/{}/stat", pid).c_str(), "re");
  if (f == nullptr) return false;
  char buf[512] = {};
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  const char* paren = std::strrchr(buf, ')');
  return n > 0 && paren != nullptr && paren[1] == ' ' && paren[2] == 'Z';
}

}  // namespace

Plan Prepare(const JoinTarget& target) {
  Plan plan;
  int pidfd = sys::PidfdOpen(target.pid, 0);
  if (pidfd < 0 && errno == ESRCH)
    throw std::invalid_argument(
        fmt::format("target {}: no such process; give the pid of a running process", target.pid));
  plan.pidfd.Reset(pidfd);
  KindSet kinds;
  target.kinds.ForEach([&](Kind k) {
    if (!SameNamespace(target.pid, k)) kinds.Add(k);
  });
  plan.fork_for_pid = kinds.Has(Kind::kPid);
  if (!target.by_fds && plan.pidfd && KernelAtLeast(5, 8)) {
    plan.pidfd_flags = static_cast<unsigned>(kinds.CloneFlags());
    return plan;
  }
  plan.pidfd.Reset();
  // User first: its capabilities are what allows entering the others.
  auto add = [&](Kind k) {
    std::string path = fmt::format("/proc/{}/ns/{}", target.pid, Name(k));
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && IsZombie(target.pid))
      throw std::invalid_argument(fmt::format(
          "target {} is a zombie (it exited and its parent has not reaped it), so it has no "
          "namespaces to enter; give the pid of a running process",
          target.pid));
    if (fd < 0)
      throw std::invalid_argument(
          fmt::format("target {}: cannot open {}: {}", target.pid, path, std::strerror(errno)));
    plan.fds[static_cast<std::size_t>(plan.fd_count)].Reset(fd);
    plan.fd_types[static_cast<std::size_t>(plan.fd_count++)] = static_cast<int>(CloneFlag(k));
  };
  if (kinds.Has(Kind::kUser)) add(Kind::kUser);
  kinds.ForEach([&](Kind k) {
    if (k != Kind::kUser) add(k);
  });
  return plan;
}

NSPROBE_CHILD_SIDE int EnterInChild(int pidfd, unsigned pidfd_flags, const int* fds,
                                    const int* fd_types, int fd_count) {
  if (pidfd >= 0 && pidfd_flags != 0)
    return ::setns(pidfd, static_cast<int>(pidfd_flags)) == 0 ? 0 : errno;
  for (int i = 0; i < fd_count; ++i)
    if (::setns(fds[i], fd_types[i]) != 0) return errno;
  return 0;
}

NSPROBE_CHILD_SIDE int ForkIntoPidNamespaceInChild() {
  long pid = ::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return errno;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    return 0;
  }
  // The go-between holds nothing open, so pipes see EOF exactly when the new child is done.
  if (sys::CloseRangeCloexec(3) == 0) ::syscall(SYS_close_range, 3U, ~0U, 0U);
  int status = 0;
  while (::waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(WTERMSIG(status), &dfl, nullptr);
    ::syscall(SYS_kill, ::syscall(SYS_getpid), WTERMSIG(status));
    ::_exit(128 + WTERMSIG(status));
  }
  ::_exit(WEXITSTATUS(status));
}

}  // namespace nsprobe::join
