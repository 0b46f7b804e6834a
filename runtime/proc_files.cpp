#include "runtime/proc_files.hpp"

#include <charconv>

namespace nsprobe::proc {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::vector<std::string_view> Words(std::string_view line) {
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

bool ToInt(std::string_view s, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::optional<std::string> StatusField(std::string_view status, std::string_view key) {
  std::optional<std::string> found;
  ForEachLine(status, [&](std::string_view line) {
    if (found || line.size() <= key.size() || line.substr(0, key.size()) != key ||
        line[key.size()] != ':')
      return;
    found = std::string(Trim(line.substr(key.size() + 1)));
  });
  return found;
}

std::optional<std::vector<std::int64_t>> Numbers(std::string_view text) {
  std::vector<std::int64_t> out;
  for (std::string_view w : Words(text)) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc() || end != w.data() + w.size()) return std::nullopt;
    out.push_back(v);
  }
  return out;
}

std::vector<MountInfo> ParseMountInfo(std::string_view text) {
  std::vector<MountInfo> out;
  ForEachLine(text, [&](std::string_view line) {
    std::vector<std::string_view> w = Words(line);
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    std::size_t dash = 6;
    while (dash < w.size() && w[dash] != "-") ++dash;
    MountInfo m;
    if (w.size() < 6 || dash + 2 >= w.size() || !ToInt(w[0], m.id) || !ToInt(w[1], m.parent))
      return;
    m.root = w[3];
    m.mount_point = w[4];
    m.options = w[5];
    for (std::size_t i = 6; i < dash; ++i) {
      if (!m.propagation.empty()) m.propagation += ' ';
      m.propagation += w[i];
    }
    m.fstype = w[dash + 1];
    m.source = w[dash + 2];
    out.push_back(std::move(m));
  });
  return out;
}

std::vector<CgroupLine> ParseCgroup(std::string_view text) {
  std::vector<CgroupLine> out;
  ForEachLine(text, [&](std::string_view line) {
    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    CgroupLine l;
    if (!ToInt(line.substr(0, c1), l.hierarchy)) return;
    l.controllers = line.substr(c1 + 1, c2 - c1 - 1);
    l.path = line.substr(c2 + 1);
    out.push_back(std::move(l));
  });
  return out;
}

std::optional<std::string> ConfigValue(std::string_view text, std::string_view key) {
  std::optional<std::string> found;
  ForEachLine(text, [&](std::string_view line) {
    line = Trim(line);
    if (found || line.size() <= key.size() || line.substr(0, key.size()) != key) return;
    char sep = line[key.size()];
    if (sep != '=' && sep != ' ' && sep != '\t') return;
    std::string_view v = Trim(line.substr(key.size() + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    found = std::string(v);
  });
  return found;
}

}  // namespace nsprobe::proc
