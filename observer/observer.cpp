// nsprobe-observer: run inside any sandbox, it prints one JSON document on stdout describing
// what it sees (namespace identities, processes, hostname, IPC objects, links, ids and
// capabilities, mounts, cgroup, clock offsets) and what became of a set of host-touching
// actions it was handed. It judges nothing: the suite that started it compares the document
// with the host's own view. No test framework inside; a normal process, any runtime can exec it.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "runtime/fd.hpp"
#include "runtime/identity.hpp"
#include "runtime/kind.hpp"
#include "runtime/proc_files.hpp"

namespace {

using Json = nlohmann::ordered_json;

// What the parent handed over: names and numbers of host objects to try to reach.
struct Request {
  std::string token = "observer";
  std::string host_mq;       // a POSIX message queue the host made
  long host_sysv_key = -1;   // a SysV message queue key the host made
  int host_port = 0;         // a TCP port the host listens on at 127.0.0.1
  std::string mount_dir;     // a directory to mount a tmpfs on (and leave a marker in)
  pid_t host_pid = 0;        // a host process to signal (signal 0: nothing is delivered)
  int host_ns_fd = -1;       // an inherited descriptor of a host namespace to setns to
  std::string host_ns_path;  // a host namespace by path (/proc/PID/ns/net) to open and setns to
  std::string root_file;     // a file only the host's root may read
};

Json Outcome(int rc) {
  if (rc == 0) return Json{{"ok", true}};
  const int err = errno;
  const char* name = ::strerrorname_np(err);
  return Json{{"ok", false}, {"errno", name != nullptr ? name : std::to_string(err)}};
}

std::string Read(const std::string& path) {
  std::string text;
  return nsprobe::TryReadFile(path, text) ? text : std::string();
}

Json Namespaces() {
  Json out = Json::object();
  for (const nsprobe::KindInfo& k : nsprobe::AllKinds()) {
    std::optional<nsprobe::NsIdentity> id = nsprobe::IdentityOf(0, k.kind);
    if (id) out[std::string(k.name)] = {{"dev", id->dev}, {"ino", id->ino}};
  }
  return out;
}

// /proc as this process sees it: pid, command and start time of each entry.
Json Processes() {
  Json out = Json::array();
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') continue;
    std::string stat = Read(std::string("/proc/") + e->d_name + "/stat");
    std::size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    // Field 22 (starttime) is the 20th after the closing parenthesis.
    std::string rest = stat.substr(close + 2);
    long long start = -1;
    std::size_t pos = 0;
    for (int field = 3; field < 22 && pos != std::string::npos; ++field)
      pos = rest.find(' ', pos) == std::string::npos ? std::string::npos : rest.find(' ', pos) + 1;
    if (pos != std::string::npos) start = std::atoll(rest.c_str() + pos);
    out.push_back(
        {{"pid", pid}, {"comm", stat.substr(open + 1, close - open - 1)}, {"starttime", start}});
  }
  ::closedir(dir);
  return out;
}

Json SysvKeys(const char* path) {
  Json keys = Json::array();
  std::string text = Read(path);
  std::size_t line_end = text.find('\n');  // header line
  while (line_end != std::string::npos && line_end + 1 < text.size()) {
    std::size_t next = text.find('\n', line_end + 1);
    std::string line = text.substr(line_end + 1, next - line_end - 1);
    long long key = 0;
    if (std::sscanf(line.c_str(), "%lld", &key) == 1) keys.push_back(key);
    line_end = next;
  }
  return keys;
}

Json Ipc() {
  Json mq = Json::array();
  if (DIR* dir = ::opendir("/dev/mqueue")) {
    while (dirent* e = ::readdir(dir))
      if (e->d_name[0] != '.') mq.push_back(std::string("/") + e->d_name);
    ::closedir(dir);
  }
  return {{"sysv_msg", SysvKeys("/proc/sysvipc/msg")},
          {"sysv_shm", SysvKeys("/proc/sysvipc/shm")},
          {"sysv_sem", SysvKeys("/proc/sysvipc/sem")},
          {"posix_mq", mq}};
}

