#include "ci/matrix/matrix_run.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "ci/lava/lava_job.hpp"
#include "ci/lava/lava_results.hpp"
#include "ci/matrix/guest_image.hpp"
#include "ci/matrix/kernel_record.hpp"
#include "ci/matrix/kernels.hpp"
#include "ci/matrix/matrix_report.hpp"
#include "ci/matrix/process.hpp"
#include "ci/matrix/qemu.hpp"
#include "ci/matrix/serial.hpp"
#include "ci/record/atomic_files.hpp"
#include "ci/record/gbench.hpp"
#include "ci/report/render.hpp"
#include "runtime/fd.hpp"

namespace nsprobe::matrix {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr unsigned kUnprivilegedUid = 65534;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string SelfPath() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("nsprobe") : self.string();
}

// share/nsprobe/ of nsprobe's own tree (bin/nsprobe -> share/nsprobe/), installed or built.
fs::path ShareDir() {
  return fs::path(SelfPath()).parent_path().parent_path() / "share" / "nsprobe";
}

std::string DefaultCache() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0')
    return (fs::path(x) / "nsprobe" / "matrix").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : "/tmp") / ".cache" / "nsprobe" / "matrix").string();
}

std::string DefaultOut() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  if (std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm) == 0) buf[0] = '\0';
  return std::string("results/matrix-") + buf;
}

// The per-kernel progress: one line rewritten in place on a terminal, a line per phase
// otherwise.
class Progress {
 public:
  Progress() : live_(::isatty(STDERR_FILENO) == 1 && std::getenv("CI") == nullptr) {}
  void Phase(const std::string& kernel, const std::string& text) {
    if (live_) {
      fmt::print(stderr, "\r\033[K{}: {}", kernel, text);
      (void)std::fflush(stderr);
    } else if (text != last_) {
      fmt::print(stderr, "{}: {}\n", kernel, text);
    }
    last_ = text;
  }
  // A phase that ticks (the guest running): a terminal sees every tick, a log each new phase.
  void Tick(const std::string& kernel, const std::string& phase, int seconds) {
    if (live_)
      Phase(kernel, fmt::format("{} ({} s)", phase, seconds));
    else
      Phase(kernel, phase);
  }
  void Done(const std::string& kernel, const std::string& text) {
    if (live_) fmt::print(stderr, "\r\033[K");
    fmt::print(stderr, "{}: {}\n", kernel, text);
    last_.clear();
  }

 private:
  bool live_;
  std::string last_;
};

std::optional<record::Record> LoadIfThere(const std::string& path,
                                          std::vector<std::string>& problems,
                                          const std::string& what) {
  if (!fs::exists(path)) {
    problems.push_back(fmt::format("no record from the {} (see its log next to {})", what,
                                   fs::path(path).parent_path().string()));
    return std::nullopt;
  }
  try {
    return record::LoadRecord(path);
  } catch (const std::exception& e) {
    problems.push_back(fmt::format("the {} record: {}", what, e.what()));
    return std::nullopt;
  }
}

// A directory the unprivileged uid may write, outside the output tree (which may sit under a
// home directory it cannot enter).
std::string UnprivilegedScratch() {
  std::string tmpl = (fs::temp_directory_path() / "nsprobe-matrix-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp(" + tmpl + ")");
  if (::chown(tmpl.c_str(), kUnprivilegedUid, kUnprivilegedUid) != 0)
    throw std::system_error(errno, std::generic_category(), "chown(" + tmpl + ")");
  return tmpl;
}

