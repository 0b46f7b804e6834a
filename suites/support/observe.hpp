// Child observes, parent asserts: a child records what it saw into a pipe with fixed-size,
// non-allocating writes; the gtest parent collects it and asserts on it with the matchers of
// matchers.hpp. Each record carries the file and line that made it.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/fd.hpp"

namespace nsprobe::testing {

// One record on the wire, written whole by the child.
struct Observation {
  char key[32] = {};
  std::int64_t value = 0;
  std::int32_t err = 0;   // errno captured with the value
  std::int32_t line = 0;  // source line of the record
  char file[32] = {};     // source file of the record, without its directory
  char text[152] = {};
};

// Async-signal-safe writers, for use between clone3() and _exit(). The last argument of each
// is the caller's location, filled in by the compiler.
class ObservationWriter {
 public:
  using Where = std::source_location;
  explicit ObservationWriter(int fd) : fd_(fd) {}
  void Value(const char* key, std::int64_t value, Where where = Where::current()) const;
  // A system call's result `ret`, and errno when it is negative. errno is read here, first
  // thing: every argument, the call among them, is evaluated before this body runs, so
  // `w.Result("open", ::open(path, O_RDONLY))` pairs the return with the errno it left. Pass
  // the call itself, or its saved return with nothing between that could set errno; the key
  // must not be computed by such a call either.
  void Result(const char* key, long ret, Where where = Where::current()) const;
  // A failure whose errno the caller saved.
  void Failed(const char* key, int err, Where where = Where::current()) const;
  // The outcome of a function that returns an errno value: success when `err` is 0.
  void Status(const char* key, int err, Where where = Where::current()) const;
  void Text(const char* key, const char* text, std::size_t len = ~std::size_t{0},
            Where where = Where::current()) const;
  // The whole (small) file, e.g. /proc/self/uid_map, as text.
  void File(const char* key, const char* path, Where where = Where::current()) const;
  // readlink of a path (e.g. /proc/self/ns/uts).
  void Link(const char* key, const char* path, Where where = Where::current()) const;
  // One Text per name in directory `dir` but . and .., those `keep` accepts when given.
  void Entries(const char* key, const char* dir, bool (*keep)(const char* name) = nullptr,
               Where where = Where::current()) const;
  int Fd() const { return fd_; }

 private:
  void Send(const char* key, std::int64_t value, int err, const char* text, std::size_t len,
            const Where& where) const;
  int fd_;
};

// A key made of two parts, e.g. KeyName("joined", "_msg"), cut to fit a record. For a body
// that records the same observation under several names. Async-signal-safe.
class KeyName {
 public:
  KeyName(const char* first, const char* second);
  operator const char*() const { return name_; }  // NOLINT(google-explicit-constructor)

 private:
  char name_[sizeof(Observation::key)];
};

// One record as the parent reads it; `present` is false when the child recorded nothing under
// the key (the matchers then say so).
struct Recorded {
  std::string key;
  bool present = false;
  std::int64_t value = 0;
  int err = 0;
  std::string text;
  std::string file;
  int line = 0;
};

// The parent side: owns the pipe, hands children their writer, collects after they end. When
// the test has failed since it was made, its destructor attaches everything collected to the
// test, once, so the assertions need not repeat it.
class Observations {
 public:
  explicit Observations(std::source_location where = std::source_location::current());
  ~Observations();
  // Moved from a helper that collected them: only the new owner attaches them.
  Observations(Observations&& other) noexcept;
  Observations& operator=(Observations&&) = delete;

  ObservationWriter Writer() const { return ObservationWriter(pipe_.write.Get()); }
  // Closes our write end and reads everything the child(ren) wrote until EOF.
  void Collect();
  // Closes both ends; what was collected stays.
  void Close() {
    pipe_.read.Reset();
    pipe_.write.Reset();
  }
  int ReadFd() const { return pipe_.read.Get(); }
  // The last record under `key`.
  Recorded operator[](std::string_view key) const;
  bool Has(std::string_view key) const;
  std::int64_t Value(std::string_view key) const;  // throws std::out_of_range naming the key
  int Err(std::string_view key) const;
  std::string Text(std::string_view key) const;
  std::vector<std::string> Texts(std::string_view key) const;
  // Everything seen: "key=value (ENOENT) 'text' @file:line; ...".
  std::string Dump() const;

 private:
  const Observation* Find(std::string_view key) const;
  const Observation& Get(std::string_view key) const;
  Pipe pipe_;
  std::vector<Observation> seen_;
  bool collected_ = false;
  std::source_location made_at_;
  int failures_before_ = 0;
};

// The parent's own call recorded as ObservationWriter::Result records a child's (errno read
// on entry), so that the same matchers apply:
//   EXPECT_THAT(ResultHere("msgget", ::msgget(key, 0)), FailedWith(ENOENT));
Recorded ResultHere(const char* key, long ret,
                    std::source_location where = std::source_location::current());

// "ENOENT", or the number when the C library has no name for it.
std::string ErrnoName(int err);

}  // namespace nsprobe::testing
