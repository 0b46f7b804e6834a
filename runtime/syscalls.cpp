#include "runtime/syscalls.hpp"

#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace nsprobe::sys {
namespace {

#if defined(__x86_64__)
// clone3 with a stack: the child starts on `stack + stack_size` with the parent's registers,
// so it cannot return through glibc's syscall() frame. This trampoline keeps fn and arg in
// callee-saved registers, which survive into the child, calls fn there and exits with its
// result; it never touches errno, which a CLONE_VM child shares with its parent.
long Clone3Raw(struct clone_args* args, std::size_t size, ChildFn fn, void* arg) {
  long ret;
  register ChildFn r12 asm("r12") = fn;
  register void* r13 asm("r13") = arg;
  asm volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r13, %%rdi\n\t"
      "call *%%r12\n\t"
      "mov %%eax, %%edi\n\t"
      "mov $60, %%eax\n\t"  // SYS_exit: only this task; the parent may share our memory
      "syscall\n\t"
      "hlt\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(long{SYS_clone3}), "D"(args), "S"(size), "r"(r12), "r"(r13)
      : "rcx", "r11", "memory", "cc");
  return ret;
}
#endif

}  // namespace

// On the child side too: a child created here returns into the trampoline inside it.
NSPROBE_CHILD_SIDE pid_t CloneWithStack(const CloneRequest& request, ChildFn fn, void* arg,
                                        bool* used_clone3) {
  if (used_clone3) *used_clone3 = false;
#if defined(__x86_64__)
  struct clone_args args = {};
  args.flags = request.flags;
  args.pidfd = reinterpret_cast<std::uintptr_t>(request.pidfd);
  // clone3 refuses an exit signal with CLONE_PARENT: the child inherits the caller's.
  args.exit_signal = (request.flags & CLONE_PARENT) ? 0 : SIGCHLD;
  args.stack = reinterpret_cast<std::uintptr_t>(request.stack);
  args.stack_size = request.stack_size;
  long ret = Clone3Raw(&args, sizeof args, fn, arg);
  if (ret >= 0) {
    if (used_clone3) *used_clone3 = true;
    return static_cast<pid_t>(ret);
  }
  if (ret != -ENOSYS) {
    errno = static_cast<int>(-ret);
    return -1;
  }
#endif
  // clone(2) takes the flags as an int whose low byte is the exit signal, so flags above 32
  // bits and CLONE_NEWTIME (0x80, inside CSIGNAL) cannot be expressed there.
  if ((request.flags >> 32) != 0 || (request.flags & CSIGNAL) != 0) {
    errno = ENOSYS;
    return -1;
  }
  char* top = static_cast<char*>(request.stack) + request.stack_size;
  return ::clone(fn, top, static_cast<int>(request.flags) | SIGCHLD, arg, request.pidfd);
}

int PidfdOpen(pid_t pid, unsigned flags) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}

int PidfdSendSignal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

int CloseRangeCloexec(unsigned first) {
  return static_cast<int>(::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC));
}

long Listns(const NsIdReq& req, std::uint64_t* ids, std::size_t n) {
  constexpr long kSysListns = 470;  // asm-generic's number, which x86_64 shares since 424
  return ::syscall(kSysListns, &req, ids, n, 0U);
}

}  // namespace nsprobe::sys
