// The three ways into a new namespace (clone3, unshare, setns), so a suite can run the same
// observation through each of them; plus a holder child that keeps namespaces alive.
// Header-only: the kind suites include it, nothing else depends on it.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <tuple>

#include "runtime/identity.hpp"
#include "runtime/launch.hpp"
#include "runtime/mnt.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/observe.hpp"
#include "suites/support/seam.hpp"

// Records what `call` returned and the errno it left, read after the call: a function's
// arguments are evaluated in no fixed order, so `w.Result(key, f(), errno)` may read a stale
// errno. Async-signal-safe.
#define NSPROBE_RECORD(writer, key, call)        \
  do {                                           \
    long nsprobe_ret_ = (call);                  \
    (writer).Result((key), nsprobe_ret_, errno); \
  } while (0)

namespace nsprobe::testing {

enum class Entry : std::uint8_t {
  kClone3,   // the runtime creates the namespace at clone time
  kUnshare,  // a launched child calls unshare() on itself
  kSetns,    // a launched child joins a namespace a holder created
};

inline std::string EntryName(Entry entry) {
  switch (entry) {
    case Entry::kClone3:
      return "clone3";
    case Entry::kUnshare:
      return "unshare";
    case Entry::kSetns:
      return "setns";
  }
  return "?";
}

inline const auto kAllEntries = ::testing::Values(Entry::kClone3, Entry::kUnshare, Entry::kSetns);

// gtest parameter names: "clone3_privileged", "setns_unprivileged", ...
inline std::string EntryModeParamName(
    const ::testing::TestParamInfo<std::tuple<Entry, Mode>>& info) {
  return EntryName(std::get<0>(info.param)) + "_" + std::string(ModeName(std::get<1>(info.param)));
}

// The kinds a helper must enter to act inside a child launched by SpecFor(mode, kinds): in the
// unprivileged mode the user namespace comes first, or the rest is out of reach.
inline KindSet Entered(Mode mode, KindSet kinds) {
  if (mode == Mode::kUnprivileged) kinds.Add(Kind::kUser);
  return kinds;
}

// A fresh directory /tmp/nsprobe-<what>-XXXXXX, removed at the end. Mounts made on it inside a
// test's namespaces die with those namespaces.
class TempDir {
 public:
  explicit TempDir(const std::string& what) {
    std::string pattern = "/tmp/nsprobe-" + what + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp(" + pattern + ")");
    path_ = pattern;
  }
  ~TempDir() { ::rmdir(path_.c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& Path() const { return path_; }
  std::string Sub(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A child that runs `setup` in its namespaces, says so with one byte, then keeps them alive
// until Release() (or destruction).
class Holder {
 public:
  Holder(const Spec& spec, Body setup) {
    child_ = testing::Launch(spec, [&] {
      int rc = setup();
      if (rc != 0) return rc;
      char c = 'r';
      if (::write(ready_.write.Get(), &c, 1) != 1) return 120;
      // Released by a byte, not by EOF: every child copied after us holds the write end too.
      return ::read(hold_.read.Get(), &c, 1) >= 0 ? 0 : 121;
    });
    ready_.write.Reset();
    char c = 0;
    ready_seen_ = ::read(ready_.read.Get(), &c, 1) == 1;
  }
  explicit Holder(const Spec& spec) : Holder(spec, [] { return 0; }) {}
  // False when the setup failed: the holder has exited with setup's status.
  bool Ready() const { return ready_seen_; }
  pid_t Pid() const { return child_.Pid(); }
  Child& Get() { return child_; }
  ExitStatus Release() {
    (void)!::write(hold_.write.Get(), "q", 1);
    hold_.write.Reset();
    return child_.Wait(std::chrono::seconds(10));
  }

 private:
  Pipe ready_ = Pipe::Make();
  Pipe hold_ = Pipe::Make();
  Child child_;
  bool ready_seen_ = false;
};

// Runs `setup` then `observe` in a new namespace of `kind` reached through `entry` in `mode`,
// and records the child's /proc/self/ns/<kind> link as "ns_link". For setns, a holder made
// with clone3 runs `setup` and keeps the namespace while a second child joins it to observe.
// Returns the observing child's exit status; the observations land in `obs`.
inline ExitStatus RunVia(Entry entry, Mode mode, Kind kind, Observations& obs, Body setup,
                         Body observe) {
  const std::string link = NsPath(0, kind);
  const int flag = static_cast<int>(CloneFlag(kind));
  ObservationWriter w = obs.Writer();
  auto observed = [&] {
    w.Link("ns_link", link.c_str());
    return observe();
  };
  switch (entry) {
    case Entry::kClone3: {
      Child c = testing::Launch(SpecFor(mode, KindSet{kind}), [&] {
        if (int rc = setup()) return rc;
        return observed();
      });
      return c.Wait(std::chrono::seconds(20));
    }
    case Entry::kUnshare: {
      // The child makes this namespace itself, so it honours the runtime's negative-control
      // seam the way Launch does: a withheld kind is silently not unshared.
      const bool withheld = WithheldKinds().Has(kind);
      Child c = testing::Launch(SpecFor(mode, KindSet{}), [&] {
        if (!withheld && ::unshare(flag) != 0) {
          w.Result("unshare", -1, errno);
          return 1;
        }
        // A raw unshare keeps the propagation types: make ours private first, as a container
        // runtime does, so nothing we mount reaches the namespace we came from.
        if (kind == Kind::kMnt && !withheld)
          if (int e = mnt::MakeMountsPrivateInChild()) {
            w.Result("make_private", -1, e);
            return 1;
          }
        if (int rc = setup()) return rc;
        return observed();
      });
      return c.Wait(std::chrono::seconds(20));
    }
    case Entry::kSetns: {
      Holder holder(SpecFor(mode, KindSet{kind}), setup);
      if (!holder.Ready()) return holder.Release();
      Spec joiner;
      joiner.join = JoinTarget{holder.Pid(), Entered(mode, KindSet{kind})};
      if (mode == Mode::kUnprivileged && ::geteuid() == 0) joiner.create_as = kNobody;
      ExitStatus st = testing::Launch(joiner, observed).Wait(std::chrono::seconds(20));
      holder.Release();
      return st;
    }
  }
  return {};
}

}  // namespace nsprobe::testing