Json Links() {
  Json links = Json::array();
  struct if_nameindex* all = ::if_nameindex();
  if (all == nullptr) return links;
  nsprobe::UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  for (struct if_nameindex* i = all; i->if_index != 0; ++i) {
    ifreq req{};
    std::strncpy(req.ifr_name, i->if_name, IFNAMSIZ - 1);
    bool up = sock.Get() >= 0 && ::ioctl(sock.Get(), SIOCGIFFLAGS, &req) == 0 &&
              (req.ifr_flags & IFF_UP) != 0;
    links.push_back({{"name", i->if_name}, {"index", i->if_index}, {"up", up}});
  }
  ::if_freenameindex(all);
  return links;
}

Json User() {
  std::string status = Read("/proc/self/status");
  auto field = [&](std::string_view key) {
    return nsprobe::proc::StatusField(status, key).value_or("");
  };
  return {{"uid", ::getuid()},
          {"euid", ::geteuid()},
          {"gid", ::getgid()},
          {"uid_map", Read("/proc/self/uid_map")},
          {"gid_map", Read("/proc/self/gid_map")},
          {"setgroups", Read("/proc/self/setgroups")},
          {"cap_eff", field("CapEff")},
          {"cap_bnd", field("CapBnd")},
          {"no_new_privs", field("NoNewPrivs")},
          {"seccomp", field("Seccomp")}};
}

Json Mounts() {
  Json out = Json::array();
  for (const auto& m : nsprobe::proc::ParseMountInfo(Read("/proc/self/mountinfo")))
    out.push_back({{"id", m.id},
                   {"mount_point", m.mount_point},
                   {"fstype", m.fstype},
                   {"source", m.source},
                   {"propagation", m.propagation}});
  return out;
}

Json Cgroup() {
  Json out = Json::array();
  for (const auto& line : nsprobe::proc::ParseCgroup(Read("/proc/self/cgroup")))
    out.push_back({{"hierarchy", line.hierarchy}, {"path", line.path}});
  return out;
}

