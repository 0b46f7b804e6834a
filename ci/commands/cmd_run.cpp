// `nsprobe run`: runs every suite binary next to nsprobe, writes the record and its renderings
// into one directory, and prints the verdict table.
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "ci/commands/cli.hpp"
#include "ci/commands/numeric_options.hpp"
#include "ci/lava/lava_id.hpp"
#include "ci/record/atomic_files.hpp"
#include "ci/record/gbench.hpp"
#include "ci/record/probe_json.hpp"
#include "ci/report/render.hpp"
#include "ci/run/guard.hpp"
#include "ci/run/host_snapshot.hpp"
#include "ci/run/name_list.hpp"
#include "ci/run/runtimes.hpp"
#include "ci/run/sensitivity.hpp"
#include "ci/run/stress.hpp"
#include "ci/run/suite_runner.hpp"
#include "runtime/fingerprint.hpp"
#include "runtime/probe.hpp"
#include "runtime/temp_dir.hpp"

namespace nsprobe::cli {
namespace {

namespace fs = std::filesystem;
using record::Record;

constexpr std::uint64_t kMaxRepeat = 10000;

struct RunOptions {
  std::string out, filter, bench, suites_dir, negative_control, runtime;
  std::optional<std::string> kinds;  // unset: all; given empty: refused
  int repeat = 1;
  int jobs = 0;  // 0: as many as this process may run on
  bool shuffle = false;
  bool stress = false;
  bool lava = false;
  unsigned seed = 0;
  double timeout = 300;
};

std::string UtcNow(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[64];
  return std::strftime(buf, sizeof buf, format, &tm) > 0 ? buf : "";
}

// results/<date>-<host>-<kernel>, under $NSPROBE_RESULTS when set (scripts/run points it
// at the repository's results/ so the place does not depend on the working directory).
std::string DefaultOutDir() {
  utsname u{};
  ::uname(&u);
  const char* base = std::getenv("NSPROBE_RESULTS");
  return fmt::format("{}/{}-{}-{}", base != nullptr && *base != '\0' ? base : "results",
                     UtcNow("%Y%m%d-%H%M%S"), u.nodename, u.release);
}

// nsprobe's own executable: the suites are found relative to it (bin/nsprobe ->
// libexec/nsprobe/), in the build tree and in any installed or moved copy alike.
fs::path SelfPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::system_error(ec, "readlink(/proc/self/exe)");
  return self;
}

// The run's scratch directory for the binaries' JSON and console files, removed on every exit.
// Its name carries the owner's pid, so that what a killed run (SIGKILL) left behind is found
// and removed by the next run: only when that pid is gone and the directory is ours.
class RunScratch {
 public:
  static constexpr std::string_view kPrefix = "nsprobe-run-";
  RunScratch() : dir_(RemoveStaleThenPrefix()) {}
  const std::string& path() const { return dir_.Path(); }

  // The owner pid in a name nsprobe-run-<pid>-XXXXXX, or 0 for any other name.
  static pid_t OwnerOf(std::string_view name) {
    if (!name.starts_with(kPrefix)) return 0;
    name.remove_prefix(kPrefix.size());
    const std::size_t dash = name.find('-');
    if (dash == std::string_view::npos || name.size() - dash - 1 != 6) return 0;
    try {
      return ParsePid(name.substr(0, dash));
    } catch (const std::invalid_argument&) {
      return 0;
    }
  }

