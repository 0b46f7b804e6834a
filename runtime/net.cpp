#include "runtime/net.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/syscalls.hpp"

namespace nsprobe::net {

NSPROBE_CHILD_SIDE int BringLoopbackUpInChild() {
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return errno;
  ifreq req{};
  req.ifr_name[0] = 'l';
  req.ifr_name[1] = 'o';
  int err = 0;
  if (::ioctl(sock, SIOCGIFFLAGS, &req) != 0) {
    err = errno;
  } else {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(sock, SIOCSIFFLAGS, &req) != 0) err = errno;
  }
  ::close(sock);
  return err;
}

}  // namespace nsprobe::net
