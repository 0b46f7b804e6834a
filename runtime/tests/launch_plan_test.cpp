// PlanLaunch as a table: each row a spec, a clone style and the caller's facts, and the plan
// they must give, every decision named.
#include "runtime/launch_plan.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <ostream>
#include <stdexcept>
#include <string>

// The table leaves out what a row keeps at its default, as designated initializers allow;
// GCC 12 warns for every member left out all the same.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace nsprobe {

// gtest prints a plan as its decisions, not as bytes.
void PrintTo(const LaunchPlan& p, std::ostream* os) {
  *os << fmt::format(
      "{{memory {}, creator {}, maps {} (as {}:{}), time {}, check_parent {}, "
      "flags {:#x}}}",
      Name(p.memory), Name(p.creator), Name(p.maps), p.map_creator.uid, p.map_creator.gid,
      Name(p.time), p.check_parent, p.clone_flags);
}

namespace {

constexpr std::uint64_t kTimeFlag = 0x80;  // CLONE_NEWTIME, which Debian 12's headers lack
constexpr std::uint64_t kVfork = CLONE_VM | CLONE_VFORK;
constexpr LaunchFacts kRootBody{.euid = 0, .egid = 0};
constexpr LaunchFacts kRootProgram{.runs_program = true, .euid = 0, .egid = 0};
constexpr LaunchFacts kUserBody{.euid = 1000, .egid = 1001};
constexpr LaunchFacts kUserProgram{.runs_program = true, .euid = 1000, .egid = 1001};
constexpr Credentials kNobody{65534, 65534};

Spec Kinds(KindSet kinds) {
  Spec s;
  s.kinds = kinds;
  return s;
}

Spec MapRoot(KindSet kinds) {
  Spec s = Kinds(kinds);
  s.kinds.Add(Kind::kUser);
  s.map_root = true;
  return s;
}

Spec WithOffset(Spec s) {
  s.monotonic_offset = TimeOffset{86400, 0};
  return s;
}

Spec CreatedAs(Spec s, Credentials creator) {
  s.create_as = creator;
  return s;
}

Spec Joining(KindSet kinds) {
  Spec s;
  s.join = JoinTarget{.pid = 1, .kinds = kinds};
  return s;
}

struct Row {
  std::string name;
  Spec spec;
  CloneStyle style;
  LaunchFacts facts;
  LaunchPlan plan;
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class PlanLaunchTable : public ::testing::TestWithParam<Row> {};

TEST_P(PlanLaunchTable, GivesThePlanOfItsRow) {
  const Row& row = GetParam();
  ASSERT_NO_THROW(row.spec.Validate());
  EXPECT_EQ(PlanLaunch(row.spec, row.style, row.facts), row.plan);
}

const Row kRows[] = {
    // No kinds at all: a body gets its own memory (it may wait for us, who would sleep in a
    // vfork), a program shares ours until its execve.
    {"nothing_body", Spec{}, CloneStyle::kAuto, kRootBody, {.clone_flags = CLONE_PIDFD}},
    {"nothing_program",
     Spec{},
     CloneStyle::kAuto,
     kRootProgram,
     {.memory = Memory::kShared, .clone_flags = kVfork | CLONE_PIDFD}},
    // Asked to share: a body that has exited by the time clone returns needs no pidfd.
    {"uts_body_shared",
     Kinds({Kind::kUts}),
     CloneStyle::kSharedMemory,
     kRootBody,
     {.memory = Memory::kShared, .clone_flags = CLONE_NEWUTS | kVfork}},
    {"uts_program_copied",
     Kinds({Kind::kUts}),
     CloneStyle::kCopy,
     kRootProgram,
     {.clone_flags = CLONE_NEWUTS | CLONE_PIDFD}},
    // Inside a new pid namespace our pid is invisible: no parent check.
    {"pid_program",
     Kinds({Kind::kPid, Kind::kMnt}),
     CloneStyle::kAuto,
     kUserProgram,
     {.memory = Memory::kShared,
      .check_parent = false,
      .clone_flags = CLONE_NEWPID | CLONE_NEWNS | kVfork | CLONE_PIDFD}},
    // A time namespace always takes a copy: born inside by the flag, or unshared by the
    // child when offsets are to be written first.
    {"time_program",
     Kinds({Kind::kTime}),
     CloneStyle::kAuto,
     kRootProgram,
     {.time = TimeEntry::kCloneFlag, .clone_flags = kTimeFlag | CLONE_PIDFD}},
    {"time_offsets_body",
     WithOffset(Kinds({Kind::kTime})),
     CloneStyle::kAuto,
     kRootBody,
     {.time = TimeEntry::kUnshareInChild, .clone_flags = CLONE_PIDFD}},
    // A user namespace without maps: nobody writes any.
    {"user_unmapped_program",
     Kinds({Kind::kUser}),
     CloneStyle::kAuto,
     kUserProgram,
     {.memory = Memory::kShared, .clone_flags = CLONE_NEWUSER | kVfork | CLONE_PIDFD}},
    // Root writes the maps from outside, while a copied child waits for the go byte.
    {"user_maps_root",
     MapRoot({}),
     CloneStyle::kAuto,
     kRootProgram,
     {.maps = MapWriter::kParent,
      .map_creator = {0, 0},
      .clone_flags = CLONE_NEWUSER | CLONE_PIDFD}},
    // An unprivileged creator maps itself from inside, so its program can share our memory.
    {"user_maps_unprivileged",
     MapRoot({Kind::kNet}),
     CloneStyle::kAuto,
     kUserProgram,
     {.memory = Memory::kShared,
      .maps = MapWriter::kChild,
      .map_creator = {1000, 1001},
      .clone_flags = CLONE_NEWUSER | CLONE_NEWNET | kVfork | CLONE_PIDFD}},
    // Root creating as another user: a helper drops to it, and the child maps itself as it.
    {"created_as_nobody",
     CreatedAs(MapRoot({Kind::kIpc}), kNobody),
     CloneStyle::kAuto,
     kRootBody,
     {.creator = Creator::kHelper,
      .maps = MapWriter::kChild,
      .map_creator = kNobody,
      .clone_flags = CLONE_NEWUSER | CLONE_NEWIPC | CLONE_PIDFD}},
    {"created_as_nobody_unmapped_shared",
     CreatedAs(Kinds({Kind::kUser, Kind::kUts}), kNobody),
     CloneStyle::kSharedMemory,
     kRootProgram,
     {.memory = Memory::kShared,
      .creator = Creator::kHelper,
      .clone_flags = CLONE_NEWUSER | CLONE_NEWUTS | kVfork | CLONE_PIDFD}},
    // Entering a pid namespace forks after setns(): a copy.
    {"join_pid_program",
     Joining({Kind::kPid}),
     CloneStyle::kAuto,
     {.runs_program = true, .join_forks = true},
     {.clone_flags = CLONE_PIDFD}},
    // ... but a join of a pid namespace we are already in needs no fork.
    {"join_own_pid_program",
     Joining({Kind::kPid, Kind::kNet}),
     CloneStyle::kAuto,
     kRootProgram,
     {.memory = Memory::kShared, .clone_flags = kVfork | CLONE_PIDFD}},
    {"all_as_root",
     MapRoot(KindSet::All()),
     CloneStyle::kAuto,
     kRootProgram,
     {.maps = MapWriter::kParent,
      .map_creator = {0, 0},
      .time = TimeEntry::kCloneFlag,
      .check_parent = false,
      .clone_flags = KindSet::All().CloneFlags() | CLONE_PIDFD}},
};

INSTANTIATE_TEST_SUITE_P(Rows, PlanLaunchTable, ::testing::ValuesIn(kRows),
                         [](const auto& row) { return row.param.name; });

// The specs a shared mm cannot serve, refused before anything is opened.
TEST(PlanLaunch, RefusesSharedMemoryWhereTheChildNeedsItsOwn) {
  const std::pair<std::string, Spec> refused[] = {
      {"root-written maps", MapRoot({})},
      {"a time namespace", Kinds({Kind::kTime})},
      {"a join that forks", Joining({Kind::kPid})},
  };
  for (const auto& [why, spec] : refused) {
    LaunchFacts facts = kRootProgram;
    facts.join_forks = spec.join.has_value();
    EXPECT_THROW(PlanLaunch(spec, CloneStyle::kSharedMemory, facts), std::invalid_argument) << why;
    EXPECT_NO_THROW(PlanLaunch(spec, CloneStyle::kCopy, facts)) << why;
  }
}

TEST(PlanLaunch, RefusesCreateAsWithoutRoot) {
  const Spec spec = CreatedAs(MapRoot({}), kNobody);
  EXPECT_THROW(PlanLaunch(spec, CloneStyle::kAuto, kUserBody), std::invalid_argument);
  EXPECT_EQ(PlanLaunch(spec, CloneStyle::kAuto, kRootBody).creator, Creator::kHelper);
}

// After an ENOSYS from clone3, a new plan: the flag clone(2) cannot carry becomes the
// child's own unshare; the first plan is left as it was.
TEST(PlanWithoutClone3, MovesTheTimeNamespaceIntoTheChild) {
  const LaunchPlan first = PlanLaunch(MapRoot(KindSet::All()), CloneStyle::kAuto, kRootProgram);
  const std::optional<LaunchPlan> retry = PlanWithoutClone3(first);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(first.time, TimeEntry::kCloneFlag);
  EXPECT_EQ(retry->time, TimeEntry::kUnshareInChild);
  EXPECT_EQ(retry->clone_flags, first.clone_flags & ~kTimeFlag);
  LaunchPlan rest = *retry;
  rest.time = first.time;
  rest.clone_flags = first.clone_flags;
  EXPECT_EQ(rest, first) << "only the time entry changes";
}

TEST(PlanWithoutClone3, IsEmptyWhereClone2CanExpressThePlan) {
  for (const Row& row : kRows) {
    const LaunchPlan plan = PlanLaunch(row.spec, row.style, row.facts);
    EXPECT_EQ(PlanWithoutClone3(plan).has_value(), plan.time == TimeEntry::kCloneFlag) << row.name;
  }
}

}  // namespace
}  // namespace nsprobe