 private:
  // Stale directories go first, so that ours is never among them.
  static std::string RemoveStaleThenPrefix() {
    RemoveStale(fs::temp_directory_path());
    return fmt::format("{}{}-", kPrefix, ::getpid());
  }
  static void RemoveStale(const fs::path& base) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(base, ec)) {
      const pid_t owner = OwnerOf(e.path().filename().string());
      struct stat st {};
      if (owner == 0 || ::lstat(e.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
          st.st_uid != ::geteuid())
        continue;
      if (::kill(owner, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to ask
      fs::remove_all(e.path(), ec);
    }
  }

  TempDir dir_;
};

volatile std::sig_atomic_t g_stop = 0;

// ^C or a CI cancel: stop at the next poll, kill the running binary, write nothing, and let
// the temporary directory be removed on the way out.
class StopOnSignals {
 public:
  StopOnSignals() {
    struct sigaction sa {};
    sa.sa_handler = [](int sig) { g_stop = sig; };
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopOnSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// The progress line: rewritten in place on a terminal, one plain line per binary otherwise.
class ProgressLine {
 public:
  ProgressLine() : live_(::isatty(STDERR_FILENO) == 1 && std::getenv("CI") == nullptr) {}
  void Update(int bins_done, int bins, int cases_done, int cases, const std::string& current) {
    if (!live_) return;
    std::string line = fmt::format("[{}/{} binaries, {}/{} cases] {}", bins_done, bins, cases_done,
                                   cases, current);
    if (line.size() > 110) line = line.substr(0, 107) + "...";
    fmt::print(stderr, "\r\033[K{}", line);
    (void)std::fflush(stderr);  // a progress line lost to a full disk is no failure
  }
  void Finished(const record::Binary& b, const std::vector<record::Case>& cases) {
    if (live_) fmt::print(stderr, "\r\033[K");
    record::Totals t;
    for (const record::Case& c : cases) t.Add(c.verdict);
    fmt::print(stderr, "{:<24} {:>4} cases: {} pass, {} fail, {} skip, {} error{} ({:.1f} s){}\n",
               b.name, t.All(), t.pass, t.fail, t.skip, t.error,
               t.by_design > 0 ? fmt::format(", {} by design", t.by_design) : "", b.duration_s,
               b.ok ? "" : "  [" + b.status + "]");
  }

 private:
  bool live_;
};

// The conformance suites of --suites (default: libexec/nsprobe/ of nsprobe's own prefix).
std::vector<run::SuiteBinary> ConformanceSuites(const std::string& dir) {
  std::vector<run::SuiteBinary> all = run::FindSuites(dir);
  std::vector<run::SuiteBinary> suites;
  std::copy_if(all.begin(), all.end(), std::back_inserter(suites),
               [](const run::SuiteBinary& b) { return b.conformance; });
  if (suites.empty())
    throw UsageError(fmt::format(
        "{}: no conformance suites there (no {} listing them, no *_test binaries); build them "
        "(scripts/test), install nsprobe with its suites, or point --suites at them",
        dir, run::kManifestName));
  return suites;
}

std::vector<run::SuiteBinary> SelectSuites(const RunOptions& o) {
  std::vector<run::SuiteBinary> all = ConformanceSuites(o.suites_dir);
  const std::string kinds = o.kinds.value_or("all");
  if (kinds == "all") return all;
  std::set<std::string> wanted;
  try {
    for (std::string& name : run::SplitNameList(kinds, "--kinds", "pid,net"))
      wanted.insert(std::move(name));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  std::set<std::string> known, tools;
  for (const auto& b : run::FindSuites(o.suites_dir))
    if (!b.conformance) tools.insert(b.label);
  std::vector<run::SuiteBinary> chosen;
  for (const auto& b : all) {
    known.insert(b.label);
    known.insert(b.suite);
    if (wanted.contains(b.label) || wanted.contains(b.suite)) chosen.push_back(b);
  }
  for (const std::string& w : wanted) {
    if (known.contains(w)) continue;
    if (tools.contains(w))
      throw UsageError(fmt::format(
          "--kinds {}: '{}' is one of nsprobe's own tests, not a conformance suite; run it "
          "with scripts/test -L {}",
          w, w, w));
    throw UsageError(fmt::format("--kinds: no conformance suite '{}' in {}; there are: {}", w,
                                 o.suites_dir, fmt::join(known, ", ")));
  }
  return chosen;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  return out;
}

// The CPUs this process may run on (its affinity mask, which a container or taskset narrows).
int CpuCount() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::clamp(CPU_COUNT(&set), 1, 64);
}

// Lists, then runs, every suite `repeat` times, adding binaries and cases to `rec`.
void RunAll(const std::vector<run::SuiteBinary>& suites, const run::SuiteOptions& so, int repeat,
            int jobs, ProgressLine& progress, Record& rec) {
  // List first, so the progress line knows the total and a crash can name the lost cases.
  std::vector<std::vector<std::string>> listed;
  int total_cases = 0;
  for (const auto& s : suites) {
    try {
      listed.push_back(run::ListCases(s, so));
    } catch (const run::Interrupted&) {
      throw;
    } catch (const std::exception& e) {
      listed.push_back({});
      rec.binaries.push_back({s.name, s.label, e.what(), false, 0, 1, {}});
      rec.cases.push_back({s.suite,
                           s.label,
                           "(listing)",
                           "",
                           record::Verdict::kError,
                           "",
                           record::ValidUtf8(e.what()),
                           {},
                           0});
    }
    total_cases += static_cast<int>(listed.back().size()) * repeat;
  }
  // Up to `jobs` binaries at once, as ctest -j runs them: every case keeps to namespaces it
  // made. Results land in suite order whatever finishes first; the progress line and the
  // per-binary lines are shared, under one lock.
  std::mutex lock;
  int cases_done = 0;
  std::vector<std::optional<run::SuiteRun>> done(suites.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  auto work = [&] {
    for (std::size_t i; (i = next++) < suites.size();) {
      if (listed[i].empty()) continue;  // filtered out, or could not be listed
      try {
        std::vector<run::SuiteRun> runs;
        for (int r = 0; r < repeat; ++r) {
          runs.push_back(run::RunSuite(
              suites[i], so, listed[i], [&](int finished, const std::string& running) {
                std::lock_guard<std::mutex> hold(lock);
                progress.Update(static_cast<int>(i), static_cast<int>(suites.size()),
                                cases_done + finished, total_cases,
                                suites[i].name + (running.empty() ? "" : ": " + running));
              }));
          std::lock_guard<std::mutex> hold(lock);
          cases_done += static_cast<int>(listed[i].size());
        }
        run::SuiteRun run = run::MergeRepeats(std::move(runs));
        std::lock_guard<std::mutex> hold(lock);
        progress.Finished(run.binary, run.cases);
        done[i] = std::move(run);
      } catch (...) {
        // An interrupt (or a failure to run at all) stops every worker after its binary.
        std::lock_guard<std::mutex> hold(lock);
        if (!failure) failure = std::current_exception();
        next = suites.size();
      }
    }
  };
  std::vector<std::thread> workers;
  for (int j = 1; j < jobs; ++j) workers.emplace_back(work);
  work();
  for (std::thread& t : workers) t.join();
  if (failure) std::rethrow_exception(failure);
  for (std::optional<run::SuiteRun>& run : done) {
    if (!run) continue;
    rec.flaky.insert(rec.flaky.end(), run->flaky.begin(), run->flaky.end());
    rec.binaries.push_back(run->binary);
    rec.cases.insert(rec.cases.end(), run->cases.begin(), run->cases.end());
  }
}

// The kinds of --negative-control, each with its suite, in AllKinds() order.
run::GuardRun NegativeControlPlan(const RunOptions& o) {
  if (o.kinds || o.repeat != 1 || o.stress || o.jobs > 1)
    throw UsageError(
        "--negative-control runs each kind's own suite once, quietly; drop --kinds, --repeat, "
        "--jobs and --stress");
  KindSet kinds;
  try {
    kinds = ParseKinds(o.negative_control);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("--negative-control: {}", e.what()));
  }
  if (kinds.Empty()) throw UsageError("--negative-control: name a kind, or all");
  if (::geteuid() != 0)
    throw UsageError(
        "--negative-control needs root: its guard sandbox mounts a tmpfs and creates every "
        "namespace but user; run it as root");
  std::vector<run::SuiteBinary> all;
  try {
    all = ConformanceSuites(o.suites_dir);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--negative-control {}: {}", o.negative_control, e.what()));
  }
  run::GuardRun plan;
  kinds.ForEach([&](Kind k) {
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const run::SuiteBinary& b) { return b.label == Name(k); });
    if (it == all.end())
      throw UsageError(
          fmt::format("--negative-control {}: no {}_test in {}; build the suites first", Name(k),
                      Name(k), o.suites_dir));
    plan.kinds.push_back(k);
    plan.suites.push_back(*it);
  });
  // Every other conformance suite but the runtimes' (which judges runtimes, not the kernel,
  // with a control of its own per property): its cases that declare a kind are that kind's too.
  for (const run::SuiteBinary& b : run::WithoutRuntimeSuite(all)) {
    bool own = false;
    for (const KindInfo& info : AllKinds()) own = own || b.label == info.name;
    if (!own) plan.cross_cutting.push_back(b);
  }
  return plan;
}

int Run(const RunOptions& o_in) {
  RunOptions o = o_in;
  const fs::path self = SelfPath();
  if (o.suites_dir.empty())
    o.suites_dir = (self.parent_path().parent_path() / "libexec" / "nsprobe").string();
  // A suite that runs the command as a user would (policy_test) runs this very one.
  ::setenv("NSPROBE_COMMAND", self.c_str(), 1);
  if (o.out.empty()) o.out = DefaultOutDir();
  if (o.seed == 0) o.seed = std::random_device{}() % 99999 + 1;  // gtest takes 1..99999
  const bool control = !o.negative_control.empty();
  std::optional<run::GuardRun> guard_plan;
  if (control) guard_plan = NegativeControlPlan(o);
  // Two binaries per CPU: a suite spends about half its time asleep (in the kernel's
  // asynchronous teardown, its children's exits, RCU), so one per CPU leaves them idle. On 2
  // CPUs the whole run took 1.21-1.26 s at 4 jobs against 1.69-1.74 s at 2.
  if (o.jobs == 0) o.jobs = std::min(2 * CpuCount(), 64);
  std::vector<run::SuiteBinary> suites = control ? guard_plan->suites : SelectSuites(o);
  std::optional<run::RuntimePlan> runtimes;
  if (!o.runtime.empty()) {
    if (control || o.kinds || !o.filter.empty())
      throw UsageError(
          "--runtime runs the sandbox runtimes' suite for the runtimes named; drop --kinds, "
          "--filter and --negative-control (every property carries its own negative control)");
    try {
      runtimes = run::PlanRuntimes(o.runtime, ConformanceSuites(o.suites_dir));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
    suites = {runtimes->suite};
    o.filter = runtimes->filter;
  } else if (!o.kinds) {
    suites = run::WithoutRuntimeSuite(suites);
  }
  // Bad input is refused before anything runs: the bench file and the output directory.
  std::optional<record::BenchFile> bench;
  if (!o.bench.empty()) bench = record::LoadGbench(o.bench);
  record::CheckOutputDir(o.out);

  Record rec;
  rec.created = UtcNow("%Y-%m-%dT%H:%M:%SZ");
  rec.nsprobe_version = NSPROBE_VERSION;
  rec.fingerprint = TakeFingerprint();
  rec.probe = nlohmann::ordered_json::parse(ToJson(Probe()).dump());
  rec.exposure = ToJson(Exposure());
  rec.options = {{"filter", o.filter},
                 {"kinds", o.kinds.value_or("all")},
                 {"repeat", o.repeat},
                 {"shuffle", o.shuffle},
                 {"seed", o.shuffle ? o.seed : 0},
                 {"timeout_s", o.timeout},
                 {"suites_dir", o.suites_dir},
                 {"bench", o.bench},
                 {"negative_control", o.negative_control},
                 {"stress", o.stress}};
  if (runtimes) {
    rec.options["runtime"] = o.runtime;
    rec.runtimes = runtimes->runtimes;
  }
  if (bench) {
    rec.bench_context = bench->context;
    rec.benchmarks = bench->benchmarks;
  }
  if (o.shuffle) std::shuffle(suites.begin(), suites.end(), std::mt19937(o.seed));

  // Host hygiene: the run must leave the machine as it found it.
  const run::Snapshot host_before = run::Take(::getpid());
  const auto start = std::chrono::steady_clock::now();
  StopOnSignals stop_on_signals;
  RunScratch tmp;
  run::SuiteOptions so{o.filter, o.shuffle, o.seed, o.timeout, tmp.path(), &g_stop, true, {}};
  ProgressLine progress;
  if (control) {
    guard_plan->options = so;
    guard_plan->private_dir = tmp.path() + "/guard";
    if (::mkdir(guard_plan->private_dir.c_str(), 0700) != 0)
      throw std::system_error(errno, std::generic_category(),
                              "mkdir(" + guard_plan->private_dir + ")");
    guard_plan->announce = [](const std::string& what) {
      fmt::print(stderr, "negative control: {}\n", what);
    };
    rec = run::RunInGuard(*guard_plan, rec);
  } else {
    std::optional<run::ChurnLoad> load;
    if (o.stress) load.emplace();
    RunAll(suites, so, o.repeat, o.jobs, progress, rec);
    if (load) {
      rec.options["stress_load"] = load->Stop();
      const auto& l = rec.options["stress_load"];
      fmt::print(stderr,
                 "stress: {} workers created and tore down {} sets of namespaces beside the "
                 "suites; ENOSPC retried {} times, given up {} times, other errors {}\n",
                 l["workers"].get<std::size_t>(), l["namespace_sets_created"].get<std::int64_t>(),
                 l["enospc_retries"].get<std::int64_t>(), l["enospc_gave_up"].get<std::int64_t>(),
                 l["other_errors"].get<std::int64_t>());
    }
  }
  if (rec.cases.empty())
    throw UsageError(fmt::format("--filter '{}' matches no case in {}", o.filter, o.suites_dir));
  double suite_s = 0;
  for (const record::Binary& b : rec.binaries) suite_s += b.duration_s;
  fmt::print(stderr, "{} suite binaries in {:.1f} s wall with --jobs {} ({:.1f} s of suite time)\n",
             rec.binaries.size(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
             o.jobs, suite_s);

  if (g_stop != 0) throw run::Interrupted();
  const std::vector<run::Difference> host_diffs = run::Compare(host_before, run::Take(::getpid()));
  rec.host = {{"checked", true}, {"changes", nlohmann::ordered_json::array()}};
  for (const std::string& line : SplitLines(run::Describe(host_diffs)))
    rec.host["changes"].push_back(line);
  record::FileSet files(o.out);
  files.Add("record.json", record::ToJson(rec).dump(
                               2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                               "\n");
  files.Add("junit.xml", report::RenderJunit(rec));
  files.Add("results.ktap", report::RenderKtap(rec));
  files.Add("summary.md", report::RenderMarkdown(rec));
  files.Add("report.html", report::RenderHtml(rec));
  files.CommitAsDirectory();

  fmt::print("\n{}\n", report::RenderText(rec));
  fmt::print("Report: {}\n", (fs::absolute(o.out) / "report.html").string());
  if (o.lava) fmt::print("{}", lava::ResultLines(rec));
  if (!host_diffs.empty())
    fmt::print(stderr, "nsprobe run: the host changed during the run:\n{}",
               run::Describe(host_diffs));
  if (control) return run::SensitivityComplete(rec) && host_diffs.empty() ? 0 : 1;
  record::Totals t = rec.CountTotals();
  return t.fail + t.error > 0 || !host_diffs.empty() ? 1 : 0;
}

}  // namespace

void AddRun(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand(
      "run", "Run the conformance suites and write a record, JUnit, KTAP, Markdown and HTML");
  app->footer(
      "Exit status: 0 nothing failed (with --negative-control: every case was sensitive), 1 a "
      "case failed (or was insensitive), 2 bad usage, 130 or 143 interrupted by SIGINT or "
      "SIGTERM (nothing written).");
  auto o = std::make_shared<RunOptions>();
  app->add_option("--out", o->out,
                  "Output directory (default $NSPROBE_RESULTS or results, then "
                  "<date>-<host>-<kernel>)");
  app->add_option("--filter", o->filter, "GoogleTest filter, e.g. '*Pid*:-*Slow*'");
  app->add_option("--kinds", o->kinds,
                  "Only these suites: a comma list of kind labels (pid,net,runtime,...)");
  app->add_option("--repeat", o->repeat, "Run each binary N times; a case fails if any run did")
      ->check(CountValidator(1, kMaxRepeat));
  app->add_option("--jobs", o->jobs,
                  "Run up to N suite binaries at once (default: two per CPU this process may use)")
      ->check(CountValidator(1, 64));
  app->add_flag("--shuffle", o->shuffle, "Shuffle binaries and cases (the seed is recorded)");
  app->add_flag("--stress", o->stress,
                "Run the suites beside a bounded namespace-churn load (2 workers creating and "
                "tearing down namespaces); its counts go in the record");
  app->add_flag("--lava", o->lava,
                "Also print one 'nsprobe-result: <id> <pass|fail|skip>' line per case (and "
                "'<id> <ns> ns' per benchmark) for a LAVA monitors pattern");
  app->add_option("--seed", o->seed, "Seed for --shuffle (1..99999)")
      ->check(CountValidator(1, 99999));
  app->add_option("--timeout", o->timeout, "Kill a suite binary after this many seconds")
      ->check(SecondsValidator());
  app->add_option("--bench", o->bench, "Attach a Google Benchmark JSON file to the record");
  app->add_option("--negative-control", o->negative_control,
                  "Prove the suites can fail: run each kind's suite in a guard sandbox with the "
                  "runtime withholding that kind (a comma list, or all); exit 0 only when every "
                  "case that passes normally then fails")
      ->check(NonEmptyValidator("a comma list of kinds, or all"));
  app->add_option("--runtime", o->runtime,
                  "Judge sandbox runtimes instead of the kernel: bwrap, unshare, nsprobe-exec, "
                  "crun, runc, systemd-nspawn, podman, firejail (a comma list, or all "
                  "installed); a table per runtime")
      ->check(NonEmptyValidator("a comma list of runtimes, or all"));
  app->add_option("--suites", o->suites_dir,
                  "Directory of the conformance suites and their suites.json (default: "
                  "libexec/nsprobe/ beside nsprobe's bin/)");
  commands.push_back({app, [o](const std::vector<std::string>& after, bool dashes) {
                        if (dashes || !after.empty())
                          throw UsageError("run takes no command after '--'");
                        try {
                          return Run(*o);
                        } catch (const run::Interrupted& e) {
                          // As a shell reports a command a signal ended: 130 for SIGINT, 143
                          // for SIGTERM; never 1, which means a case failed.
                          const int sig = g_stop != 0 ? static_cast<int>(g_stop) : SIGINT;
                          fmt::print(stderr, "nsprobe run: {} ({})\n", e.what(),
                                     ::sigabbrev_np(sig) != nullptr ? ::sigabbrev_np(sig) : "?");
                          return 128 + sig;
                        }
                      }});
}

}  // namespace nsprobe::cli
