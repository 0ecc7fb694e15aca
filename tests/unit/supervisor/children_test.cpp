#include "supervisor/children.hpp"

#include <gtest/gtest.h>

namespace mpmd::supervisor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kT0 = Clock::time_point() + std::chrono::hours(1);

Child child(pid_t pid, int slot, uint32_t generation) {
  return Child{pid, slot, generation, kT0, false, false};
}

TEST(ChildTable, GivesTheLowestFreeSlot) {
  ChildTable t;
  EXPECT_EQ(t.free_slot(3), 0);
  t.add(child(100, 0, 0));
  t.add(child(101, 1, 0));
  EXPECT_EQ(t.free_slot(3), 2);
  t.add(child(102, 2, 0));
  EXPECT_EQ(t.free_slot(3), -1);  // full: "Increase ServerLimit"
  EXPECT_EQ(t.free_slot(4), 3);
  ASSERT_TRUE(t.remove(101));
  EXPECT_EQ(t.free_slot(3), 1);  // a reaped child's slot is reused first
}

TEST(ChildTable, RemoveTakesTheChildOutByPid) {
  ChildTable t;
  t.add(child(100, 0, 0));
  t.add(child(101, 1, 0));
  std::optional<Child> gone = t.remove(101);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->slot, 1);
  EXPECT_FALSE(t.remove(101));  // not ours (any more)
  EXPECT_FALSE(t.remove(999));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.all()[0].pid, 100);
}

TEST(ChildTable, CountsTheCurrentGenerationThatIsNotStopping) {
  ChildTable t;
  t.add(child(100, 0, 1));                  // old generation
  t.add(child(101, 1, 2));                  // current
  t.add(child(102, 2, 2)).stopping = true;  // current, but trimmed by the spare pool
  t.add(child(103, 3, 2));                  // current
  EXPECT_EQ(t.count_current(2), 2);
  EXPECT_EQ(t.count_current(1), 1);
  EXPECT_FALSE(ChildTable::current(t.all()[0], 2));
  EXPECT_TRUE(ChildTable::current(t.all()[1], 2));
  EXPECT_FALSE(ChildTable::current(t.all()[2], 2));
}

TEST(RestartPolicy, BacksOffDoublingUpTo32SecondsWhileChildrenDieAtStartup) {
  RestartPolicy p;
  Clock::time_point now = kT0;
  EXPECT_TRUE(p.may_spawn(now));
  for (int want : {1, 2, 4, 8, 16, 32, 32, 32}) {
    RestartPolicy::Verdict v = p.on_crash(now - milliseconds(500), now, false);
    EXPECT_TRUE(v.early);
    EXPECT_EQ(v.backoff_seconds, want);
    EXPECT_FALSE(p.may_spawn(now));
    EXPECT_FALSE(p.may_spawn(now + seconds(want) - milliseconds(1)));
    EXPECT_TRUE(p.may_spawn(now + seconds(want)));
    now += seconds(want);
  }
}

TEST(RestartPolicy, TheStartupWindowIsTwoSeconds) {
  RestartPolicy p;
  EXPECT_TRUE(p.on_crash(kT0, kT0 + milliseconds(1999), false).early);
  RestartPolicy q;
  RestartPolicy::Verdict late = q.on_crash(kT0, kT0 + seconds(2), false);
  EXPECT_FALSE(late.early);
  EXPECT_EQ(late.backoff_seconds, 0);
  EXPECT_TRUE(q.may_spawn(kT0 + seconds(2)));  // replaced at once
}

TEST(RestartPolicy, AStartupFailureExitCountsAsEarlyWhenever) {
  RestartPolicy p;
  RestartPolicy::Verdict v = p.on_crash(kT0, kT0 + seconds(60), true);
  EXPECT_TRUE(v.early);
  EXPECT_EQ(v.backoff_seconds, 1);
}

TEST(RestartPolicy, ALateCrashEndsTheBackOff) {
  RestartPolicy p;
  Clock::time_point now = kT0;
  p.on_crash(now, now, false);
  p.on_crash(now, now, false);
  EXPECT_EQ(p.backoff_seconds(), 2);
  now += seconds(10);
  EXPECT_FALSE(p.on_crash(now - seconds(5), now, false).early);
  EXPECT_EQ(p.backoff_seconds(), 0);
  EXPECT_EQ(p.on_crash(now, now, false).backoff_seconds, 1);  // starts over at 1
}

TEST(RestartPolicy, ResetStartsANewGenerationAtOneSecond) {
  RestartPolicy p;
  for (int i = 0; i < 4; ++i) p.on_crash(kT0, kT0, false);
  EXPECT_EQ(p.backoff_seconds(), 8);
  p.reset();
  EXPECT_EQ(p.on_crash(kT0, kT0, false).backoff_seconds, 1);
}

}  // namespace
}  // namespace mpmd::supervisor