KernelRun RunHost(const MatrixOptions& o, const fs::path& dir, Progress& progress) {
  KernelRun run;
  run.label = "host";
  run.source = "host";
  run.emulation = "none";
  run.uid = kUnprivilegedUid;
  const std::string self = SelfPath();
  const std::string timeout = fmt::format("{}", o.suite_timeout);
  const bool root = ::geteuid() == 0;
  if (root) {
    progress.Phase(run.label, "suites as root");
    auto start = Clock::now();
    RunLogged({self, "run", "--suites", o.suites_dir, "--out", (dir / "root").string(), "--timeout",
               timeout},
              (dir / "root.log").string(), o.timeout);
    run.timings.emplace_back("suites as root", Since(start));
    run.root = LoadIfThere((dir / "root" / "record.json").string(), run.problems, "root run");
  }
  progress.Phase(run.label, fmt::format("suites as uid {}", root ? kUnprivilegedUid : ::geteuid()));
  auto start = Clock::now();
  std::string scratch = root ? UnprivilegedScratch() : "";
  fs::path out = root ? fs::path(scratch) / "run" : dir / "unpriv";
  std::vector<std::string> argv = {self,    "run",        "--suites",  o.suites_dir,
                                   "--out", out.string(), "--timeout", timeout};
  if (root) {
    const std::string id = std::to_string(kUnprivilegedUid);
    argv.insert(argv.begin(), {"setpriv", "--reuid", id, "--regid", id, "--clear-groups"});
  } else {
    run.uid = ::geteuid();
  }
  RunLogged(argv, (dir / "unpriv.log").string(), o.timeout);
  run.timings.emplace_back(fmt::format("suites as uid {}", run.uid), Since(start));
  if (root) {
    std::error_code ec;
    fs::create_directories(dir / "unpriv", ec);
    fs::copy_file(out / "record.json", dir / "unpriv" / "record.json",
                  fs::copy_options::overwrite_existing, ec);
    fs::remove_all(scratch, ec);
  }
  run.unprivileged =
      LoadIfThere((dir / "unpriv" / "record.json").string(), run.problems, "unprivileged run");
  return run;
}

// What one matrix run shares between its guests: the userland is staged once.
struct GuestContext {
  std::string busybox;
  std::optional<Accelerator> accel;  // chosen by a trial boot of the first guest kernel
  std::optional<Userland> userland;
  std::string log;
};

// A guest kernel fetched and its initramfs built, ready for either engine.
struct PreparedGuest {
  GuestKernel kernel;
  std::string initrd;
  fs::path dir;  // out/<label>
};

PreparedGuest PrepareGuest(const MatrixOptions& o, const KernelRequest& req, const fs::path& out,
                           GuestContext& ctx, Progress& progress, KernelRun& run) {
  const bool lava = o.engine == "lava";
  run.label = req.value;
  run.source = req.value;
  run.uid = kUnprivilegedUid;
  run.emulation = "tcg";
  auto start = Clock::now();
  progress.Phase(run.label, "download");
  GuestKernel kernel = req.source == KernelRequest::Source::kPackage
                           ? FetchPackage(req.value, o.cache, ctx.log)
                           : FromPath(req.value);
  run.label = kernel.label;
  if (!kernel.package.empty() && kernel.package != req.value)
    run.source = req.value + " → " + kernel.package;
  if (ctx.busybox.empty()) ctx.busybox = FetchBusybox(o.cache, ctx.log);
  run.timings.emplace_back("download", Since(start));

  if (lava) {
    // The device dictionary is no_kvm: LAVA boots every kernel under TCG.
    ctx.accel =
        Accelerator{false, fmt::format("LAVA device {} (no_kvm): QEMU TCG", lava::kDeviceFile)};
  } else if (!ctx.accel) {
    start = Clock::now();
    progress.Phase(run.label, "KVM trial boot");
    ctx.accel = ChooseAccelerator(FindQemu(), kernel.vmlinuz,
                                  (fs::path(o.cache) / "work" / kernel.label).string());
    run.timings.emplace_back("KVM trial boot", Since(start));
    progress.Done("accelerator", ctx.accel->why);
  }
  run.emulation = ctx.accel->Name();
  run.accelerator = ctx.accel->why;

  start = Clock::now();
  progress.Phase(run.label, "build image");
  fs::path work = fs::path(o.cache) / "work" / kernel.label;
  fs::create_directories(work);
  if (!ctx.userland)
    ctx.userland =
        StageUserland({SelfPath(), o.suites_dir, ctx.busybox,
                       (fs::path(o.cache) / "work" / "staging").string(), ctx.log, o.bench});
  Image image = ctx.userland->image;
  GuestPlan plan;
  plan.nsprobe = ctx.userland->nsprobe;
  plan.suites_dir = ctx.userland->suites_dir;
  plan.benches = ctx.userland->benches;
  plan.suite_timeout_s = o.suite_timeout;
  plan.unprivileged_uid = kUnprivilegedUid;
  if (!ctx.userland->tools.contains("setpriv"))
    throw std::invalid_argument("setpriv not found on this host: install util-linux");
  plan.setpriv = ctx.userland->tools.at("setpriv");
  plan.lava = lava;
  plan.modules = AddKernel(image, kernel, ctx.busybox, ctx.log);
  image.Data("/init", InitScript(plan), 0755);
  const std::string initrd = (work / "initrd.cpio").string();
  {
    std::ofstream cpio(initrd, std::ios::binary | std::ios::trunc);
    image.WriteCpio(cpio);
  }
  run.timings.emplace_back("image", Since(start));
  fs::create_directories(out / kernel.label);
  return {kernel, initrd, out / kernel.label};
}

