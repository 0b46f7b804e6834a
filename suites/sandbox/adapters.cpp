#include "suites/sandbox/adapters.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "runtime/tool.hpp"
#include "suites/sandbox/describe.hpp"
#include "suites/sandbox/runtimes.hpp"
#include "suites/support/paths.hpp"

namespace nsprobe::sandbox {
namespace {

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool Keeps(const Request& r, Kind k) { return !r.shared || *r.shared != k; }

KindSet Without(KindSet set, Kind k) {
  set.Remove(k);
  return set;
}

// bubblewrap: --unshare-all (user and cgroup "if possible") on the host's / read-only, with a
// /proc and /dev of its own; a kind is left shared by listing every other --unshare-X instead.
class Bwrap : public Adapter {
 public:
  std::string Name() const override { return "bwrap"; }
  std::string Program() const override { return "bwrap"; }
  std::string Package() const override { return "bubblewrap"; }
  KindSet Promises(Mode mode) const override {
    KindSet k{Kind::kMnt, Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid, Kind::kCgroup};
    if (mode == Mode::kUnprivileged) k.Add(Kind::kUser);
    return k;
  }
  // It always makes a mount namespace; without setuid it needs a user namespace for anything.
  KindSet Shareable(Mode mode) const override {
    KindSet k{Kind::kUts, Kind::kIpc, Kind::kNet, Kind::kPid, Kind::kCgroup};
    if (mode == Mode::kPrivileged) k.Add(Kind::kUser);
    return k;
  }
  Invocation Build(const Request& r) const override {
    Invocation inv;
    inv.argv = {"bwrap", "--die-with-parent"};
    if (!r.shared) {
      inv.argv.push_back("--unshare-all");
    } else {
      const std::pair<Kind, const char*> flags[] = {
          {Kind::kUser, "--unshare-user"}, {Kind::kIpc, "--unshare-ipc"},
          {Kind::kPid, "--unshare-pid"},   {Kind::kNet, "--unshare-net"},
          {Kind::kUts, "--unshare-uts"},   {Kind::kCgroup, "--unshare-cgroup"}};
      for (const auto& [kind, flag] : flags)
        if (Keeps(r, kind) && (kind != Kind::kUser || r.mode == Mode::kUnprivileged))
          inv.argv.push_back(flag);
    }
    if (Keeps(r, Kind::kUts)) {
      inv.argv.insert(inv.argv.end(), {"--hostname", r.hostname});
      inv.hostname = r.hostname;
    }
    inv.argv.insert(inv.argv.end(), {"--ro-bind", "/", "/", "--dev", "/dev"});
    // A proc mount needs the pid namespace's owner: the host's /proc is bound instead.
    if (Keeps(r, Kind::kPid))
      inv.argv.insert(inv.argv.end(), {"--proc", "/proc"});
    else
      inv.argv.insert(inv.argv.end(), {"--ro-bind", "/proc", "/proc"});
    inv.argv.insert(inv.argv.end(), {"--bind", r.mount_dir, r.mount_dir, "--"});
    inv.argv = Concat(inv.argv, r.observer);
    return inv;
  }
};

// util-linux unshare(1): every kind, a private /proc, a monotonic offset; unprivileged adds
// --user --map-root-user. A kind is left shared by dropping its flag.
class Unshare : public Adapter {
 public:
  std::string Name() const override { return "unshare"; }
  std::string Program() const override { return "unshare"; }
  std::string Package() const override { return "util-linux"; }
  KindSet Promises(Mode mode) const override {
    return mode == Mode::kUnprivileged ? KindSet::All() : Without(KindSet::All(), Kind::kUser);
  }
  KindSet Shareable(Mode mode) const override {
    return mode == Mode::kUnprivileged ? Without(KindSet::All(), Kind::kUser) : KindSet::All();
  }
  Invocation Build(const Request& r) const override {
    Invocation inv;
    inv.argv = {"unshare", "--fork"};
    if (r.mode == Mode::kUnprivileged && Keeps(r, Kind::kUser))
      inv.argv.insert(inv.argv.end(), {"--user", "--map-root-user"});
    if (Keeps(r, Kind::kMnt)) inv.argv.push_back("--mount");
    if (Keeps(r, Kind::kUts)) inv.argv.push_back("--uts");
    if (Keeps(r, Kind::kIpc)) inv.argv.push_back("--ipc");
    if (Keeps(r, Kind::kNet)) inv.argv.push_back("--net");
    if (Keeps(r, Kind::kPid)) inv.argv.push_back("--pid");
    if (Keeps(r, Kind::kPid) && Keeps(r, Kind::kMnt)) inv.argv.push_back("--mount-proc");
    if (Keeps(r, Kind::kCgroup)) inv.argv.push_back("--cgroup");
    if (Keeps(r, Kind::kTime)) {
      inv.argv.insert(inv.argv.end(),
                      {"--time", "--monotonic", std::to_string(r.monotonic_offset)});
      inv.monotonic_offset = r.monotonic_offset;
    }
    inv.argv.push_back("--");
    inv.argv = Concat(inv.argv, r.observer);
    return inv;
  }
};

// `nsprobe exec`, the runtime this project ships, used as a user would.
class NsprobeExec : public Adapter {
 public:
  std::string Name() const override { return "nsprobe-exec"; }
  std::string Program() const override {
    try {
      return testing::NsprobeCommand();
    } catch (const std::runtime_error&) {
      return "nsprobe";
    }
  }
  std::string Package() const override { return "nsprobe"; }
  std::string Version() const override { return "nsprobe " NSPROBE_VERSION; }
  KindSet Promises(Mode mode) const override {
    return mode == Mode::kUnprivileged ? KindSet::All() : Without(KindSet::All(), Kind::kUser);
  }
  KindSet Shareable(Mode mode) const override {
    return mode == Mode::kUnprivileged ? Without(KindSet::All(), Kind::kUser) : KindSet::All();
  }
  Invocation Build(const Request& r) const override {
    KindSet kinds = Promises(r.mode);
    if (r.shared) kinds.Remove(*r.shared);
    Invocation inv;
    inv.argv = {Program(), "exec", "--ns", kinds.ToString()};
    if (kinds.Has(Kind::kUser)) inv.argv.push_back("--map-root");
    if (kinds.Has(Kind::kUts)) {
      inv.argv.insert(inv.argv.end(), {"--hostname", r.hostname});
      inv.hostname = r.hostname;
    }
    if (kinds.Has(Kind::kPid) && kinds.Has(Kind::kMnt)) inv.argv.push_back("--mount-proc");
    if (kinds.Has(Kind::kNet)) inv.argv.push_back("--loopback");
    if (kinds.Has(Kind::kTime)) {
      inv.argv.insert(inv.argv.end(), {"--monotonic", std::to_string(r.monotonic_offset)});
      inv.monotonic_offset = r.monotonic_offset;
    }
    inv.argv.push_back("--");
    inv.argv = Concat(inv.argv, r.observer);
    return inv;
  }
};

}  // namespace

const std::vector<std::unique_ptr<Adapter>>& AllAdapters() {
  static const std::vector<std::unique_ptr<Adapter>> all = [] {
    std::vector<std::unique_ptr<Adapter>> v;
    v.push_back(std::make_unique<Bwrap>());
    v.push_back(std::make_unique<Unshare>());
    v.push_back(std::make_unique<NsprobeExec>());
    v.push_back(MakeCrun());
    v.push_back(MakeRunc());
    v.push_back(MakeNspawn());
    v.push_back(MakePodman());
    v.push_back(MakeFirejail());
    return v;
  }();
  return all;
}

const Adapter* FindAdapter(const std::string& name) {
  for (const auto& a : AllAdapters())
    if (a->Name() == name) return a.get();
  return nullptr;
}

std::string FindInPath(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

std::string Adapter::Flags(Mode mode) const {
  Request r;
  r.mode = mode;
  r.observer = {"OBSERVER"};
  r.work_dir = "WORK";
  r.mount_dir = "DIR";
  r.hostname = "HOSTNAME";
  r.name = "NAME";
  r.describe_only = true;
  try {
    return ShellLine(Build(r).argv);
  } catch (const std::exception& e) {
    return std::string("(no command line: ") + e.what() + ")";
  }
}

std::string Adapter::Version() const {
  if (FindInPath(Program()).empty()) return "";
  ToolResult r = RunTool(0, {}, VersionArgv());
  std::string text = r.out.empty() ? r.err : r.out;
  // firejail will not even say its version to a user it refuses: the package's then.
  if (r.exit_code != 0) {
    r = RunTool(0, {}, {"dpkg-query", "-W", "-f", "${Version}", Package()});
    text = r.exit_code == 0 && !r.out.empty() ? Package() + " " + r.out + " (dpkg)" : "";
  }
  return text.substr(0, text.find('\n'));
}

}  // namespace nsprobe::sandbox
