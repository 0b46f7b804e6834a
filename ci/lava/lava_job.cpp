#include "ci/lava/lava_job.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "ci/record/atomic_files.hpp"
#include "ci/record/input_error.hpp"

namespace nsprobe::lava {
namespace {

namespace fs = std::filesystem;

YAML::Node LoadInstalled(const fs::path& path) {
  if (!fs::is_regular_file(path))
    throw record::InputError(fmt::format(
        "{}: missing; nsprobe's LAVA files are installed under share/nsprobe/lava/ (reinstall "
        "nsprobe, or rebuild: the build tree has them too)",
        path.string()));
  try {
    return YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    throw record::InputError(fmt::format("{}: not YAML ({})", path.string(), e.msg));
  }
}

[[noreturn]] void NotOurs(const fs::path& path, const std::string& what) {
  throw record::InputError(
      fmt::format("{}: has no {}; it is not the file nsprobe installs (reinstall nsprobe)",
                  path.string(), what));
}

YAML::Node Minutes(double seconds) {
  YAML::Node n;
  n["minutes"] = static_cast<long>(std::ceil(seconds / 60));
  return n;
}

std::string ToYaml(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string FileUrl(const std::string& path) {
  // lava-dispatcher takes a file:// URL's path as it is, undecoded: a path that needs
  // escaping cannot be given at all.
  for (unsigned char ch : path)
    if (!(std::isalnum(ch) || ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '+' ||
          ch == '~'))
      throw std::invalid_argument(fmt::format(
          "{}: LAVA cannot fetch a file whose path has '{}' in it; give --cache a path of "
          "letters, digits and -_.+/~",
          path, static_cast<char>(ch)));
  return "file://" + path;
}

void WriteJobFiles(const JobOptions& o, const std::string& dir) {
  const fs::path device_path = fs::path(o.share_dir) / kDeviceFile;
  const fs::path job_path = fs::path(o.share_dir) / kJobFile;
  YAML::Node device = LoadInstalled(device_path);
  YAML::Node job = LoadInstalled(job_path);

  YAML::Node options = device["actions"]["boot"]["methods"]["qemu"]["parameters"]["options"];
  if (!options.IsSequence()) NotOurs(device_path, "actions.boot.methods.qemu.parameters.options");
  for (std::size_t i = 0; i < options.size(); ++i) {
    const std::string opt = options[i].as<std::string>();
    if (opt.starts_with("-m ")) options[i] = "-m " + o.memory;
    if (opt.starts_with("-smp ")) options[i] = fmt::format("-smp {}", o.cpus);
  }

  YAML::Node actions = job["actions"];
  if (!actions.IsSequence()) NotOurs(job_path, "actions");
  bool deployed = false, monitored = false;
  for (YAML::Node action : actions) {
    if (action["deploy"]) {
      YAML::Node images = action["deploy"]["images"];
      if (!images["kernel"] || !images["ramdisk"]) NotOurs(job_path, "kernel and ramdisk images");
      images["kernel"]["url"] = FileUrl(o.vmlinuz);
      images["kernel"]["image_arg"] = fmt::format("-kernel {{kernel}} -append \"{}\"", o.cmdline);
      images["ramdisk"]["url"] = FileUrl(o.initrd);
      deployed = true;
    }
    if (action["test"] && action["test"]["monitors"]) {
      action["test"]["timeout"] = Minutes(o.timeout_s);
      monitored = true;
    }
  }
  if (!deployed || !monitored) NotOurs(job_path, "tmpfs deploy and monitors test actions");
  job["timeouts"]["job"] = Minutes(o.timeout_s + 600);  // download and boot come first
  job["timeouts"]["action"] = Minutes(o.timeout_s);
  job["timeouts"]["connection"] = Minutes(o.timeout_s);

  record::WriteFileAtomic((fs::path(dir) / "device.yaml").string(), ToYaml(device));
  record::WriteFileAtomic((fs::path(dir) / "job.yaml").string(), ToYaml(job));
}

}  // namespace nsprobe::lava
