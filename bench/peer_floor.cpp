// The least any namespace tool can do, as a program: clone3 with the asked CLONE_NEW* flags,
// execvp the command in the child, wait, exit with its status. No id maps, no /proc mount,
// no option parsing, no C++ runtime; linked statically. BM_Peer/floor_* spawn it beside
// unshare, bwrap and nsprobe, so "how close to the floor" and "how far any tool could
// possibly beat unshare" are measured in the same run, on the same machine.
//
//   peer_floor none|all COMMAND [ARG...]
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

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "peer_floor: usage: peer_floor none|all COMMAND [ARG...]\n");
    return 2;
  }
  std::uint64_t flags = 0;
  if (std::strcmp(argv[1], "all") == 0) {
    flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
            CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME;
  } else if (std::strcmp(argv[1], "none") != 0) {
    std::fprintf(stderr, "peer_floor: unknown set '%s': use none or all\n", argv[1]);
    return 2;
  }
  // Fork-like (no CLONE_VM): a CLONE_VM child would not enter the new time namespace.
  clone_args args{};
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    std::fprintf(stderr, "peer_floor: clone3: %s\n", std::strerror(errno));
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
