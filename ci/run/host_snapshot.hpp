// Host hygiene: what a run could leave changed on the machine, taken before and after and
// compared. Reads the namespaces of the calling process, so a test can take snapshots inside
// a sandbox and plant changes there without touching the host.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nsprobe::run {

// Each aspect is a sorted list of lines; an aspect that could not be read holds one line
// saying why, so a change in readability shows too.
struct Snapshot {
  std::map<std::string, std::vector<std::string>> aspects;
};

// hostname, domainname, mounts, sysv_ipc, posix_mqueues, net_links, named_netns,
// children (of `owner`, with their state: zombies show), user_sysctls.
Snapshot Take(int owner_pid);

struct Difference {
  std::string aspect;
  std::vector<std::string> appeared;
  std::vector<std::string> vanished;
};
std::vector<Difference> Compare(const Snapshot& before, const Snapshot& after);
// "mounts: +'/mnt tmpfs' -'...'"; one line per changed aspect.
std::string Describe(const std::vector<Difference>& diffs);

nlohmann::json ToJson(const Snapshot& s);
// Throws std::invalid_argument naming what is wrong with the document.
Snapshot FromJson(const nlohmann::json& j);

}  // namespace nsprobe::run
