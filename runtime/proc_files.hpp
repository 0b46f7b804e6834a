// Parsers for the /proc files the runtime and the suites read. Pure functions of the text,
// so they can be fuzzed and tested on recorded inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsprobe::proc {

// The value of "Key:\tvalue" in /proc/PID/status, trimmed; nullopt when absent.
std::optional<std::string> StatusField(std::string_view status, std::string_view key);
// Whitespace-separated signed numbers ("NSpid:\t4242\t1"); nullopt if any is not a number.
std::optional<std::vector<std::int64_t>> Numbers(std::string_view text);

struct MountInfo {
  int id = 0;
  int parent = 0;
  std::string root;
  std::string mount_point;
  std::string options;      // per-mount options (rw,nosuid,...)
  std::string propagation;  // optional fields: "shared:1 master:2", or empty
  std::string fstype;
  std::string source;
};
// /proc/PID/mountinfo (proc(5)); malformed lines are skipped.
std::vector<MountInfo> ParseMountInfo(std::string_view text);

struct CgroupLine {
  int hierarchy = 0;
  std::string controllers;
  std::string path;
};
// /proc/PID/cgroup: "0::/user.slice" and v1 lines; malformed lines are skipped.
std::vector<CgroupLine> ParseCgroup(std::string_view text);

// "key value" or "key=value" lines of a config-like file (kernel .config, os-release).
std::optional<std::string> ConfigValue(std::string_view text, std::string_view key);

}  // namespace nsprobe::proc
