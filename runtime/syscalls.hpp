// Thin wrappers over system calls glibc 2.36 does not wrap, and the clone trampoline.
//
// Every function here returns -1 and sets errno on failure, like a glibc wrapper.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

// For the functions that run on the child side of a clone.
// - Not instrumented: they run on a stack AddressSanitizer does not know, and each call to a
//   noreturn function (_exit, execve) there would make it warn, once per process and on the
//   command's stderr, that it ignores the call. The code is async-signal-safe straight-line
//   work with nothing worth instrumenting.
// - Placed together: fork does not copy the page-table entries of code, so a copied child
//   takes a page fault for every page of code it runs, tens of microseconds each on a
//   virtual machine. The linker gathers every ".text.hot.*" section of every object into one
//   run, so the child's code is a page or two instead of one page per file.
#define NSPROBE_CHILD_SIDE \
  __attribute__((no_sanitize("address"), section(".text.hot.nsprobe_child_side")))

namespace nsprobe::sys {

// A system call made in place, without glibc's wrapper: returns the result, or -errno, and
// never touches errno. For the child side of a clone, where every distinct glibc wrapper is
// another page of code to fault in (see NSPROBE_CHILD_SIDE).
__attribute__((always_inline)) inline long DirectSyscall(long nr, long a1 = 0, long a2 = 0,
                                                         long a3 = 0, long a4 = 0) {
#if defined(__x86_64__)
  long ret;
  register long r10 asm("r10") = a4;
  asm volatile("syscall"
               : "=a"(ret)
               : "0"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
               : "rcx", "r11", "memory");
  return ret;
#else
  long ret = ::syscall(nr, a1, a2, a3, a4);
  return ret < 0 ? -errno : ret;
#endif
}

// The entry point of a cloned child; runs on `stack` and must never return into the
// caller's frames. Async-signal-safe; runs between clone3() and _exit()/execve().
using ChildFn = int (*)(void* arg);

struct CloneRequest {
  std::uint64_t flags = 0;  // CLONE_* (namespace flags included); exit signal is SIGCHLD
  void* stack = nullptr;    // lowest address of the child's stack
  std::size_t stack_size = 0;
  int* pidfd = nullptr;  // receives a pidfd when flags has CLONE_PIDFD
};

// clone3(2) on a fresh stack, falling back to clone(2) when clone3 gives ENOSYS (kernels
// before 5.3, or a seccomp filter such as Docker's default profile) and the flags fit in
// clone's int. Returns the child's pid in the parent. `used_clone3` (optional) tells which
// call created the child.
pid_t CloneWithStack(const CloneRequest& request, ChildFn fn, void* arg, bool* used_clone3);

int PidfdOpen(pid_t pid, unsigned flags);
int PidfdSendSignal(int pidfd, int sig);
int CloseRangeCloexec(unsigned first);

// listns(2), Linux 6.19 (kernel/nstree.c): the ids of the active namespaces the caller may
// see, filtered by `ns_type` and owner. Debian 12's headers predate it; the request is
// include/uapi/linux/nsfs.h's struct ns_id_req, NS_ID_REQ_SIZE_VER0.
struct NsIdReq {
  std::uint32_t size = sizeof(NsIdReq);
  std::uint32_t spare = 0;
  std::uint64_t ns_id = 0;    // the last id listed (the next page starts after it)
  std::uint32_t ns_type = 0;  // CLONE_NEW* bits, 0 for every type
  std::uint32_t spare2 = 0;
  std::uint64_t user_ns_id = 0;  // owner filter; 0: any; kListnsCurrentUser: the caller's
};
static_assert(sizeof(NsIdReq) == 32);
inline constexpr std::uint64_t kListnsCurrentUser = ~std::uint64_t{0};
// Up to `n` ids into `ids`: their count, or -1 with errno (ENOSYS before 6.19).
// Async-signal-safe.
long Listns(const NsIdReq& req, std::uint64_t* ids, std::size_t n);

}  // namespace nsprobe::sys
