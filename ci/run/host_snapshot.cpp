#include "ci/run/host_snapshot.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "runtime/fd.hpp"
#include "runtime/launch.hpp"
#include "runtime/proc_files.hpp"

namespace nsprobe::run {

namespace {

std::vector<std::string> Lines(const std::string& text, std::size_t skip_header = 0) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  for (std::size_t i = 0; std::getline(in, line); ++i)
    if (i >= skip_header && !line.empty()) out.push_back(line);
  return out;
}

std::vector<std::string> DirEntries(const char* path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path);
  if (d == nullptr) {
    if (errno != ENOENT) out.push_back(fmt::format("(unreadable: {})", std::strerror(errno)));
    return out;
  }
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  ::closedir(d);
  return out;
}

// SysV objects by kind, key and id; not the times or counters, which move on their own.
std::vector<std::string> SysvObjects() {
  std::vector<std::string> out;
  for (const char* kind : {"msg", "sem", "shm"}) {
    std::string text;
    if (!TryReadFile(fmt::format("/proc/sysvipc/{}", kind), text)) continue;
    for (const std::string& line : Lines(text, 1)) {
      std::istringstream in(line);
      std::string key, id;
      in >> key >> id;
      out.push_back(fmt::format("{} key={} id={}", kind, key, id));
    }
  }
  return out;
}

// POSIX queues are listed only through an mqueue mount, which the host may not have: mount
// one privately in a child that shares every namespace but mnt, and list it there.
std::vector<std::string> PosixQueues() {
  Pipe out = Pipe::Make();
  Spec spec;
  spec.kinds = KindSet{Kind::kMnt};
  spec.fds = {{out.write.Get(), 1}};
  try {
    Child c =
        Launch(spec, std::vector<std::string>{
                         "sh", "-c", "mount -t mqueue nsprobe-hygiene /mnt 2>&1 && ls -A /mnt"});
    out.write.Reset();
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(out.read.Get(), buf, sizeof buf)) > 0;)
      text.append(buf, static_cast<std::size_t>(n));
    ExitStatus st = c.Wait(std::chrono::seconds(10));
    // Root of a user namespace that does not own the IPC namespace may not mount its mqueue:
    // mount's complaint goes in the snapshot, not on the caller's stderr.
    if (!st.Success())
      return {fmt::format("(unreadable: listing ended with {}: {})", st.Describe(),
                          text.substr(0, text.find('\n')))};
    return Lines(text);
  } catch (const std::exception& e) {
    return {fmt::format("(unreadable: {})", e.what())};
  }
}

// /proc/self/net/dev answers for the reader's network namespace; /sys/class/net would answer
// for whichever namespace mounted /sys.
std::vector<std::string> NetLinks() {
  std::string text;
  if (!TryReadFile("/proc/self/net/dev", text)) return {"(unreadable)"};
  std::vector<std::string> out;
  for (const std::string& line : Lines(text, 2)) {
    std::size_t colon = line.find(':');
    std::size_t start = line.find_first_not_of(' ');
    if (colon != std::string::npos && start < colon)
      out.push_back(line.substr(start, colon - start));
  }
  return out;
}

std::vector<std::string> Mounts() {
  std::string text;
  if (!TryReadFile("/proc/self/mountinfo", text)) return {"(unreadable)"};
  std::vector<std::string> out;
  for (const proc::MountInfo& m : proc::ParseMountInfo(text))
    out.push_back(fmt::format("{} {} {} {}", m.mount_point, m.fstype, m.source, m.options));
  return out;
}

std::vector<std::string> Children(int owner) {
  std::vector<std::string> out;
  for (const std::string& pid : DirEntries("/proc")) {
    if (pid.empty() || pid[0] < '1' || pid[0] > '9') continue;
    std::string stat;
    if (!TryReadFile("/proc/" + pid + "/stat", stat)) continue;
    std::size_t paren = stat.rfind(')');
    std::size_t open = stat.find('(');
    if (paren == std::string::npos || open == std::string::npos) continue;
    std::istringstream in(stat.substr(paren + 1));
    char state = 0;
    int ppid = 0;
    if (std::atoi(pid.c_str()) == ::getpid()) continue;  // the snapshot itself
    if (in >> state >> ppid && ppid == owner)
      out.push_back(fmt::format("{} {} {}", pid, stat.substr(open, paren - open + 1), state));
  }
  return out;
}

std::vector<std::string> UserSysctls() {
  std::vector<std::string> out;
  for (const std::string& name : DirEntries("/proc/sys/user")) {
    std::string value;
    if (TryReadFile("/proc/sys/user/" + name, value))
      out.push_back(fmt::format("{}={}", name, value.substr(0, value.find('\n'))));
  }
  return out;
}

}  // namespace

Snapshot Take(int owner_pid) {
  Snapshot s;
  utsname u{};
  ::uname(&u);
  s.aspects["hostname"] = {u.nodename};
  s.aspects["domainname"] = {u.domainname};
  s.aspects["mounts"] = Mounts();
  s.aspects["sysv_ipc"] = SysvObjects();
  s.aspects["posix_mqueues"] = PosixQueues();
  s.aspects["net_links"] = NetLinks();
  s.aspects["named_netns"] = DirEntries("/run/netns");
  s.aspects["children"] = Children(owner_pid);
  s.aspects["user_sysctls"] = UserSysctls();
  for (auto& [name, lines] : s.aspects) std::sort(lines.begin(), lines.end());
  return s;
}

std::vector<Difference> Compare(const Snapshot& before, const Snapshot& after) {
  std::vector<Difference> out;
  auto aspects = before.aspects;
  for (const auto& [name, lines] : after.aspects) aspects.try_emplace(name);
  for (const auto& entry : aspects) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string& name = entry.first;
    auto get = [&](const Snapshot& s) {
      auto it = s.aspects.find(name);
      return it == s.aspects.end() ? std::vector<std::string>{} : it->second;
    };
    std::vector<std::string> a = get(before), b = get(after);
    Difference d{name, {}, {}};
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(d.appeared));
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(d.vanished));
    if (!d.appeared.empty() || !d.vanished.empty()) out.push_back(std::move(d));
  }
  return out;
}

std::string Describe(const std::vector<Difference>& diffs) {
  std::string out;
  for (const Difference& d : diffs) {
    out += d.aspect + ":";
    for (const std::string& l : d.appeared) out += fmt::format(" +'{}'", l);
    for (const std::string& l : d.vanished) out += fmt::format(" -'{}'", l);
    out += "\n";
  }
  return out;
}

nlohmann::json ToJson(const Snapshot& s) {
  return {{"nsprobe_host_snapshot", 1}, {"aspects", s.aspects}};
}

Snapshot FromJson(const nlohmann::json& j) {
  if (!j.is_object() || j.value("nsprobe_host_snapshot", 0) != 1 || !j.contains("aspects") ||
      !j["aspects"].is_object())
    throw std::invalid_argument("not an nsprobe host snapshot (version 1)");
  Snapshot s;
  for (const auto& [name, lines] : j["aspects"].items()) {
    if (!lines.is_array())
      throw std::invalid_argument(fmt::format("aspect '{}' is not a list", name));
    for (const auto& l : lines) {
      if (!l.is_string())
        throw std::invalid_argument(fmt::format("aspect '{}' holds a non-string", name));
      s.aspects[name].push_back(l.get<std::string>());
    }
  }
  return s;
}

}  // namespace nsprobe::run
