#include "suites/sandbox/oci.hpp"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>

#include "runtime/fd.hpp"
#include "runtime/tool.hpp"
#include "suites/sandbox/host_env.hpp"
#include "suites/support/temp_dir.hpp"

namespace nsprobe::sandbox {

using Json = nlohmann::json;

std::string OciNamespace(Kind kind) {
  switch (kind) {
    case Kind::kMnt:
      return "mount";
    case Kind::kNet:
      return "network";
    default:
      return std::string(Name(kind));
  }
}

Json OciRuntime::Spec(Mode mode) const {
  static std::mutex lock;
  static std::map<std::string, Json> made;
  const std::string key = Program() + (mode == Mode::kUnprivileged ? " --rootless" : "");
  std::lock_guard<std::mutex> hold(lock);
  if (auto it = made.find(key); it != made.end()) return it->second;
  testing::TempDir dir("oci-spec");
  ProgramRun run;
  run.argv = {Program(), "spec", "--bundle", dir.Path()};
  if (mode == Mode::kUnprivileged) run.argv.push_back("--rootless");
  ProgramResult r = RunProgram(run);
  std::string text;
  if (!r.status.exited || r.status.code != 0 || !TryReadFile(dir.Sub("config.json"), text))
    throw std::runtime_error(key + " spec printed no config.json: " + r.err.substr(0, 300));
  Json spec = Json::parse(text, nullptr, false);
  if (spec.is_discarded()) throw std::runtime_error(key + " spec: config.json is not JSON");
  return made[key] = spec;
}

KindSet OciRuntime::Promises(Mode mode) const {
  KindSet kinds;
  if (FindInPath(Program()).empty()) return kinds;
  try {
    const Json spec = Spec(mode);
    for (const KindInfo& k : AllKinds())
      for (const Json& ns : spec["linux"].value("namespaces", Json::array()))
        if (ns.value("type", "") == OciNamespace(k.kind)) kinds.Add(k.kind);
  } catch (const std::exception&) {
    return kinds;  // no spec, no promise: every property skips saying so
  }
  return kinds;
}

KindSet OciRuntime::Shareable(Mode mode) const {
  KindSet kinds = Promises(mode);
  kinds.Remove(Kind::kMnt);
  if (mode == Mode::kUnprivileged) kinds.Remove(Kind::kUser);
  return kinds;
}

std::string OciRuntime::StateDir(const Request& r) const { return r.work_dir + "/state"; }

Invocation OciRuntime::Build(const Request& r) const {
  Json spec = Spec(r.mode);
  const std::string bundle = OwnedDir(r, r.work_dir + "/bundle");
  const std::string rootfs = MinimalRoot(r, bundle + "/rootfs");
  OwnedDir(r, StateDir(r), 0700);
  Invocation inv;
  auto keeps = [&](Kind k) { return !r.shared || *r.shared != k; };

  spec["root"] = {{"path", rootfs}, {"readonly", true}};
  spec["process"]["terminal"] = false;
  spec["process"]["args"] = r.observer;
  spec["process"]["cwd"] = "/";
  Json namespaces = Json::array();
  for (const Json& ns : spec["linux"]["namespaces"])
    if (!r.shared || ns.value("type", "") != OciNamespace(*r.shared)) namespaces.push_back(ns);
  spec["linux"]["namespaces"] = namespaces;
  // A runtime refuses a hostname (runc's spec has one) without a UTS namespace of its own.
  spec.erase("hostname");
  if (keeps(Kind::kUts)) {
    spec["hostname"] = r.hostname;
    inv.hostname = r.hostname;
  }
  if (r.mode == Mode::kUnprivileged) {
    // The rootless spec maps the uid that ran `spec`; the runtime here runs as r.uid.
    spec["linux"]["uidMappings"] =
        Json::array({{{"containerID", 0}, {"hostID", r.uid}, {"size", 1}}});
    spec["linux"]["gidMappings"] =
        Json::array({{{"containerID", 0}, {"hostID", r.gid}, {"size", 1}}});
  }
  Json mounts = Json::array();
  for (Json m : spec["mounts"]) {
    const std::string dest = m.value("destination", "");
    // With the pid namespace shared, a fresh proc needs the host's pid namespace's owner,
    // which a rootless runtime is not: the host's own is bound instead, as bwrap does (sysfs
    // and the net namespace likewise).
    if (dest == "/proc" && !keeps(Kind::kPid))
      m = {{"destination", "/proc"}, {"type", "bind"}, {"source", "/proc"}, {"options", {"rbind"}}};
    // The host's queues need no mount to be reached (mq_open is a system call), and this
    // host may have no /dev/mqueue to bind.
    if (dest == "/dev/mqueue" && !keeps(Kind::kIpc)) continue;
    if (dest == "/sys" && !keeps(Kind::kNet))
      m = {{"destination", dest}, {"type", "bind"}, {"source", dest}, {"options", {"rbind", "ro"}}};
    mounts.push_back(m);
  }
  for (const std::string& dir : MinimalRootBinds(r))
    mounts.push_back({{"destination", dir},
                      {"type", "bind"},
                      {"source", dir},
                      {"options", {"rbind", "ro", "nosuid", "nodev"}}});
  mounts.push_back({{"destination", r.mount_dir},
                    {"type", "bind"},
                    {"source", r.mount_dir},
                    {"options", {"rbind", "rw"}}});
  AdjustMounts(mounts, r);
  spec["mounts"] = mounts;
  if (!r.describe_only) {
    const std::string config = bundle + "/config.json";
    std::ofstream out(config, std::ios::trunc);
    out << spec.dump(2) << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + config);
  }

  std::vector<std::string> argv;
  if (r.mode == Mode::kUnprivileged) argv = PrivateEnv(r);
  argv.push_back(Program());
  for (const std::string& o : GlobalOptions(r)) argv.push_back(o);
  for (const std::string& a : {std::string("--root"), StateDir(r), std::string("run"),
                               std::string("--bundle"), bundle, r.name})
    argv.push_back(a);
  inv.argv = Wrap(argv, r);
  return inv;
}

void OciRuntime::Cleanup(const Request& r) const {
  // `run` deletes its container when it ends; one that failed half-way may be left.
  ProgramRun del;
  del.argv = {Program(), "--root", StateDir(r), "delete", "--force", r.name};
  if (r.uid != 0) del.as = Credentials{r.uid, r.gid};
  try {
    (void)RunProgram(del);
  } catch (const std::exception&) {
  }
  (void)RemoveCgroupsNamed(r.name);
}

}  // namespace nsprobe::sandbox
