#include "runtime/spec.hpp"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <stdexcept>

namespace nsprobe {
namespace {

[[noreturn]] void Invalid(const std::string& message) { throw std::invalid_argument(message); }

bool ParseU32(std::string_view s, std::uint32_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

void CheckMap(const IdMap& map, std::string_view field) {
  if (map.lines.size() > kMaxIdMapLines)
    Invalid(fmt::format("{}: {} lines, the kernel accepts at most {}", field, map.lines.size(),
                        kMaxIdMapLines));
  for (std::size_t i = 0; i < map.lines.size(); ++i) {
    const IdMapLine& a = map.lines[i];
    std::uint64_t a_in_end = std::uint64_t{a.inside} + a.count;
    std::uint64_t a_out_end = std::uint64_t{a.outside} + a.count;
    if (a.count == 0) Invalid(fmt::format("{}: line {} has a count of 0", field, i + 1));
    if (a_in_end > 0xffffffffULL || a_out_end > 0xffffffffULL)
      Invalid(fmt::format("{}: line {} runs past id 4294967294", field, i + 1));
    for (std::size_t j = 0; j < i; ++j) {
      const IdMapLine& b = map.lines[j];
      auto overlaps = [](std::uint64_t s1, std::uint64_t e1, std::uint64_t s2, std::uint64_t e2) {
        return s1 < e2 && s2 < e1;
      };
      if (overlaps(a.inside, a_in_end, b.inside, std::uint64_t{b.inside} + b.count))
        Invalid(
            fmt::format("{}: lines {} and {} overlap inside the namespace", field, j + 1, i + 1));
      if (overlaps(a.outside, a_out_end, b.outside, std::uint64_t{b.outside} + b.count))
        Invalid(
            fmt::format("{}: lines {} and {} overlap outside the namespace", field, j + 1, i + 1));
    }
  }
}

}  // namespace

std::string IdMap::ToProcText() const {
  std::string out;
  for (const IdMapLine& l : lines) out += fmt::format("{} {} {}\n", l.inside, l.outside, l.count);
  return out;
}

IdMap ParseIdMap(std::string_view text) {
  IdMap map;
  std::size_t line_no = 0;
  while (true) {
    std::size_t sep = text.find_first_of(",\n");
    std::string_view line = text.substr(0, sep);
    ++line_no;
    std::vector<std::string_view> f = SplitFields(line);
    if (f.empty() && sep == std::string_view::npos && line_no > 1) break;  // trailing separator
    IdMapLine l;
    if (f.size() != 3 || !ParseU32(f[0], l.inside) || !ParseU32(f[1], l.outside) ||
        !ParseU32(f[2], l.count))
      Invalid(fmt::format(
          "id map line {} '{}' is malformed: write 'INSIDE OUTSIDE COUNT' with unsigned numbers, "
          "lines separated by ','",
          line_no, line));
    map.lines.push_back(l);
    if (sep == std::string_view::npos) break;
    text.remove_prefix(sep + 1);
  }
  return map;
}

TimeOffset ParseTimeOffset(std::string_view text) {
  auto bad = [&] {
    Invalid(fmt::format("time offset '{}' is malformed: write seconds, e.g. 86400 or -1.5", text));
  };
  std::string_view s = text;
  bool negative = !s.empty() && s.front() == '-';
  if (negative || (!s.empty() && s.front() == '+')) s.remove_prefix(1);
  std::size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  std::int64_t sec = 0;
  // from_chars takes a '-' of its own: "--5" and "+-5" would pass with the sign lost.
  if (whole.empty() || whole.front() == '-') bad();
  auto [end, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), sec);
  if (ec != std::errc() || end != whole.data() + whole.size()) bad();
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 9)) bad();
  std::int64_t ns = 0;
  for (std::size_t i = 0; i < 9; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') bad();
    ns = ns * 10 + (c - '0');
  }
  TimeOffset off{sec, ns};
  if (negative && (sec != 0 || ns != 0)) {
    // The kernel wants -1.5 s as {-2 s, 500000000 ns}: nanoseconds are never negative.
    off.seconds = -sec - (ns != 0 ? 1 : 0);
    off.nanoseconds = ns != 0 ? 1'000'000'000 - ns : 0;
  }
  return off;
}

void Spec::Validate() const {
  const bool user = kinds.Has(Kind::kUser);
  auto need = [&](bool ok, std::string_view field, std::string_view why) {
    if (!ok) Invalid(fmt::format("{}: {}", field, why));
  };
  const bool uts = kinds.Has(Kind::kUts) || (join && join->kinds.Has(Kind::kUts));
  for (const auto& [field, value] :
       {std::pair{"hostname", &hostname}, {"domainname", &domainname}}) {
    if (!*value) continue;
    need(uts, field,
         "needs the uts namespace (add uts to the kinds), or it would rename this host");
    need((*value)->size() <= kMaxHostnameBytes, field,
         fmt::format("{} bytes is too long; the kernel allows at most {}", (*value)->size(),
                     kMaxHostnameBytes));
  }
  need(!HasIdMaps() || user, "uid/gid map", "needs the user namespace (add user to the kinds)");
  need(!(map_root && (!uid_map.Empty() || !gid_map.Empty())), "map_root",
       "give either map_root or explicit uid/gid maps, not both");
  CheckMap(uid_map, "uid_map");
  CheckMap(gid_map, "gid_map");
  need(setgroups == SetgroupsPolicy::kAuto || user, "setgroups",
       "needs the user namespace (add user to the kinds)");
  need(!mount_proc || (kinds.Has(Kind::kPid) && kinds.Has(Kind::kMnt)), "mount_proc",
       "needs both pid and mnt: without mnt the new /proc would cover the host's");
  need(!loopback_up || kinds.Has(Kind::kNet), "loopback_up",
       "needs the net namespace (add net to the kinds), or it would touch the host's lo");
  for (const auto& [field, value] :
       {std::pair{"monotonic_offset", &monotonic_offset}, {"boottime_offset", &boottime_offset}}) {
    if (!*value) continue;
    need(kinds.Has(Kind::kTime), field, "needs the time namespace (add time to the kinds)");
    need((*value)->nanoseconds >= 0 && (*value)->nanoseconds < 1'000'000'000, field,
         "nanoseconds must lie in [0, 1e9)");
  }
  need(!working_directory || (!working_directory->empty() && working_directory->front() == '/'),
       "working_directory", "must be an absolute path");
  if (create_as) {
    need(create_as->uid != 0, "create_as", "must name a non-root uid");
  }
  if (join) {
    need(join->pid > 0, "join", "needs a target pid > 0");
    need(!join->kinds.Empty(), "join", "needs at least one kind to enter");
    need(kinds.Empty(), "join",
         "enter existing namespaces or create new ones, not both in one launch");
    need(!HasIdMaps() && !mount_proc && !loopback_up && !monotonic_offset && !boottime_offset,
         "join", "id maps, /proc, lo and time offsets belong to new namespaces, not joined ones");
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    need(fds[i].first >= 0 && fds[i].second >= 0, "fds", "descriptors must be >= 0");
    for (std::size_t j = 0; j < fds.size(); ++j)
      need(i == j || (fds[i].second != fds[j].second && fds[i].second != fds[j].first), "fds",
           "target numbers must be distinct and must not be another entry's source");
  }
}

}  // namespace nsprobe
