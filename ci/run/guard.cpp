#include "ci/run/guard.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <mqueue.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <system_error>

#include "ci/run/sensitivity.hpp"
#include "runtime/fd.hpp"
#include "runtime/launch.hpp"
#include "runtime/negative_control.hpp"

namespace nsprobe::run {

using record::FromJson;
using record::Record;
using record::ToJson;

namespace {

constexpr key_t kMarkerKey = 0x6e737067;  // "nspg"
constexpr const char* kMarkerQueue = "/nsprobe-guard";

std::string RandomToken() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

Spec GuardSpec(const std::string& token) {
  Spec s;
  s.kinds = KindSet::All();
  s.kinds.Remove(Kind::kUser);
  s.hostname = "nsprobe-guard-" + token.substr(0, 8);
  s.domainname = *s.hostname;
  s.mount_proc = true;
  s.loopback_up = true;
  // No clock offsets: the time suite computes what it expects from zero offsets in the
  // namespace it starts in, so shifted guard clocks would break its baseline.
  return s;
}

void Check(bool ok, const std::string& what) {
  if (!ok) throw std::system_error(errno, std::generic_category(), what);
}

// Inside the guard: the marks of the namespaces that have no visible mark of their own yet. The
// tmpfs goes on the guard's own directory, never over /tmp, where a user may keep the build,
// the install or --out.
void Decorate(const std::string& private_dir, const std::string& work_dir) {
  Check(::mount("nsprobe-guard", private_dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") ==
            0,
        fmt::format("mount(tmpfs on {})", private_dir));
  Check(::mkdir(work_dir.c_str(), 0700) == 0, fmt::format("mkdir({})", work_dir));
  Check(::msgget(kMarkerKey, IPC_CREAT | 0600) >= 0, "msgget(marker)");
  mqd_t q = ::mq_open(kMarkerQueue, O_CREAT | O_RDWR | O_CLOEXEC, 0600, nullptr);
  Check(q != static_cast<mqd_t>(-1), fmt::format("mq_open({})", kMarkerQueue));
  ::mq_close(q);
}

nlohmann::ordered_json GuardFacts(const Spec& spec) {
  return {{"namespaces", spec.kinds.ToString()},
          {"hostname", *spec.hostname},
          {"domainname", *spec.domainname},
          {"marks",
           {fmt::format("SysV message queue key {:#x}", kMarkerKey),
            fmt::format("POSIX message queue {}", kMarkerQueue), "lo up", "a tmpfs of its own",
            "own pid namespace and /proc", "own time and cgroup namespaces"}}};
}

void WriteGuardFile(const std::string& path, Kind kind, const std::string& token) {
  std::string content = GuardFileContent(KindSet{kind}, token);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  Check(static_cast<bool>(fd), fmt::format("open({})", path));
  Check(::write(fd.Get(), content.data(), content.size()) == static_cast<ssize_t>(content.size()),
        fmt::format("write({})", path));
}

// The guard is its pid namespace's init: whatever a suite orphans is reparented to it.
void ReapOrphans() {
  while (::waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

SuiteRun RunOnce(const GuardRun& run, std::size_t i, const SuiteOptions& options,
                 const std::vector<std::string>& listed, const char* what) {
  if (run.announce) run.announce(fmt::format("{} ({})", Name(run.kinds[i]), what));
  SuiteRun r = RunSuite(run.suites[i], options, listed, nullptr);
  ReapOrphans();
  return r;
}

// The withheld run of `suite`'s cases that declare `kind`, none when none does. Their cases stay
// out of the record's list (a case there is once; several kinds may run it), their counts go
// into the kind's sensitivity.
std::vector<Case> RunDeclared(const GuardRun& run, const SuiteBinary& suite, SuiteOptions options,
                              const SuiteRun& baseline, const std::string& kind) {
  options.filter = DeclaredFilter(baseline.cases, kind);
  if (options.filter.empty()) return {};
  std::vector<std::string> listed;
  for (const Case& c : baseline.cases)
    if (Declares(c, kind)) listed.push_back(c.name);
  if (run.announce)
    run.announce(
        fmt::format("{}: {} cases declaring {} (withheld)", suite.suite, listed.size(), kind));
  SuiteRun r = RunSuite(suite, options, listed, nullptr);
  ReapOrphans();
  return r.cases;
}

// The guard's body: decorate, run every kind twice, write the completed record to `out_fd`.
int GuardMain(const GuardRun& run, Record rec, const std::string& token, const Spec& spec,
              int out_fd) {
  try {
    const std::string guard_file = run.private_dir + "/.nsprobe-guard";
    SuiteOptions options = run.options;
    options.work_dir = run.private_dir + "/work";
    Decorate(run.private_dir, options.work_dir);
    std::vector<KindSensitivity> sensitivity;
    // The cross-cutting suites' baselines, once: their verdicts with every namespace there,
    // and which kinds each case declares (known only from a run: a gtest property).
    std::vector<SuiteRun> cross_baselines;
    std::vector<Declarations> declarations;
    for (const SuiteBinary& b : run.cross_cutting) {
      if (run.announce) run.announce(fmt::format("{} (baseline)", b.suite));
      cross_baselines.push_back(RunSuite(b, options, ListCases(b, options), nullptr));
      ReapOrphans();
      declarations.push_back(DeclarationsOf(b.suite, cross_baselines.back().cases));
    }
    for (std::size_t i = 0; i < run.kinds.size(); ++i) {
      std::vector<std::string> listed = ListCases(run.suites[i], options);
      SuiteRun baseline = RunOnce(run, i, options, listed, "baseline");
      WriteGuardFile(guard_file, run.kinds[i], token);
      // Only the suite binaries read these: this process decided at start-up, unarmed.
      ::setenv("NSPROBE_NEGATIVE_CONTROL", std::string(Name(run.kinds[i])).c_str(), 1);
      ::setenv("NSPROBE_GUARD_FILE", guard_file.c_str(), 1);
      ::setenv("NSPROBE_GUARD_TOKEN", token.c_str(), 1);
      SuiteRun control = RunOnce(run, i, options, listed, "withheld");
      const std::string kind(Name(run.kinds[i]));
      KindSensitivity s = Sensitivity(kind, baseline.cases, control.cases);
      for (std::size_t j = 0; j < run.cross_cutting.size(); ++j)
        AddDeclared(s, cross_baselines[j].cases,
                    RunDeclared(run, run.cross_cutting[j], options, cross_baselines[j], kind));
      ::unsetenv("NSPROBE_NEGATIVE_CONTROL");
      ::unlink(guard_file.c_str());
      sensitivity.push_back(std::move(s));
      rec.binaries.push_back(control.binary);
      rec.cases.insert(rec.cases.end(), control.cases.begin(), control.cases.end());
    }
    rec.sensitivity = SensitivitySection(sensitivity, GuardFacts(spec), declarations);
    std::string json =
        ToJson(rec).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    Check(::write(out_fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()),
          "write(guard record)");
    return 0;
  } catch (const Interrupted&) {
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "nsprobe run: in the guard sandbox: {}\n", e.what());
    return 4;
  }
}

}  // namespace

Record RunInGuard(const GuardRun& run, const Record& header) {
  const std::string token = RandomToken();
  const Spec spec = GuardSpec(token);
  UniqueFd out(::memfd_create("nsprobe-guard-record", MFD_CLOEXEC));
  Check(static_cast<bool>(out), "memfd_create");
  Child guard = Launch(spec, [&] { return GuardMain(run, header, token, spec, out.Get()); });
  for (pollfd p{guard.PidFd(), POLLIN, 0}; ::poll(&p, 1, 500) <= 0;) {
    if (run.options.stop != nullptr && *run.options.stop != 0) {
      guard.Kill();  // and with it, its pid namespace: every suite process inside
      throw Interrupted();
    }
  }
  ExitStatus st = guard.Wait();
  if (run.options.stop != nullptr && *run.options.stop != 0) throw Interrupted();
  if (!st.Success())
    throw std::runtime_error(fmt::format("the guard sandbox ended with {}", st.Describe()));
  std::string json;
  Check(TryReadFile(fmt::format("/proc/self/fd/{}", out.Get()), json), "read(guard record)");
  return FromJson(nlohmann::ordered_json::parse(json), "the guard's record");
}

}  // namespace nsprobe::run
