#include "ci/run/kernel_health.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "ci/record/record.hpp"
#include "runtime/syscalls.hpp"

namespace nsprobe::run {
namespace {

std::string Release() {
  utsname u{};
  return ::uname(&u) == 0 ? u.release : "unknown";
}

// The active namespaces listns(2) shows the caller, or the skip's reason.
std::optional<std::int64_t> CountNamespaces(std::string& skip) {
  sys::NsIdReq req;
  std::array<std::uint64_t, 256> ids{};
  std::int64_t total = 0;
  for (;;) {
    long n = sys::Listns(req, ids.data(), ids.size());
    if (n < 0) {
      skip = errno == ENOSYS
                 ? fmt::format("listns(2) needs Linux 6.19; this kernel is {}", Release())
                 : fmt::format("listns(2): {}", std::strerror(errno));
      return std::nullopt;
    }
    total += n;
    if (n < static_cast<long>(ids.size())) return total;
    req.ns_id = ids[static_cast<std::size_t>(n - 1)];
  }
}

std::optional<std::uint64_t> ReadTaint(const std::string& path, std::string& unreadable) {
  std::string text;
  if (!TryReadFile(path, text)) {
    unreadable = fmt::format("unreadable: {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || p == text.data()) {
    unreadable = fmt::format("unreadable: {}: not a number ({:?})", path, text.substr(0, 20));
    return std::nullopt;
  }
  return value;
}

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// `word` in `text` where it starts a word: "BUG:" and "WARNING" count, "DEBUG" does not.
bool StartsAWord(std::string_view text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1))
    if (at == 0 || !IsWordChar(text[at - 1])) return true;
  return false;
}

bool ContainsFolded(std::string_view text, std::string_view lower_word) {
  auto it =
      std::search(text.begin(), text.end(), lower_word.begin(), lower_word.end(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != text.end();
}

std::string Describe(const KmsgLine& line) {
  // A record a process wrote (facility 1) is told apart from the kernel's own: both fail the
  // binary, since only root can write one and a suite that does is reporting trouble.
  return fmt::format("{}{}", line.facility == 0 ? "" : "(written by a process) ",
                     record::ValidUtf8(line.message));
}

}  // namespace

std::vector<KmsgLine> ParseKmsg(std::string_view text) {
  std::vector<KmsgLine> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    std::size_t semi = line.find(';');
    if (line.empty() || line.front() == ' ' || semi == std::string_view::npos) continue;
    std::string_view head = line.substr(0, semi);
    unsigned prio = 0;
    std::uint64_t seq = 0;
    auto [p1, e1] = std::from_chars(head.data(), head.data() + head.size(), prio);
    if (e1 != std::errc() || p1 == head.data() + head.size() || *p1 != ',') continue;
    auto [p2, e2] = std::from_chars(p1 + 1, head.data() + head.size(), seq);
    if (e2 != std::errc()) continue;
    KmsgLine k;
    k.facility = static_cast<int>(prio >> 3);
    k.level = static_cast<int>(prio & 7);
    k.seq = seq;
    k.message = std::string(line.substr(semi + 1));
    out.push_back(std::move(k));
  }
  return out;
}

bool LooksLikeTrouble(std::string_view message) {
  return StartsAWord(message, "WARN") || StartsAWord(message, "BUG") ||
         ContainsFolded(message, "refcount") || ContainsFolded(message, "leak");
}

std::string TaintLetters(std::uint64_t taint) {
  // Bit i is kLetters[i]; bit 0's 'G' (all GPL) is the absence of 'P'.
  static constexpr std::string_view kLetters = "PFSRMBUDAWCIOELKXTNJ";
  std::string out;
  for (std::size_t bit = 0; bit < 64; ++bit) {
    if ((taint & (std::uint64_t{1} << bit)) == 0) continue;
    if (!out.empty()) out += ' ';
    out += bit < kLetters.size() ? fmt::format("{}", kLetters[bit]) : fmt::format("bit {}", bit);
  }
  return out;
}

HealthMark MarkHealth(const HealthSources& sources) {
  HealthMark mark;
  mark.taint = ReadTaint(sources.tainted, mark.taint_unreadable);
  // O_NONBLOCK: the read after the binary stops at the log's end (EAGAIN) instead of waiting
  // for the next record. Each descriptor has its own position, so runs side by side (--jobs)
  // do not take each other's records.
  mark.kmsg.Reset(::open(sources.kmsg.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!mark.kmsg) {
    const int err = errno;
    std::string why = std::strerror(err);
    if (err == EPERM || err == EACCES) {
      std::string restrict_value;
      if (TryReadFile(sources.dmesg_restrict, restrict_value) && !restrict_value.empty() &&
          restrict_value.front() == '1')
        why +=
            " (kernel.dmesg_restrict=1: reading the kernel log needs CAP_SYSLOG in the "
            "initial user namespace)";
      else
        why += " (reading the kernel log needs CAP_SYSLOG or kernel.dmesg_restrict=0)";
    }
    mark.kmsg_unreadable = fmt::format("unreadable: open({}): {}", sources.kmsg, why);
  } else if (::lseek(mark.kmsg.Get(), 0, SEEK_END) < 0) {
    mark.kmsg_unreadable =
        fmt::format("unreadable: lseek({}, SEEK_END): {}", sources.kmsg, std::strerror(errno));
    mark.kmsg.Reset();
  }
  if (sources.listns)
    mark.namespaces = CountNamespaces(mark.listns_skip);
  else
    mark.listns_skip = "listns(2) not tried";
  return mark;
}

Health CheckHealth(HealthMark& mark, const HealthSources& sources) {
  Health h;
  h.taint_before = mark.taint;
  h.taint_unreadable = mark.taint_unreadable;
  if (mark.taint) h.taint_after = ReadTaint(sources.tainted, h.taint_unreadable);
  h.kmsg_unreadable = mark.kmsg_unreadable;
  if (mark.kmsg) {
    // One read(2) of /dev/kmsg returns one record; a file (a fixture) returns what it holds.
    std::string text;
    std::array<char, 8192> buf{};
    for (;;) {
      ssize_t n = ::read(mark.kmsg.Get(), buf.data(), buf.size());
      if (n > 0) {
        text.append(buf.data(), static_cast<std::size_t>(n));
        if (text.back() != '\n') text += '\n';
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      // EPIPE: records were overwritten before this read; the next read goes on after them.
      if (n < 0 && errno == EPIPE) {
        h.lines_lost = true;
        continue;
      }
      break;  // EAGAIN at the log's end, or 0 at a fixture's
    }
    mark.kmsg.Reset();
    std::vector<KmsgLine> lines = ParseKmsg(text);
    h.new_lines = static_cast<int>(lines.size());
    for (KmsgLine& l : lines)
      if (LooksLikeTrouble(l.message)) h.trouble.push_back(std::move(l));
  }
  h.namespaces_before = mark.namespaces;
  h.listns_skip = mark.listns_skip;
  if (mark.namespaces) {
    std::string skip;
    h.namespaces_after = CountNamespaces(skip);
  }
  h.problems = HealthProblems(h.taint_before, h.taint_after, h.trouble);
  return h;
}

std::vector<std::string> HealthProblems(std::optional<std::uint64_t> taint_before,
                                        std::optional<std::uint64_t> taint_after,
                                        const std::vector<KmsgLine>& trouble) {
  std::vector<std::string> out;
  if (taint_before && taint_after && *taint_before != *taint_after)
    out.push_back(fmt::format("kernel.tainted went from {} ({}) to {} ({})", *taint_before,
                              *taint_before == 0 ? "untainted" : TaintLetters(*taint_before),
                              *taint_after, TaintLetters(*taint_after)));
  for (const KmsgLine& l : trouble) out.push_back("kernel log: " + Describe(l));
  return out;
}

nlohmann::ordered_json HealthToJson(const Health& h) {
  using Json = nlohmann::ordered_json;
  Json j = Json::object();
  if (h.taint_before && h.taint_after)
    j["taint"] = {{"before", *h.taint_before}, {"after", *h.taint_after}};
  else
    j["taint"] = h.taint_unreadable;
  if (h.kmsg_unreadable.empty()) {
    Json lines = Json::array();
    for (const KmsgLine& l : h.trouble) lines.push_back(Describe(l));
    j["kmsg"] = {{"new_lines", h.new_lines}, {"matched", lines}, {"lost", h.lines_lost}};
  } else {
    j["kmsg"] = h.kmsg_unreadable;
  }
  // Recorded, not judged: the count is the whole machine's, and other processes (a second
  // suite under --jobs, anything else running) make and drop namespaces meanwhile.
  if (h.namespaces_before && h.namespaces_after)
    j["namespaces"] = {{"before", *h.namespaces_before},
                       {"after", *h.namespaces_after},
                       {"returned", *h.namespaces_after <= *h.namespaces_before}};
  else
    j["namespaces"] = "skip: " + h.listns_skip;
  j["problems"] = h.problems;
  return j;
}

}  // namespace nsprobe::run
