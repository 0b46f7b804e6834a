// The least any namespace tool can do, as a program: clone3 with the asked CLONE_NEW* flags,
// execvp the command in the child, wait, exit with its status. No id maps, no /proc mount,
// no option parsing, no C++ runtime; linked statically. BM_Peer/floor_* spawn it beside
// unshare, bwrap and nsprobe, so "how close to the floor" and "how far any tool could
// possibly beat unshare" are measured in the same run, on the same machine.
//
//   peer_floor KINDS COMMAND [ARG...]     KINDS: none, all, or a list such as mnt,uts,net
#include <linux/sched.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace {

struct KindFlag {
  const char* name;
  std::uint64_t flag;
};
constexpr KindFlag kKinds[] = {
    {"mnt", CLONE_NEWNS},        {"uts", CLONE_NEWUTS},   {"ipc", CLONE_NEWIPC},
    {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},   {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

// The clone flags of "none", "all" or a comma-separated list of kind names; false when a
// name is unknown.
bool ParseKinds(const char* text, std::uint64_t* flags) {
  *flags = 0;
  if (std::strcmp(text, "none") == 0) return true;
  if (std::strcmp(text, "all") == 0) {
    for (const KindFlag& k : kKinds) *flags |= k.flag;
    return true;
  }
  for (const char* p = text; *p != '\0';) {
    const char* end = std::strchr(p, ',');
    std::size_t len = end != nullptr ? static_cast<std::size_t>(end - p) : std::strlen(p);
    bool known = false;
    for (const KindFlag& k : kKinds)
      if (std::strlen(k.name) == len && std::strncmp(k.name, p, len) == 0) {
        *flags |= k.flag;
        known = true;
      }
    if (!known) return false;
    p += len + (end != nullptr ? 1 : 0);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    (void)std::fprintf(stderr, "peer_floor: usage: peer_floor KINDS COMMAND [ARG...]\n");
    return 2;
  }
  std::uint64_t flags = 0;
  if (!ParseKinds(argv[1], &flags)) {
    (void)std::fprintf(
        stderr, "peer_floor: bad kinds '%s': use none, all, or names such as mnt,net\n", argv[1]);
    return 2;
  }
  // Fork-like (no CLONE_VM): a CLONE_VM child would not enter the new time namespace.
  clone_args args{};
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    (void)std::fprintf(stderr, "peer_floor: clone3: %s\n", std::strerror(errno));
    return 1;
  }
  if (pid == 0) {
    ::execvp(argv[2], argv + 2);
    _exit(127);
  }
  int status = 0;
  while (::waitpid(static_cast<pid_t>(pid), &status, 0) < 0)
    if (errno != EINTR) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
