#include "runtime/kind.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <bit>
#include <stdexcept>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace nsprobe {
namespace {

constexpr std::array<KindInfo, kKindCount> kKinds = {{
    {Kind::kMnt, "mnt", CLONE_NEWNS, "CLONE_NEWNS", "2.4.19"},
    {Kind::kUts, "uts", CLONE_NEWUTS, "CLONE_NEWUTS", "2.6.19"},
    {Kind::kIpc, "ipc", CLONE_NEWIPC, "CLONE_NEWIPC", "2.6.19"},
    {Kind::kNet, "net", CLONE_NEWNET, "CLONE_NEWNET", "2.6.24"},
    {Kind::kPid, "pid", CLONE_NEWPID, "CLONE_NEWPID", "2.6.24"},
    {Kind::kUser, "user", CLONE_NEWUSER, "CLONE_NEWUSER", "3.8"},
    {Kind::kCgroup, "cgroup", CLONE_NEWCGROUP, "CLONE_NEWCGROUP", "4.6"},
    {Kind::kTime, "time", CLONE_NEWTIME, "CLONE_NEWTIME", "5.6"},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string ValidNames() {
  std::string out;
  for (const KindInfo& k : kKinds) out += fmt::format("{}, ", k.name);
  return out + "or all";
}

}  // namespace

const std::array<KindInfo, kKindCount>& AllKinds() { return kKinds; }
const KindInfo& Info(Kind kind) { return kKinds[static_cast<std::size_t>(kind)]; }
std::string_view Name(Kind kind) { return Info(kind).name; }
std::uint64_t CloneFlag(Kind kind) { return Info(kind).clone_flag; }
std::string_view CloneFlagName(Kind kind) { return Info(kind).flag_name; }

KindSet KindSet::All() {
  KindSet s;
  for (const KindInfo& k : kKinds) s.Add(k.kind);
  return s;
}

int KindSet::Size() const { return std::popcount(bits_); }

std::uint64_t KindSet::CloneFlags() const {
  std::uint64_t flags = 0;
  ForEach([&](Kind k) { flags |= CloneFlag(k); });
  return flags;
}

std::string KindSet::ToString() const {
  if (Empty()) return "none";
  if (*this == All()) return "all";
  std::string out;
  ForEach([&](Kind k) {
    if (!out.empty()) out += ',';
    out += Name(k);
  });
  return out;
}

Kind ParseKind(std::string_view name) {
  std::string_view n = Trim(name);
  for (const KindInfo& k : kKinds)
    if (k.name == n) return k.kind;
  throw std::invalid_argument(
      fmt::format("unknown namespace kind '{}': use one of {}", n, ValidNames()));
}

KindSet ParseKinds(std::string_view list) {
  std::string_view all = Trim(list);
  if (all == "all") return KindSet::All();
  if (all == "none") return {};
  if (all.empty())
    throw std::invalid_argument(
        fmt::format("empty namespace list: use a comma-separated list of {}", ValidNames()));
  KindSet set;
  while (true) {
    std::size_t comma = list.find(',');
    set.Add(ParseKind(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return set;
}

}  // namespace nsprobe
