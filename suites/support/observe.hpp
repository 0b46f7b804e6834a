// Child observes, parent asserts: a child records what it saw into a pipe with fixed-size,
// non-allocating writes; the gtest parent collects and asserts on it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/fd.hpp"

namespace nsprobe::testing {

struct Observation {
  char key[32] = {};
  std::int64_t value = 0;
  std::int32_t err = 0;   // errno captured with the value
  std::int32_t line = 0;  // source line of the observation
  char text[152] = {};
};

// Async-signal-safe writers, for use between clone3() and _exit().
class ObservationWriter {
 public:
  explicit ObservationWriter(int fd) : fd_(fd) {}
  void Value(const char* key, std::int64_t value, int line = __builtin_LINE()) const;
  // A syscall's result: value is the return, err the errno when it failed (0 otherwise).
  void Result(const char* key, long ret, int err, int line = __builtin_LINE()) const;
  void Text(const char* key, const char* text, std::size_t len = ~std::size_t{0},
            int line = __builtin_LINE()) const;
  // The whole (small) file, e.g. /proc/self/uid_map, as text.
  void File(const char* key, const char* path, int line = __builtin_LINE()) const;
  // readlink of a path (e.g. /proc/self/ns/uts).
  void Link(const char* key, const char* path, int line = __builtin_LINE()) const;
  int Fd() const { return fd_; }

 private:
  void Send(const Observation& o) const;
  int fd_;
};

// The parent side: owns the pipe, hands the child its writer, collects after the child ends.
class Observations {
 public:
  Observations();
  ObservationWriter Writer() const { return ObservationWriter(pipe_.write.Get()); }
  // Closes our write end and reads everything the child(ren) wrote until EOF.
  void Collect();
  bool Has(std::string_view key) const;
  std::int64_t Value(std::string_view key) const;  // throws std::out_of_range naming the key
  int Err(std::string_view key) const;
  std::string Text(std::string_view key) const;
  std::vector<std::string> Texts(std::string_view key) const;
  // Everything seen, for failure messages: "key=value (errno) 'text' @line; ...".
  std::string Dump() const;

 private:
  const Observation& Get(std::string_view key) const;
  Pipe pipe_;
  std::vector<Observation> seen_;
};

}  // namespace nsprobe::testing
