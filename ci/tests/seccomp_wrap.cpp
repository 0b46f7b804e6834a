// seccomp_wrap -- COMMAND [ARG...]: runs COMMAND under a seccomp filter shaped like Docker's
// default profile where namespaces are concerned: clone3 answers ENOSYS (so that callers fall
// back to clone), and clone or unshare asking for CLONE_NEWUSER answers EPERM. Everything else
// is allowed. Raw BPF, no libseccomp. For the restricted-environment test.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace {

#if defined(__x86_64__)
constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#else
#error "seccomp_wrap knows the audit arch of x86_64 and aarch64 only"
#endif

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

constexpr unsigned kNr = offsetof(seccomp_data, nr);
constexpr unsigned kArchOff = offsetof(seccomp_data, arch);
// The low 32 bits of the first argument: the flags of clone(2) and unshare(2).
constexpr unsigned kArg0 = offsetof(seccomp_data, args[0]);

constexpr sock_filter Stmt(unsigned short code, unsigned k) { return {code, 0, 0, k}; }
constexpr sock_filter Jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf) {
  return {code, jt, jf, k};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || std::strcmp(argv[1], "--") != 0) {
    std::fprintf(stderr, "usage: seccomp_wrap -- COMMAND [ARG...]\n");
    return 2;
  }
  const sock_filter filter[] = {
      Stmt(BPF_LD | BPF_W | BPF_ABS, kArchOff),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      Stmt(BPF_LD | BPF_W | BPF_ABS, kNr),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
      Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 3),
      Stmt(BPF_LD | BPF_W | BPF_ABS, kArg0),
      Jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
      Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  const sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]),
                           const_cast<sock_filter*>(filter)};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    std::fprintf(stderr, "seccomp_wrap: installing the filter: %s\n", std::strerror(errno));
    return 2;
  }
  ::execvp(argv[2], argv + 2);
  std::fprintf(stderr, "seccomp_wrap: %s: %s\n", argv[2], std::strerror(errno));
  return 127;
}
