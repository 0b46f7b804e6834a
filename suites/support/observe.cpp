#include "suites/support/observe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace nsprobe::testing {
namespace {

void CopyBounded(char* dst, std::size_t cap, const char* src, std::size_t len) {
  std::size_t i = 0;
  for (; i + 1 < cap && i < len && src[i] != '\0'; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

const char* BaseName(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p)
    if (*p == '/') base = p + 1;
  return base;
}

// Failed assertions in the running test so far; 0 outside a test.
int FailuresSoFar() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return 0;
  const ::testing::TestResult* result = test->result();
  int failed = 0;
  for (int i = 0; i < result->total_part_count(); ++i)
    if (result->GetTestPartResult(i).failed()) ++failed;
  return failed;
}

}  // namespace

void ObservationWriter::Send(const char* key, std::int64_t value, int err, const char* text,
                             std::size_t len, const Where& where) const {
  Observation o;
  CopyBounded(o.key, sizeof o.key, key, ~std::size_t{0});
  o.value = value;
  o.err = err;
  o.line = static_cast<std::int32_t>(where.line());
  CopyBounded(o.file, sizeof o.file, BaseName(where.file_name()), ~std::size_t{0});
  if (text != nullptr) CopyBounded(o.text, sizeof o.text, text, len);
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

void ObservationWriter::Value(const char* key, std::int64_t value, Where where) const {
  Send(key, value, 0, nullptr, 0, where);
}

void ObservationWriter::Result(const char* key, long ret, Where where) const {
  const int err = errno;  // before anything here can change it
  Send(key, ret, ret < 0 ? err : 0, nullptr, 0, where);
}

void ObservationWriter::Failed(const char* key, int err, Where where) const {
  Send(key, -1, err, nullptr, 0, where);
}

void ObservationWriter::Status(const char* key, int err, Where where) const {
  Send(key, err == 0 ? 0 : -1, err, nullptr, 0, where);
}

void ObservationWriter::Text(const char* key, const char* text, std::size_t len,
                             Where where) const {
  Send(key, 0, 0, text, len, where);
}

void ObservationWriter::File(const char* key, const char* path, Where where) const {
  char buf[sizeof(Observation::text)] = {};
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Failed(key, errno, where);
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  int err = errno;
  ::close(fd);
  if (n < 0) return Failed(key, err, where);
  Text(key, buf, static_cast<std::size_t>(n), where);
}

void ObservationWriter::Link(const char* key, const char* path, Where where) const {
  char buf[sizeof(Observation::text)] = {};
  ssize_t n = ::readlink(path, buf, sizeof buf - 1);
  if (n < 0) return Failed(key, errno, where);
  Text(key, buf, static_cast<std::size_t>(n), where);
}

KeyName::KeyName(const char* first, const char* second) {
  std::size_t n = 0;
  for (const char* part : {first, second})
    for (const char* p = part; *p != '\0' && n + 1 < sizeof name_; ++p) name_[n++] = *p;
  name_[n] = '\0';
}

Recorded ResultHere(const char* key, long ret, std::source_location where) {
  const int err = errno;
  return Recorded{key,
                  true,
                  ret,
                  ret < 0 ? err : 0,
                  "",
                  BaseName(where.file_name()),
                  static_cast<int>(where.line())};
}

void ObservationWriter::Entries(const char* key, const char* dir, bool (*keep)(const char*),
                                Where where) const {
  const int d = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return Failed(key, errno, where);
  char buf[4096];
  for (long n; (n = ::syscall(SYS_getdents64, d, buf, sizeof buf)) > 0;) {
    for (long off = 0; off < n;) {
      const auto* e = reinterpret_cast<const dirent64*>(buf + off);
      const bool dots = e->d_name[0] == '.' &&
                        (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0'));
      if (!dots && (keep == nullptr || keep(e->d_name)))
        Text(key, e->d_name, ~std::size_t{0}, where);
      off += e->d_reclen;
    }
  }
  ::close(d);
}

std::string ErrnoName(int err) {
  const char* name = ::strerrorname_np(err);
  return name != nullptr ? name : fmt::format("errno {}", err);
}

Observations::Observations(std::source_location where)
    : pipe_(Pipe::Make()), made_at_(where), failures_before_(FailuresSoFar()) {}

Observations::Observations(Observations&& other) noexcept
    : pipe_(std::move(other.pipe_)),
      seen_(std::move(other.seen_)),
      collected_(std::exchange(other.collected_, false)),
      made_at_(other.made_at_),
      failures_before_(other.failures_before_) {}

Observations::~Observations() {
  if (!collected_ || seen_.empty() || FailuresSoFar() == failures_before_) return;
  ADD_FAILURE_AT(made_at_.file_name(), static_cast<int>(made_at_.line()))
      << "the child recorded (attached once for the failures above): " << Dump();
}

void Observations::Collect() {
  collected_ = true;
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
    o.file[sizeof o.file - 1] = '\0';
    o.text[sizeof o.text - 1] = '\0';
    seen_.push_back(o);
  }
}

const Observation* Observations::Find(std::string_view key) const {
  for (auto it = seen_.rbegin(); it != seen_.rend(); ++it)
    if (key == it->key) return &*it;
  return nullptr;
}

const Observation& Observations::Get(std::string_view key) const {
  if (const Observation* o = Find(key)) return *o;
  throw std::out_of_range(fmt::format("the child recorded no '{}'; it recorded: {}", key, Dump()));
}

Recorded Observations::operator[](std::string_view key) const {
  const Observation* o = Find(key);
  if (o == nullptr) {
    Recorded absent;
    absent.key = key;
    return absent;
  }
  return Recorded{o->key, true, o->value, o->err, o->text, o->file, o->line};
}

bool Observations::Has(std::string_view key) const { return Find(key) != nullptr; }
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
    if (o.err != 0) out += fmt::format(" ({})", ErrnoName(o.err));
    if (o.text[0] != '\0') out += fmt::format(" '{}'", o.text);
    out += fmt::format(" @{}:{}; ", o.file, o.line);
  }
  return out.empty() ? "(nothing)" : out;
}

}  // namespace nsprobe::testing
