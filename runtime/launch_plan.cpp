#include "runtime/launch_plan.hpp"

#include <sched.h>

#include <stdexcept>

namespace nsprobe {

std::string_view Name(Memory memory) { return memory == Memory::kShared ? "shared" : "copied"; }

std::string_view Name(Creator creator) { return creator == Creator::kSelf ? "self" : "helper"; }

// In the order of the enumerators.
constexpr std::string_view kMapWriterNames[] = {"none", "parent", "child"};
constexpr std::string_view kTimeEntryNames[] = {"none", "clone-flag", "unshare-in-child"};

std::string_view Name(MapWriter writer) { return kMapWriterNames[static_cast<int>(writer)]; }

std::string_view Name(TimeEntry entry) { return kTimeEntryNames[static_cast<int>(entry)]; }

LaunchPlan PlanLaunch(const Spec& spec, CloneStyle style, const LaunchFacts& facts) {
  LaunchPlan plan;
  if (spec.create_as) {
    if (facts.euid != 0)
      throw std::invalid_argument("create_as: only root can create namespaces as another user");
    plan.creator = Creator::kHelper;
  }

  if (spec.kinds.Has(Kind::kUser) && spec.HasIdMaps()) {
    // Root writes any map from outside; an unprivileged creator may map only itself, which it
    // does from inside.
    plan.maps = facts.euid == 0 && !spec.create_as ? MapWriter::kParent : MapWriter::kChild;
    plan.map_creator =
        spec.create_as ? *spec.create_as : Credentials{.uid = facts.euid, .gid = facts.egid};
  }

  if (spec.kinds.Has(Kind::kTime)) {
    // Offsets can be written only before any task enters the namespace: the child creates
    // it, writes them and enters. (A join, which would have to come first, takes no kinds.)
    const bool offsets = spec.monotonic_offset || spec.boottime_offset;
    plan.time = offsets ? TimeEntry::kUnshareInChild : TimeEntry::kCloneFlag;
  }

  // A shared mm cannot serve a child that waits for the parent (which sleeps), that forks
  // into a pid namespace, or that enters a time namespace: setns() into one needs an mm of
  // its own, and execve() enters time_for_children only since Linux 6.x (on 6.1 the program
  // kept the parent's clocks, as the kernel matrix showed).
  const bool shared_possible =
      plan.maps != MapWriter::kParent && !facts.join_forks && plan.time == TimeEntry::kNone;
  switch (style) {
    case CloneStyle::kAuto:
      // A body would run while we sleep: only a program, which ends the sleep by execve().
      plan.memory = facts.runs_program && shared_possible ? Memory::kShared : Memory::kCopied;
      break;
    case CloneStyle::kCopy:
      plan.memory = Memory::kCopied;
      break;
    case CloneStyle::kSharedMemory:
      if (!shared_possible)
        throw std::invalid_argument(
            "clone style: shared memory cannot serve this spec (root-written id maps, a time "
            "namespace, or entering a pid namespace need their own memory)");
      plan.memory = Memory::kShared;
      break;
  }

  plan.check_parent = !spec.kinds.Has(Kind::kPid);

  plan.clone_flags = spec.kinds.CloneFlags();
  if (plan.time != TimeEntry::kCloneFlag) plan.clone_flags &= ~CloneFlag(Kind::kTime);
  if (plan.memory == Memory::kShared) plan.clone_flags |= CLONE_VM | CLONE_VFORK;
  // A shared-memory body has exited when the clone returns: a pidfd would only be closed.
  if (plan.memory == Memory::kCopied || facts.runs_program) plan.clone_flags |= CLONE_PIDFD;
  return plan;
}

std::optional<LaunchPlan> PlanWithoutClone3(const LaunchPlan& plan) {
  if (plan.time != TimeEntry::kCloneFlag) return std::nullopt;
  LaunchPlan retry = plan;
  retry.time = TimeEntry::kUnshareInChild;
  retry.clone_flags &= ~CloneFlag(Kind::kTime);
  return retry;
}

}  // namespace nsprobe