// The host-touching actions. Each is harmless when it succeeds: the hostname is set to the
// one already there, the queue made is removed, the port bound is the kernel's choice,
// signal 0 delivers nothing; the parent removes a mount that reached the host.
Json Actions(const Request& r) {
  Json out = Json::object();
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  out["sethostname"] = Outcome(::sethostname(name, std::strlen(name)));
  if (!r.root_file.empty()) {
    nsprobe::UniqueFd f(::open(r.root_file.c_str(), O_RDONLY | O_CLOEXEC));
    out["open_root_file"] = Outcome(f.Get() < 0 ? -1 : 0);
  }
  if (!r.mount_dir.empty()) {
    Json mount =
        Outcome(::mount("tmpfs", r.mount_dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"));
    // A marker only on our own tmpfs: a host that sees it saw our mount.
    if (mount["ok"].get<bool>()) {
      nsprobe::UniqueFd marker(::open((r.mount_dir + "/marker-" + r.token).c_str(),
                                      O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
      mount["marker"] = marker.Get() >= 0;
    }
    out["mount"] = mount;
  }
  std::string own_mq = "/nsprobe-observer-" + r.token;
  mq_attr attr{};
  attr.mq_maxmsg = 1;
  attr.mq_msgsize = 8;
  mqd_t q = ::mq_open(own_mq.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
  out["mq_create"] = Outcome(q == static_cast<mqd_t>(-1) ? -1 : 0);
  if (q != static_cast<mqd_t>(-1)) {
    ::mq_close(q);
    ::mq_unlink(own_mq.c_str());
  }
  {
    nsprobe::UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out["bind_port"] =
        Outcome(s.Get() < 0 ? -1 : ::bind(s.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a));
  }
  if (!r.host_mq.empty()) {
    mqd_t h = ::mq_open(r.host_mq.c_str(), O_RDONLY);
    out["host_mq_open"] = Outcome(h == static_cast<mqd_t>(-1) ? -1 : 0);
    if (h != static_cast<mqd_t>(-1)) ::mq_close(h);
  }
  if (r.host_sysv_key >= 0)
    out["host_sysv_msgget"] =
        Outcome(::msgget(static_cast<key_t>(r.host_sysv_key), 0) < 0 ? -1 : 0);
  if (r.host_port > 0) {
    nsprobe::UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(r.host_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out["connect_host_port"] =
        Outcome(s.Get() < 0 ? -1 : ::connect(s.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a));
  }
  if (r.host_pid > 0) out["kill_host_pid"] = Outcome(::kill(r.host_pid, 0));
  // Last: a successful setns moves us into the host's namespace.
  if (r.host_ns_fd >= 0) out["setns_host_fd"] = Outcome(::setns(r.host_ns_fd, 0));
  if (!r.host_ns_path.empty()) {
    nsprobe::UniqueFd ns(::open(r.host_ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    out["setns_host_path"] = Outcome(ns.Get() < 0 ? -1 : ::setns(ns.Get(), 0));
  }
  return out;
}

[[noreturn]] void Usage(const char* problem) {
  (void)std::fprintf(stderr,
                     "nsprobe-observer: %s; usage: nsprobe-observer [--token T] [--host-mq /NAME] "
                     "[--host-sysv-key K] [--host-port P] [--mount-dir DIR] [--host-pid PID] "
                     "[--host-ns-fd FD] [--host-ns-path /proc/PID/ns/KIND] [--root-file PATH]\n",
                     problem);
  std::exit(2);
}

long Number(const char* option, const char* text) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 0)
    Usage((std::string(option) + " '" + text + "' is not a non-negative number").c_str());
  return v;
}

Request Parse(int argc, char** argv) {
  Request r;
  for (int i = 1; i < argc; ++i) {
    std::string_view opt = argv[i];
    if (i + 1 >= argc) Usage((std::string(opt) + " needs a value").c_str());
    const char* value = argv[++i];
    if (opt == "--token")
      r.token = value;
    else if (opt == "--host-mq")
      r.host_mq = value;
    else if (opt == "--host-sysv-key")
      r.host_sysv_key = Number(argv[i - 1], value);
    else if (opt == "--host-port")
      r.host_port = static_cast<int>(Number(argv[i - 1], value));
    else if (opt == "--mount-dir")
      r.mount_dir = value;
    else if (opt == "--host-pid")
      r.host_pid = static_cast<pid_t>(Number(argv[i - 1], value));
    else if (opt == "--host-ns-path")
      r.host_ns_path = value;
    else if (opt == "--root-file")
      r.root_file = value;
    else if (opt == "--host-ns-fd")
      r.host_ns_fd = static_cast<int>(Number(argv[i - 1], value));
    else
      Usage((std::string("unknown option ") + argv[i - 1]).c_str());
  }
  return r;
}

int Observe(int argc, char** argv) {
  const Request request = Parse(argc, argv);
  utsname u{};
  ::uname(&u);
  char self[64] = {};
  ssize_t n = ::readlink("/proc/self", self, sizeof self - 1);
  Json doc = {{"nsprobe_observer", 1},
              {"pid", ::getpid()},
              {"ppid", ::getppid()},
              {"proc_self", n > 0 ? std::atol(self) : -1},
              {"namespaces", Namespaces()},
              {"processes", Processes()},
              {"hostname", u.nodename},
              {"domainname", u.domainname},
              {"ipc", Ipc()},
              {"links", Links()},
              {"user", User()},
              {"mounts", Mounts()},
              {"cgroup", Cgroup()},
              {"timens_offsets", Read("/proc/self/timens_offsets")}};
  doc["actions"] = Actions(request);
  // One line, so a runtime's own chatter on stdout cannot split it.
  std::printf("%s\n", doc.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

// What the observer reads is the sandbox's, not ours: anything it cannot take in (a /proc
// that lies, no memory left) ends it with one line and status 1, never an abort.
int main(int argc, char** argv) {
  try {
    return Observe(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "nsprobe-observer: %s\n", e.what());
  } catch (...) {
    (void)std::fprintf(stderr, "nsprobe-observer: an unknown exception\n");
  }
  return 1;
}