KernelRun RunGuest(const MatrixOptions& o, const KernelRequest& req, const fs::path& out,
                   GuestContext& ctx, Progress& progress) {
  KernelRun run;
  const auto [kernel, initrd, dir] = PrepareGuest(o, req, out, ctx, progress, run);
  fs::create_directories(dir / "guest");
  const std::string console = (dir / "console.log").string();
  const std::string results = (dir / "serial.txt").string();
  fs::remove(console);
  fs::remove(results);
  QemuOptions q;
  q.vmlinuz = kernel.vmlinuz;
  q.initrd = initrd;
  q.cmdline = KernelCmdline();
  q.console_log = console;
  q.results = results;
  q.kvm = run.emulation == "kvm";
  q.cpus = o.cpus;
  q.memory = o.memory;
  q.program = FindQemu();
  // qboot only under TCG, where firmware time counts: KVM guests keep the firmware they had.
  if (!q.kvm) q.bios = FindQboot();
  auto start = Clock::now();
  std::string phase = "boot";
  Ran vm = RunLogged(QemuArgv(q), (dir / "qemu.log").string(), o.timeout, [&] {
    // The tail is enough: phases are announced as they start.
    std::ifstream in(results, std::ios::binary | std::ios::ate);
    if (in) {
      auto size = static_cast<long>(in.tellg());
      in.seekg(std::max(0L, size - 65536));
      std::string tail((std::istreambuf_iterator<char>(in)), {});
      if (auto p = LastPhase(tail); !p.empty()) phase = p;
    }
    progress.Tick(run.label, "guest: " + phase, static_cast<int>(Since(start)));
  });
  run.timings.emplace_back(run.emulation == "tcg" ? "qemu (TCG)" : "qemu (KVM)", vm.seconds);

  start = Clock::now();
  progress.Phase(run.label, "collect");
  std::string serial;
  TryReadFile(results, serial);
  SerialReport report = ParseSerial(serial);
  run.console_log = console;
  if (vm.status.timed_out)
    run.problems.push_back(
        fmt::format("the guest timed out after {:.0f} s (last phase: {}); "
                    "raise --timeout or see the console log",
                    vm.seconds, phase));
  else if (!report.done)
    run.problems.push_back(fmt::format(
        "the guest stopped before /init finished (qemu: {}, last phase: {}); see {} and {}",
        vm.status.Describe(), phase, console, (dir / "qemu.log").string()));
  for (const std::string& p : report.problems) run.problems.push_back("serial: " + p);
  run.modules = report.modules;
  for (const auto& [name, data] : report.files)
    record::WriteFileAtomic((dir / "guest" / name).string(), data);
  for (std::size_t i = 0; i + 1 < report.phases.size(); ++i)
    run.guest_phases.emplace_back(report.phases[i].first,
                                  report.phases[i + 1].second - report.phases[i].second);
  if (!report.phases.empty()) {
    run.guest_phases.insert(run.guest_phases.begin(), {"boot", report.phases.front().second});
    if (report.done)
      run.guest_phases.emplace_back(report.phases.back().first,
                                    report.done_uptime - report.phases.back().second);
  }
  // The two suite runs share the "suites" phase; each wrote the uptime it ended at.
  for (const auto& [name, began] : report.phases) {
    if (name != "suites") continue;
    const std::pair<std::string, std::string> ends[] = {
        {"root.end", "suites as root"}, {"unpriv.end", fmt::format("suites as uid {}", run.uid)}};
    for (const auto& [file, who] : ends)
      if (auto it = report.files.find(file); it != report.files.end())
        run.guest_phases.emplace_back(who, std::atof(it->second.c_str()) - began);
  }
  if (report.done || !report.files.empty()) {
    run.root = LoadIfThere((dir / "guest" / "record-root.json").string(), run.problems, "root run");
    run.unprivileged = LoadIfThere((dir / "guest" / "record-unpriv.json").string(), run.problems,
                                   "unprivileged run");
  }
  // Benchmarks ran as root; they belong to the root run's record.
  if (run.root)
    for (const auto& [name, data] : report.files) {
      if (!name.starts_with("bench-") || !name.ends_with(".json")) continue;
      try {
        record::BenchFile b = record::LoadGbench((dir / "guest" / name).string());
        run.root->benchmarks.insert(run.root->benchmarks.end(), b.benchmarks.begin(),
                                    b.benchmarks.end());
        run.root->bench_context = b.context;
      } catch (const std::exception& e) {
        run.problems.push_back(fmt::format("{}: {}", name, e.what()));
      }
    }
  run.timings.emplace_back("collect", Since(start));
  if (run.problems.empty()) fs::remove(results);  // its contents are in guest/
  return run;
}

