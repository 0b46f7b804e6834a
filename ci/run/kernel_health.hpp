// The kernel's health around one suite binary: its taint flags, the kernel log lines it
// produced that read like trouble (WARN, BUG, refcount, leak), and where listns(2) exists
// the number of active namespaces. Taken once before and once after each binary, never per
// case, so it costs two reads of a sysctl and one pass over the new log records.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/fd.hpp"

namespace nsprobe::run {

// Where the readings come from: the real files by default, fixtures in tests.
struct HealthSources {
  std::string tainted = "/proc/sys/kernel/tainted";
  std::string kmsg = "/dev/kmsg";
  std::string dmesg_restrict = "/proc/sys/kernel/dmesg_restrict";
  bool listns = true;  // try listns(2); off in fixture tests
};

// One /dev/kmsg record: "<prio>,<seq>,<usec>,<flags>;<message>" (continuation lines
// " KEY=value" dropped). facility 0 is the kernel, 1 (LOG_USER) anything written to
// /dev/kmsg by a process.
struct KmsgLine {
  int facility = 0;
  int level = 0;
  std::uint64_t seq = 0;
  std::string message;
};

// The records of `text` (what reads of /dev/kmsg returned, one or many records), in order;
// lines that are not records are skipped.
std::vector<KmsgLine> ParseKmsg(std::string_view text);

// True for a message a healthy kernel does not print: "WARNING:"/"WARN" and "BUG" as words of
// their own (not "DEBUG"), "refcount" and "leak" in any case.
bool LooksLikeTrouble(std::string_view message);

// The taint flags as the kernel letters them (Documentation/admin-guide/tainted-kernels.rst),
// "W (1<<9)": "P", "G" never shown.
std::string TaintLetters(std::uint64_t taint);

// Before the binary: the taint, a /dev/kmsg descriptor positioned at the log's end, the
// namespace count. Whatever cannot be read is its reason, never an exception.
struct HealthMark {
  std::optional<std::uint64_t> taint;
  std::string taint_unreadable;  // "open(/proc/sys/kernel/tainted): ..." when taint is empty
  UniqueFd kmsg;
  std::string kmsg_unreadable;  // "open(/dev/kmsg): Operation not permitted (kernel....)"
  std::optional<std::int64_t> namespaces;
  std::string listns_skip;  // "listns(2) needs Linux 6.19; this kernel is 6.18.44"
};
HealthMark MarkHealth(const HealthSources& sources = {});

// After the binary.
struct Health {
  std::optional<std::uint64_t> taint_before, taint_after;
  std::string taint_unreadable;
  std::string kmsg_unreadable;
  int new_lines = 0;              // every record logged meanwhile
  std::vector<KmsgLine> trouble;  // those LooksLikeTrouble matched
  bool lines_lost = false;        // the ring buffer overwrote records before they were read
  std::optional<std::int64_t> namespaces_before, namespaces_after;
  std::string listns_skip;
  // Each reason the binary fails on: "kernel log: WARNING: ...", "kernel.tainted: 0 -> 512 (W)".
  std::vector<std::string> problems;
};
Health CheckHealth(HealthMark& mark, const HealthSources& sources = {});

// The pure part of CheckHealth: the problems from the readings. Exposed for fixture tests.
std::vector<std::string> HealthProblems(std::optional<std::uint64_t> taint_before,
                                        std::optional<std::uint64_t> taint_after,
                                        const std::vector<KmsgLine>& trouble);

// The record's binaries[].health.
nlohmann::ordered_json HealthToJson(const Health& health);

// "kernel health" as a case of its own, so that every renderer shows the failing line: the
// name of the case RunSuite adds when a binary has problems.
inline constexpr std::string_view kHealthCaseName = "KernelHealth.AroundSuite";

}  // namespace nsprobe::run
