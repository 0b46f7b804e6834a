// What a launch will do, decided before anything is opened or cloned: a pure function of the
// spec, the clone style and a few facts about the caller, so that every decision Launch takes
// has a name and can be read (and tested) as a table.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/spec.hpp"

namespace nsprobe {

enum class CloneStyle : std::uint8_t {
  // Shared memory for execve launches that need no parent-side step; a copy otherwise.
  kAuto,
  // CLONE_VM|CLONE_VFORK, as posix_spawn: the parent sleeps until the child execs or exits,
  // so a body must not wait for the parent. Refused (std::invalid_argument) for specs that
  // need the parent during setup or a private mm (root-written id maps, a time namespace,
  // entering a pid namespace).
  kSharedMemory,
  // A fork-like clone: the child has its own copy of memory.
  kCopy,
};

// The child's memory.
enum class Memory : std::uint8_t {
  kShared,  // CLONE_VM|CLONE_VFORK: we sleep until it execs or exits; it reports in our memory
  kCopied,  // its own copy; it reports down a pipe
};

// Who clones the child.
enum class Creator : std::uint8_t {
  kSelf,
  // A CLONE_VM|CLONE_VFORK helper drops to Spec::create_as and clones the child as ours
  // (CLONE_PARENT), so that the unprivileged user owns the namespaces and we hold the pidfd.
  kHelper,
};

// Who writes /proc/PID/{setgroups,gid_map,uid_map}.
enum class MapWriter : std::uint8_t {
  kNone,    // no new user namespace, or no maps asked for
  kParent,  // root, from outside: the child waits for a go byte meanwhile
  kChild,   // an unprivileged creator, which may map only itself
};

// How the child comes into a new time namespace.
enum class TimeEntry : std::uint8_t {
  kNone,
  // CLONE_NEWTIME with the other kinds: the child is born inside.
  kCloneFlag,
  // The child unshares it, writes the offsets (possible only before any task is inside) and
  // enters it by setns(): for offsets, and where clone(2) cannot carry the flag (clone3
  // answered ENOSYS).
  kUnshareInChild,
};

std::string_view Name(Memory memory);
std::string_view Name(Creator creator);
std::string_view Name(MapWriter writer);
std::string_view Name(TimeEntry entry);

// What the plan depends on besides the spec, found out by the caller.
struct LaunchFacts {
  bool runs_program = false;  // an argv to execve rather than a body
  // The caller's effective ids: read only when id maps or create_as need them.
  uid_t euid = 0;
  gid_t egid = 0;
  // The join enters a pid namespace we are not in: the child forks after setns().
  bool join_forks = false;
};

struct LaunchPlan {
  Memory memory = Memory::kCopied;
  Creator creator = Creator::kSelf;
  MapWriter maps = MapWriter::kNone;
  // The ids that create the namespaces, which map_root maps to 0; set when maps are written.
  Credentials map_creator;
  TimeEntry time = TimeEntry::kNone;
  // The child compares getppid() with ours to catch a parent that died before PDEATHSIG was
  // armed; impossible from inside a new pid namespace, where the parent is invisible.
  bool check_parent = true;
  // The flags of the child's clone, namespaces included; the helper adds CLONE_PARENT.
  std::uint64_t clone_flags = 0;

  bool operator==(const LaunchPlan&) const = default;
};

// Decides how to launch `spec` (already validated). Throws std::invalid_argument when the
// style cannot serve the spec, or create_as is asked for without root.
LaunchPlan PlanLaunch(const Spec& spec, CloneStyle style, const LaunchFacts& facts);

// The plan to retry with after clone3 answered ENOSYS (a kernel before 5.3, or a seccomp
// filter such as Docker's): clone(2) cannot carry CLONE_NEWTIME, so the child unshares the
// time namespace itself. Empty when the plan has nothing clone(2) cannot express.
std::optional<LaunchPlan> PlanWithoutClone3(const LaunchPlan& plan);

}  // namespace nsprobe