// The same guest through LAVA: lava-run boots it with nsprobe's device dictionary and job
// (share/nsprobe/lava/) and reads the verdicts off the console; its log becomes the record.
KernelRun RunGuestLava(const MatrixOptions& o, const KernelRequest& req, const fs::path& out,
                       GuestContext& ctx, Progress& progress) {
  KernelRun run;
  const auto [kernel, initrd, dir] = PrepareGuest(o, req, out, ctx, progress, run);
  const fs::path work = fs::path(o.cache) / "work" / kernel.label;
  lava::WriteJobFiles(
      {ShareDir() / "lava", kernel.vmlinuz, initrd, KernelCmdline(), o.timeout, o.cpus, o.memory},
      dir.string());
  const fs::path lava_out = work / "lava-run";
  fs::remove_all(lava_out);
  const std::string log = (dir / "lava.log").string();
  fs::remove(log);
  auto start = Clock::now();
  Ran ran = RunLogged({"lava-run", "--job-id", "1", "--output-dir", lava_out.string(), "--device",
                       (dir / "device.yaml").string(), (dir / "job.yaml").string()},
                      log, o.timeout + 900, [&] {
                        progress.Tick(run.label, "lava-run", static_cast<int>(Since(start)));
                      });
  run.timings.emplace_back("lava-run (TCG)", ran.seconds);
  start = Clock::now();
  progress.Phase(run.label, "collect");
  std::string text;
  TryReadFile(log, text);
  run.console_log = log;
  if (ran.status.timed_out)
    run.problems.push_back(fmt::format("lava-run timed out after {:.0f} s", ran.seconds));
  try {
    record::Record rec = lava::RecordFromLava(lava::ReadLavaLog(text, log));
    for (const std::string& p : lava::LavaProblems(rec)) run.problems.push_back(p);
    if (!rec.cases.empty() || !rec.fingerprint.empty()) run.root = std::move(rec);
  } catch (const record::InputError& e) {
    // lava-run's own failure (a bad device file, a crash) is this kernel's problem.
    run.problems.push_back(fmt::format("lava-run: {}: {}", ran.status.Describe(), e.what()));
  }
  run.timings.emplace_back("collect", Since(start));
  return run;
}

}  // namespace

