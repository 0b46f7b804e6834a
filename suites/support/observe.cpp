#include "suites/support/observe.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace nsprobe::testing {
namespace {

void CopyBounded(char* dst, std::size_t cap, const char* src, std::size_t len) {
  std::size_t i = 0;
  for (; i + 1 < cap && i < len && src[i] != '\0'; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

}  // namespace

void ObservationWriter::Send(const Observation& o) const {
  const char* p = reinterpret_cast<const char*>(&o);
  std::size_t left = sizeof o;
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void ObservationWriter::Value(const char* key, std::int64_t value, int line) const {
  Observation o;
  CopyBounded(o.key, sizeof o.key, key, ~std::size_t{0});
  o.value = value;
  o.line = line;
  Send(o);
}

void ObservationWriter::Result(const char* key, long ret, int err, int line) const {
  Observation o;
  CopyBounded(o.key, sizeof o.key, key, ~std::size_t{0});
  o.value = ret;
  o.err = ret < 0 ? err : 0;
  o.line = line;
  Send(o);
}

void ObservationWriter::Text(const char* key, const char* text, std::size_t len, int line) const {
  Observation o;
  CopyBounded(o.key, sizeof o.key, key, ~std::size_t{0});
  CopyBounded(o.text, sizeof o.text, text, len);
  o.line = line;
  Send(o);
}

void ObservationWriter::File(const char* key, const char* path, int line) const {
  char buf[sizeof(Observation::text)] = {};
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Result(key, -1, errno, line);
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  int err = errno;
  ::close(fd);
  if (n < 0) return Result(key, -1, err, line);
  Text(key, buf, static_cast<std::size_t>(n), line);
}

void ObservationWriter::Link(const char* key, const char* path, int line) const {
  char buf[sizeof(Observation::text)] = {};
  ssize_t n = ::readlink(path, buf, sizeof buf - 1);
  if (n < 0) return Result(key, -1, errno, line);
  Text(key, buf, static_cast<std::size_t>(n), line);
}

Observations::Observations() : pipe_(Pipe::Make()) {}

void Observations::Collect() {
  pipe_.write.Reset();
  Observation o;
  while (true) {
    std::size_t got = 0;
    char* p = reinterpret_cast<char*>(&o);
    while (got < sizeof o) {
      ssize_t n = ::read(pipe_.read.Get(), p + got, sizeof o - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      got += static_cast<std::size_t>(n);
    }
    o.key[sizeof o.key - 1] = '\0';
    o.text[sizeof o.text - 1] = '\0';
    seen_.push_back(o);
  }
}

const Observation& Observations::Get(std::string_view key) const {
  for (auto it = seen_.rbegin(); it != seen_.rend(); ++it)
    if (key == it->key) return *it;
  throw std::out_of_range(fmt::format("the child recorded no '{}'; it recorded: {}", key, Dump()));
}

bool Observations::Has(std::string_view key) const {
  for (const Observation& o : seen_)
    if (key == o.key) return true;
  return false;
}

std::int64_t Observations::Value(std::string_view key) const { return Get(key).value; }
int Observations::Err(std::string_view key) const { return Get(key).err; }
std::string Observations::Text(std::string_view key) const { return Get(key).text; }

std::vector<std::string> Observations::Texts(std::string_view key) const {
  std::vector<std::string> out;
  for (const Observation& o : seen_)
    if (key == o.key) out.emplace_back(o.text);
  return out;
}

std::string Observations::Dump() const {
  std::string out;
  for (const Observation& o : seen_) {
    out += fmt::format("{}={}", o.key, o.value);
    if (o.err != 0)
      out += fmt::format(" ({})", ::strerrorname_np(o.err) ? ::strerrorname_np(o.err) : "?");
    if (o.text[0] != '\0') out += fmt::format(" '{}'", o.text);
    out += fmt::format(" @{}; ", o.line);
  }
  return out.empty() ? "(nothing)" : out;
}

}  // namespace nsprobe::testing
