// The eight namespace kinds: their CLONE_NEW* flag, /proc/PID/ns entry and first kernel.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nsprobe {

enum class Kind : std::uint8_t { kMnt, kUts, kIpc, kNet, kPid, kUser, kCgroup, kTime };

struct KindInfo {
  Kind kind;
  std::string_view name;          // as in /proc/PID/ns and on the command line
  std::uint64_t clone_flag;       // CLONE_NEW*
  std::string_view flag_name;     // "CLONE_NEWNS"
  std::string_view first_kernel;  // first release with the namespace (namespaces(7))
};

inline constexpr int kKindCount = 8;
const std::array<KindInfo, kKindCount>& AllKinds();
const KindInfo& Info(Kind kind);
std::string_view Name(Kind kind);
std::uint64_t CloneFlag(Kind kind);
// "CLONE_NEWNS", "CLONE_NEWUTS", ...
std::string_view CloneFlagName(Kind kind);

// A set of kinds, ordered as AllKinds().
class KindSet {
 public:
  constexpr KindSet() = default;
  constexpr KindSet(std::initializer_list<Kind> kinds) {
    for (Kind k : kinds) Add(k);
  }
  static KindSet All();

  constexpr void Add(Kind k) { bits_ |= Bit(k); }
  constexpr void Remove(Kind k) { bits_ &= ~Bit(k); }
  constexpr bool Has(Kind k) const { return (bits_ & Bit(k)) != 0; }
  constexpr bool Empty() const { return bits_ == 0; }
  constexpr std::uint8_t Bits() const { return bits_; }
  int Size() const;
  // The OR of the kinds' CLONE_NEW* flags.
  std::uint64_t CloneFlags() const;
  // "pid,net" in AllKinds() order; "none" when empty; "all" when every kind is present.
  std::string ToString() const;

  constexpr bool operator==(const KindSet&) const = default;

  template <typename F>
  void ForEach(F&& f) const {
    for (const KindInfo& info : AllKinds())
      if (Has(info.kind)) f(info.kind);
  }

 private:
  static constexpr std::uint8_t Bit(Kind k) { return std::uint8_t(1u << unsigned(k)); }
  std::uint8_t bits_ = 0;
};

// Parses one kind name. Throws std::invalid_argument naming the valid kinds.
Kind ParseKind(std::string_view name);
// Parses "pid,net", "all" or "none" (whitespace around names allowed, duplicates folded).
// Throws std::invalid_argument naming the bad element and the valid kinds.
KindSet ParseKinds(std::string_view list);

}  // namespace nsprobe
