// `nsprobe matrix`: its command line; the work is ci/matrix/matrix_run.
#include <memory>

#include "ci/commands/cli.hpp"
#include "ci/commands/numeric_options.hpp"
#include "ci/matrix/matrix_run.hpp"

namespace nsprobe::cli {

void AddMatrix(CLI::App& root, std::vector<Command>& commands) {
  auto* app = root.add_subcommand(
      "matrix", "Run the suites on the host and on other kernels under QEMU; one report");
  app->footer(
      "Kernels: 'host', a Debian package (fetched with apt-get download into the cache, never\n"
      "installed), or a vmlinuz path (PATH[:MODULES_DIR]). Default: the host, Debian's 6.1\n"
      "generic and cloud kernels and the 6.12 cloud kernel (with --rt, the PREEMPT_RT builds).\n"
      "KVM only when a trial boot under it reaches the kernel; otherwise QEMU TCG (said, and\n"
      "recorded). --engine lava boots each guest through lava-run instead (root).\n"
      "Exit status: 0 nothing failed, 1 a case failed or a kernel could not run or produced no\n"
      "case (named), 2 bad usage.");
  auto o = std::make_shared<matrix::MatrixOptions>();
  app->add_option("--kernel,-k", o->kernels, "host, a package name or a vmlinuz path; repeatable");
  app->add_flag("--bench", o->bench, "Also run the *_bench binaries in each guest");
  app->add_flag("--rt", o->rt, "Add the PREEMPT_RT kernels to the default set");
  app->add_option("--out", o->out, "Output directory (default results/matrix-<date>)");
  app->add_option("--cache", o->cache,
                  "Downloaded packages and images (default ~/.cache/nsprobe/matrix)");
  app->add_option("--timeout", o->timeout, "Seconds before a guest (or the host run) is killed")
      ->check(SecondsValidator());
  app->add_option("--suite-timeout", o->suite_timeout, "Seconds per suite binary")
      ->check(SecondsValidator());
  app->add_option("--suites", o->suites_dir,
                  "Directory of the conformance suites and their suites.json (default: "
                  "libexec/nsprobe/ beside nsprobe's bin/)");
  app->add_option("--engine", o->engine,
                  "builtin: nsprobe's own QEMU runner (default); lava: each guest kernel through "
                  "lava-run (lava-dispatcher, as root) with share/nsprobe/lava/'s job and "
                  "device, its results read back into the record");
  app->add_option("--cpus", o->cpus, "Guest CPUs")->check(CountValidator(1, 64));
  app->add_option("--memory", o->memory, "Guest memory, as qemu -m takes it");
  commands.push_back({app, [o](const std::vector<std::string>& after, bool dashes) {
                        if (dashes || !after.empty())
                          throw UsageError("matrix takes no command after '--'");
                        return matrix::RunMatrix(*o);
                      }});
}

}  // namespace nsprobe::cli