int RunMatrix(MatrixOptions o) {
  // The suites of nsprobe's own tree (bin/nsprobe -> libexec/nsprobe/), installed or built.
  if (o.suites_dir.empty())
    o.suites_dir =
        (fs::path(SelfPath()).parent_path().parent_path() / "libexec" / "nsprobe").string();
  if (o.out.empty()) o.out = DefaultOut();
  if (o.cache.empty()) o.cache = DefaultCache();
  o.cache = fs::absolute(o.cache).string();
  o.suites_dir = fs::absolute(o.suites_dir).string();
  std::vector<KernelRequest> requests;
  for (const std::string& k : o.kernels) requests.push_back(ParseKernelArg(k));
  const auto archive_has = [&](const std::string& package) {
    // A .deb already in the cache needs no archive: the matrix runs offline after a download.
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(o.cache) / "debs", ec))
      if (e.path().filename().string().starts_with(package + "_")) return true;
    try {
      return !Capture({"apt-cache", "show", "-q", package}, 60).empty();
    } catch (const std::exception&) {
      return false;
    }
  };
  if (requests.empty()) requests = DefaultKernels(o.rt, archive_has);
  const bool guests = std::any_of(requests.begin(), requests.end(), [](const KernelRequest& r) {
    return r.source != KernelRequest::Source::kHost;
  });
  if (o.engine != "builtin" && o.engine != "lava")
    throw std::invalid_argument(
        fmt::format("--engine {}: not an engine; give builtin (the default) or lava", o.engine));
  if (o.engine == "lava" && guests) {
    if (FindOnPath("lava-run").empty())
      throw std::invalid_argument(
          "--engine lava: lava-run not found: install lava-dispatcher (apt-get install "
          "lava-dispatcher; scripts/matrix --engine lava installs it)");
    if (::geteuid() != 0)
      throw std::invalid_argument("--engine lava: lava-run needs root; run the matrix as root");
    lava::FileUrl(o.cache);  // a cache LAVA cannot fetch from is refused now, not per kernel
  }
  if (guests && FindQemu().empty())
    throw std::invalid_argument(
        "qemu-system-x86_64 not found: install qemu-system-x86 (scripts/matrix installs it)");
  // Bad input is refused before anything runs, not found out a kernel later.
  for (const KernelRequest& r : requests) {
    if (r.source == KernelRequest::Source::kPath) FromPath(r.value);
    if (r.source == KernelRequest::Source::kPackage && !archive_has(r.value))
      throw std::invalid_argument(
          fmt::format("--kernel {}: apt knows no such package; list kernels with apt-cache search "
                      "--names-only '^linux-image-' (after apt-get update)",
                      r.value));
  }
  record::PrepareOutputDir(o.out);
  fs::create_directories(o.cache);
  const fs::path out = fs::absolute(o.out);
  GuestContext ctx;
  ctx.log = (out / "matrix.log").string();

  Progress progress;
  std::vector<MatrixColumn> columns;
  for (const KernelRequest& req : requests) {
    auto start = Clock::now();
    KernelRun run;
    try {
      if (req.source == KernelRequest::Source::kHost) {
        fs::create_directories(out / "host");
        run = RunHost(o, out / "host", progress);
      } else {
        run = o.engine == "lava" ? RunGuestLava(o, req, out, ctx, progress)
                                 : RunGuest(o, req, out, ctx, progress);
      }
    } catch (const std::invalid_argument&) {
      throw;
    } catch (const record::InputError&) {
      throw;
    } catch (const std::exception& e) {
      // One kernel that cannot be fetched or booted still leaves a column saying why.
      run.label = run.label.empty() ? req.value : run.label;
      run.source = req.value;
      const bool host = req.source == KernelRequest::Source::kHost;
      run.emulation = host ? "none" : ctx.accel ? ctx.accel->Name() : "tcg";
      if (!host && ctx.accel) run.accelerator = ctx.accel->why;
      run.problems.push_back(e.what());
    }
    record::Record rec = CombineRuns(run);
    fs::create_directories(out / run.label);
    record::FileSet files((out / run.label).string());
    files.Add("record.json", record::ToJson(rec).dump(
                                 2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
                                 "\n");
    files.Add("results.ktap", report::RenderKtap(rec));
    files.Commit();
    record::Totals t = rec.CountTotals();
    std::string problem;
    if (!run.problems.empty())
      problem = " — " + run.problems.front() +
                (run.console_log.empty() ? "" : " (console: " + run.console_log + ")");
    progress.Done(run.label, fmt::format("{:.1f} s: {} pass, {} fail, {} skip, {} error{}",
                                         Since(start), t.pass, t.fail, t.skip, t.error, problem));
    columns.push_back({std::move(run), std::move(rec)});
  }
  record::FileSet files(out.string());
  files.Add("matrix.md", RenderMatrixMarkdown(columns));
  files.Add("matrix.html", RenderMatrixHtml(columns));
  files.Commit();

  std::vector<MatrixRow> features = FeatureRows(columns);
  fmt::print("\nWhat differs between the kernels:\n");
  int shown = 0;
  for (const MatrixRow& r : features) {
    if (!r.differs || r.group == "machine") continue;
    std::vector<std::string> cells;
    for (std::size_t i = 0; i < columns.size(); ++i)
      cells.push_back(columns[i].run.label + "=" + r.cells[i]);
    fmt::print("  {}: {}: {}\n", r.group, r.name, fmt::join(cells, ", "));
    ++shown;
  }
  int cases = 0;
  for (const MatrixRow& r : CaseRows(columns)) cases += r.differs ? 1 : 0;
  int compared = 0;
  for (const MatrixColumn& c : columns) compared += SuiteCases(c.record) > 0 ? 1 : 0;
  if (compared < 2)
    fmt::print("{}no comparison: {} of {} kernel(s) produced cases\n",
               shown ? "" : "  (no feature)\n", compared, columns.size());
  else
    fmt::print("{}{} case(s) with a different verdict on some kernel ({} kernels compared)\n",
               shown ? "" : "  (no feature)\n", cases, compared);
  fmt::print("Matrix: {}\n", (out / "matrix.html").string());
  std::vector<std::pair<std::string, record::Record>> kernels;
  for (const MatrixColumn& c : columns) kernels.emplace_back(c.run.label, c.record);
  MatrixOutcome outcome = JudgeMatrix(kernels);
  for (const std::string& m : outcome.messages) fmt::print(stderr, "{}\n", m);
  return outcome.exit_status;
}

}  // namespace nsprobe::matrix
