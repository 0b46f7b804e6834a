#include "suites/support/entry.hpp"

#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/identity.hpp"
#include "runtime/mnt.hpp"
#include "suites/support/holder.hpp"
#include "suites/support/modes.hpp"
#include "suites/support/seam.hpp"

namespace nsprobe::testing {

std::string EntryName(Entry entry) {
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

std::string EntryModeParamName(const ::testing::TestParamInfo<std::tuple<Entry, Mode>>& info) {
  return EntryName(std::get<0>(info.param)) + "_" + std::string(ModeName(std::get<1>(info.param)));
}

KindSet EntryKinds(Mode mode, KindSet kinds) {
  if (mode == Mode::kUnprivileged) kinds.Add(Kind::kUser);
  return kinds;
}

Spec JoinSpec(Mode mode, pid_t target, KindSet kinds) {
  Spec spec;
  const KindSet entered = EntryKinds(mode, kinds);
  if (!entered.Empty()) spec.join = JoinTarget{target, entered};
  if (mode == Mode::kUnprivileged && ::geteuid() == 0) spec.create_as = kNobody;
  return spec;
}

ExitStatus RunVia(Entry entry, Mode mode, Kind kind, Observations& obs, Body setup, Body observe) {
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
          w.Failed("unshare", errno);
          return 1;
        }
        // A raw unshare keeps the propagation types: make ours private first, as a container
        // runtime does, so nothing we mount reaches the namespace we came from.
        if (kind == Kind::kMnt && !withheld)
          if (int e = mnt::MakeMountsPrivateInChild()) {
            w.Failed("make_private", e);
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
      ExitStatus st = testing::Launch(JoinSpec(mode, holder.Pid(), KindSet{kind}), observed)
                          .Wait(std::chrono::seconds(20));
      holder.Release();
      return st;
    }
  }
  return {};
}

}  // namespace nsprobe::testing
