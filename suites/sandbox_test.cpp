// The sandboxes people run, judged from outside: each runtime starts the observer with its
// default isolation, and the parent compares what the observer saw with the host's own view.
// Every property runs again with its namespace left shared by the runtime itself and must then
// fail (where the runtime cannot share it, the observer run straight on the host is the control).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "runtime/fd.hpp"
#include "runtime/identity.hpp"
#include "runtime/proc_files.hpp"
#include "runtime/tool.hpp"
#include "suites/sandbox/adapters.hpp"
#include "suites/sandbox/describe.hpp"
#include "suites/sandbox/leaks.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/paths.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe::sandbox {
namespace {

using Json = nlohmann::json;
using testing::TempDir;

struct Param {
  std::string runtime;
  Mode mode;
  Kind kind;
};

void PrintTo(const Param& p, std::ostream* os) {
  *os << p.runtime << ", " << Name(p.kind) << ", " << ModeName(p.mode);
}

std::string Unique() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::string HostName() {
  utsname u{};
  ::uname(&u);
  return u.nodename;
}

// Host objects the observer is handed, made before it runs and removed after: a POSIX and a
// SysV message queue, a listening loopback port, a directory to mount on.
class HostObjects {
 public:
  explicit HostObjects(const TempDir& dir) : mq_("/nsprobe-sandbox-" + Unique()) {
    mq_attr attr{};
    attr.mq_maxmsg = 1;
    attr.mq_msgsize = 8;
    mqd_t q = ::mq_open(mq_.c_str(), O_CREAT | O_EXCL | O_RDWR, 0644, &attr);
    if (q == static_cast<mqd_t>(-1))
      throw std::system_error(errno, std::generic_category(), "mq_open(" + mq_ + ")");
    ::mq_close(q);
    // A key of our own: pid and a counter, away from small well-known keys.
    key_ = static_cast<key_t>(0x6e000000 | ((::getpid() & 0xffff) << 8) | (counter_++ & 0xff));
    msqid_ = ::msgget(key_, IPC_CREAT | IPC_EXCL | 0644);
    if (msqid_ < 0) throw std::system_error(errno, std::generic_category(), "msgget");
    listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listener_.Get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_.Get(), 4) != 0 ||
        ::getsockname(listener_.Get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::system_error(errno, std::generic_category(), "listen(127.0.0.1:0)");
    port_ = ntohs(a.sin_port);
    mount_dir_ = dir.Sub("mnt");
    ::mkdir(mount_dir_.c_str(), 0777);
    ::chmod(mount_dir_.c_str(), 0777);
    // Readable by its owner only: a sandbox whose root is the host's root opens it.
    if (::geteuid() == 0) {
      root_file_ = mount_dir_ + "/root-only";
      UniqueFd f(::open(root_file_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
      if (f.Get() < 0)
        throw std::system_error(errno, std::generic_category(), "open(" + root_file_ + ")");
    }
  }
  ~HostObjects() {
    ::mq_unlink(mq_.c_str());
    ::msgctl(msqid_, IPC_RMID, nullptr);
  }
  HostObjects(const HostObjects&) = delete;
  HostObjects& operator=(const HostObjects&) = delete;

  std::vector<std::string> ObserverArgs(const std::string& token) const {
    std::vector<std::string> args{
        "--token",         token,
        "--host-mq",       mq_,
        "--host-sysv-key", std::to_string(key_),
        "--host-port",     std::to_string(port_),
        "--mount-dir",     mount_dir_,
        "--host-pid",      std::to_string(::getpid()),
        "--host-ns-path",  "/proc/" + std::to_string(::getpid()) + "/ns/net"};
    if (!root_file_.empty()) args.insert(args.end(), {"--root-file", root_file_});
    return args;
  }
  const std::string& MountDir() const { return mount_dir_; }

 private:
  static inline std::atomic<int> counter_{0};
  std::string mq_;
  key_t key_ = 0;
  int msqid_ = -1;
  UniqueFd listener_;
  int port_ = 0;
  std::string mount_dir_;
  std::string root_file_;
};

// What the host sees, for the same questions.
struct HostView {
  Json namespaces = Json::object();
  std::set<int> mount_ids;
  std::string hostname;
  static HostView Take() {
    HostView v;
    for (const KindInfo& k : AllKinds())
      if (auto id = IdentityOf(0, k.kind))
        v.namespaces[std::string(k.name)] = {{"dev", id->dev}, {"ino", id->ino}};
    for (const auto& m : proc::ParseMountInfo(ReadFile("/proc/self/mountinfo")))
      v.mount_ids.insert(m.id);
    v.hostname = HostName();
    return v;
  }
};

struct Observed {
  Json doc;             // the observer's document, null when it did not run
  std::string failure;  // why not
  Invocation invocation;
};

Observed RunObserver(const std::vector<std::string>& argv, std::optional<Credentials> as,
                     const Invocation& inv) {
  Observed o;
  o.invocation = inv;
  ProgramRun run;
  run.argv = argv;
  run.as = as;
  run.timeout = std::chrono::seconds(60);
  ProgramResult r;
  try {
    r = RunProgram(run);
  } catch (const std::exception& e) {
    o.failure = e.what();
    return o;
  }
  for (std::size_t start = 0; start < r.out.size();) {
    std::size_t end = r.out.find('\n', start);
    std::string line = r.out.substr(start, end - start);
    if (line.rfind("{\"nsprobe_observer\"", 0) == 0) o.doc = Json::parse(line, nullptr, false);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (o.doc.is_null() || o.doc.is_discarded()) {
    o.doc = Json();
    o.failure = "no observer document; exit " +
                std::to_string(r.status.exited ? r.status.code : 128 + r.status.signal) +
                (r.status.timed_out ? " (timed out)" : "") + "; stderr: " + r.err.substr(0, 800);
  }
  return o;
}

std::string Errno(const Json& action) {
  if (!action.is_object()) return "(not tried)";
  return action.value("ok", false) ? "ok" : action.value("errno", "?");
}

struct Judgement {
  bool isolated = false;
  std::string seen;
};

bool SameNs(const Json& doc, const HostView& host, Kind kind) {
  const std::string k(Name(kind));
  return doc["namespaces"].contains(k) && host.namespaces.contains(k) &&
         doc["namespaces"][k] == host.namespaces[k];
}

// One property of `kind`, judged on the observer's document against the host's view.
Judgement Judge(Kind kind, const Observed& o, const HostView& host, const std::string& mount_dir) {
  const Json& d = o.doc;
  const Json& act = d["actions"];
  Judgement j;
  const bool distinct = !SameNs(d, host, kind);
  j.seen = std::string(Name(kind)) + " namespace " + (distinct ? "distinct from" : "the same as") +
           " the host's";
  switch (kind) {
    case Kind::kPid: {
      bool has_init = false;
      for (const Json& p : d["processes"]) has_init |= p.value("pid", 0) == 1;
      const std::string kill = Errno(act["kill_host_pid"]);
      j.isolated =
          distinct && kill == "ESRCH" && has_init && d.value("proc_self", -1) == d.value("pid", -2);
      j.seen += "; observer pid " + std::to_string(d.value("pid", -1)) + ", /proc lists " +
                std::to_string(d["processes"].size()) + " processes" +
                (has_init ? " with a pid 1" : " without pid 1") + ", kill(host pid, 0): " + kill;
      break;
    }
    case Kind::kIpc: {
      const std::string mq = Errno(act["host_mq_open"]), msg = Errno(act["host_sysv_msgget"]);
      j.isolated = distinct && mq == "ENOENT" && msg == "ENOENT";
      j.seen += "; host's POSIX queue: " + mq + ", host's SysV queue: " + msg;
      break;
    }
    case Kind::kUts: {
      const std::string inside = d.value("hostname", "");
      j.isolated = distinct && HostName() == host.hostname &&
                   (o.invocation.hostname.empty() ? inside == host.hostname
                                                  : inside == o.invocation.hostname);
      j.seen += "; hostname inside '" + inside + "' (asked '" + o.invocation.hostname +
                "'), host's '" + HostName() + "'";
      break;
    }
    case Kind::kNet: {
      std::vector<std::string> names;
      for (const Json& l : d["links"]) names.push_back(l.value("name", ""));
      const std::string connect = Errno(act["connect_host_port"]);
      j.isolated = distinct && names == std::vector<std::string>{"lo"} && connect != "ok";
      j.seen += "; links:";
      for (const auto& n : names) j.seen += " " + n;
      j.seen += "; connect to the host's listening port: " + connect;
      break;
    }
    case Kind::kUser: {
      // From outside: a root-only file of the host's (made when we are root) stays closed.
      const std::string root_file = Errno(act["open_root_file"]);
      j.isolated = distinct && root_file != "ok";
      j.seen += "; uid " + std::to_string(d["user"].value("euid", -1)) + " inside, uid_map '" +
                d["user"].value("uid_map", "") + "', the host's root-only file: " + root_file;
      break;
    }
    case Kind::kMnt: {
      int shared_ids = 0;
      for (const Json& m : d["mounts"]) shared_ids += host.mount_ids.count(m.value("id", -1)) > 0;
      const std::string mount = Errno(act["mount"]);
      std::error_code ec;
      bool leaked = false;
      for (const auto& e : std::filesystem::directory_iterator(mount_dir, ec))
        leaked |= e.path().filename().string().rfind("marker-", 0) == 0;
      j.isolated = distinct && shared_ids == 0 && !leaked;
      j.seen += "; " + std::to_string(shared_ids) + " of its " +
                std::to_string(d["mounts"].size()) +
                " mounts are the host's; a tmpfs on the handed directory: " + mount +
                (leaked ? ", and the host sees it" : "");
      break;
    }
    case Kind::kCgroup: {
      std::string paths;
      bool all_root = !d["cgroup"].empty();
      for (const Json& c : d["cgroup"]) {
        paths += " " + c.value("path", "");
        all_root &= c.value("path", "") == "/";
      }
      j.isolated = distinct && all_root;
      j.seen += "; /proc/self/cgroup paths:" + paths;
      break;
    }
    case Kind::kTime: {
      std::string offsets = d.value("timens_offsets", "");
      long seconds = 0, nanos = 0;
      auto at = offsets.find("monotonic");
      if (at != std::string::npos)
        std::sscanf(offsets.c_str() + at, "monotonic %ld %ld", &seconds, &nanos);
      j.isolated = distinct && o.invocation.monotonic_offset != 0 &&
                   seconds == o.invocation.monotonic_offset;
      j.seen += "; monotonic offset " + std::to_string(seconds) + " s (asked " +
                std::to_string(o.invocation.monotonic_offset) + ")";
      break;
    }
  }
  return j;
}

// A mount the observer left in the host's namespace: removed, and said.
bool RemoveLeakedMount(const std::string& dir) {
  for (const auto& m : proc::ParseMountInfo(ReadFile("/proc/self/mountinfo")))
    if (m.mount_point == dir) {
      ::umount2(dir.c_str(), MNT_DETACH);
      return true;
    }
  return false;
}

class SandboxRuntime : public ::testing::TestWithParam<Param> {
 protected:
  // Runs the observer through the adapter (shared: that kind left shared) and judges.
  Judgement RunJudged(const Adapter& a, std::optional<Kind> shared, Observed* observed) {
    const Param& p = GetParam();
    TempDir dir("sandbox");
    HostObjects objects(dir);
    Request r;
    r.mode = p.mode;
    r.shared = shared;
    r.work_dir = dir.Sub("work");
    r.mount_dir = objects.MountDir();
    r.hostname = "nsprobe-sb-" + Unique();
    r.name = r.hostname;
    std::optional<Credentials> as;
    if (p.mode == Mode::kUnprivileged && ::geteuid() == 0) as = testing::kNobody;
    r.uid = as ? as->uid : ::geteuid();
    r.gid = as ? as->gid : ::getegid();
    ::mkdir(r.work_dir.c_str(), 0700);
    if (::chown(r.work_dir.c_str(), r.uid, r.gid) != 0) ADD_FAILURE() << "chown " << r.work_dir;
    r.observer = {testing::SelfDir() + "/nsprobe-observer"};
    const std::string token = Unique();
    for (const auto& arg : objects.ObserverArgs(token)) r.observer.push_back(arg);
    const HostView host = HostView::Take();
    const LeakWatch watch({dir.Path(), r.name, token});
    Invocation inv;
    const bool by_runtime = shared == std::nullopt || a.Shareable(p.mode).Has(*shared);
    if (by_runtime) {
      try {
        inv = a.Build(r);
      } catch (const std::exception& e) {
        observed->invocation = inv;
        observed->failure = a.Name() + ": could not prepare its run: " + e.what();
        return {false, observed->failure};
      }
    } else {
      inv.argv = r.observer;  // the host itself: the observer in none of the runtime's namespaces
    }
    *observed = RunObserver(inv.argv, as, inv);
    const bool leaked_mount = RemoveLeakedMount(r.mount_dir);
    if (by_runtime) a.Cleanup(r);
    // What the runtime left on the host after its own cleanup and ours is a failure here.
    const std::vector<Leak> leaks = watch.Leaks();
    for (const Leak& l : leaks)
      ADD_FAILURE() << a.Name() << " (" << ShellLine(inv.argv) << ") left on the host: " << l.what;
    LeakWatch::Remove(leaks);
    if (observed->doc.is_null()) return {false, observed->failure};
    Judgement j = Judge(p.kind, *observed, host, r.mount_dir);
    if (leaked_mount) {
      j.isolated = false;
      j.seen += "; its tmpfs was mounted in the host's namespace (removed)";
    }
    return j;
  }
};

TEST_P(SandboxRuntime, IsolatesByDefaultAndNotWhenShared) {
  const Param& p = GetParam();
  const Adapter* a = FindAdapter(p.runtime);
  ASSERT_NE(a, nullptr);
  const std::string skip = SkipReason(*a, p.mode, p.kind);
  if (!skip.empty()) GTEST_SKIP() << skip;
  RecordProperty("runtime_version", a->Version());

  Observed by_default;
  Judgement isolated = RunJudged(*a, std::nullopt, &by_default);
  ASSERT_FALSE(by_default.doc.is_null())
      << a->Name() << " did not run the observer: " << by_default.failure;
  RecordProperty("default_seen", isolated.seen);
  EXPECT_TRUE(isolated.isolated) << a->Name() << " (" << ShellLine(by_default.invocation.argv)
                                 << "): " << isolated.seen;

  Observed with_shared;
  const bool by_runtime = a->Shareable(p.mode).Has(p.kind);
  Judgement control = RunJudged(*a, p.kind, &with_shared);
  RecordProperty("sensitivity", by_runtime ? "runtime" : "host");
  ASSERT_FALSE(with_shared.doc.is_null())
      << a->Name() << " with " << Name(p.kind)
      << " shared did not run the observer: " << with_shared.failure;
  RecordProperty("shared_seen", control.seen);
  EXPECT_FALSE(control.isolated) << "insensitive: with " << Name(p.kind) << " left shared ("
                                 << (by_runtime ? ShellLine(with_shared.invocation.argv)
                                                : "the observer on the host")
                                 << ") the property still held: " << control.seen;
}

// The leak check can fail: a mount under the run's directory and a process naming it, both
// made here on purpose, are reported, and nothing is once they are removed.
TEST(SandboxLeakWatch, SeesAMountAndAProcessTheRunLeft) {
  if (::geteuid() != 0) GTEST_SKIP() << "privilege: mounting in the host's namespace needs root";
  TempDir dir("sandbox-leak");
  const std::string point = dir.Sub("leaked");
  ASSERT_EQ(::mkdir(point.c_str(), 0755), 0);
  const LeakWatch watch({dir.Path()});
  ASSERT_EQ(::mount("tmpfs", point.c_str(), "tmpfs", 0, "size=16k"), 0) << std::strerror(errno);
  const std::string line = "sleep 30; : " + dir.Path();
  pid_t child = ::fork();
  if (child == 0) {
    ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(child, 0);
  // Until it has exec'd, its command line is still ours.
  for (int i = 0; i < 100; ++i) {
    std::string cmdline;
    if (TryReadFile("/proc/" + std::to_string(child) + "/cmdline", cmdline) &&
        cmdline.find(dir.Path()) != std::string::npos)
      break;
    ::usleep(10000);
  }
  std::vector<Leak> leaks = watch.Leaks(std::chrono::milliseconds(300));
  std::string seen;
  for (const Leak& l : leaks) seen += l.what + "; ";
  LeakWatch::Remove(leaks);
  ::kill(child, SIGKILL);  // in case it went unseen
  ::waitpid(child, nullptr, 0);
  EXPECT_THAT(seen, ::testing::HasSubstr("mount")) << seen;
  EXPECT_THAT(seen, ::testing::HasSubstr("process " + std::to_string(child))) << seen;
  EXPECT_TRUE(watch.Leaks(std::chrono::milliseconds(0)).empty());
}

std::vector<Param> AllParams() {
  std::vector<Param> out;
  for (const auto& a : AllAdapters())
    for (Mode m : {Mode::kPrivileged, Mode::kUnprivileged})
      for (const KindInfo& k : AllKinds()) out.push_back({a->Name(), m, k.kind});
  return out;
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  return CaseSuffix(info.param.runtime, info.param.kind, info.param.mode);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, SandboxRuntime, ::testing::ValuesIn(AllParams()), ParamName);

}  // namespace
}  // namespace nsprobe::sandbox

// `sandbox_test --nsprobe-runtimes` describes every adapter as JSON (what `nsprobe run
// --runtime` prints beside the verdicts); anything else is GoogleTest's.
int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--nsprobe-runtimes") {
    std::printf("%s\n", nsprobe::sandbox::DescribeAll().dump(2).c_str());
    return 0;
  }
  ::testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
