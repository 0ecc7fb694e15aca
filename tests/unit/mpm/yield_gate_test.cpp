#include "mpm/common/blocking.hpp"

#include <gtest/gtest.h>

namespace mpmd::mpm::detail {
namespace {

// How many waits until the gate says yes (-1: never).
int waits_until_yield(YieldGate& gate) {
  for (int n = 1; n <= 10 * YieldGate::kProbeEvery; ++n) {
    if (gate.should_yield()) return n;
  }
  return -1;
}

TEST(YieldGate, OpenAtStartAndStaysOpenWhileYieldsFindInput) {
  YieldGate gate;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(gate.should_yield());
    gate.record(true);
  }
}

TEST(YieldGate, ClosesWhenYieldsFindNothingThenOnlyProbes) {
  YieldGate gate;
  int yields = 0;
  for (int i = 0; i < 1000; ++i) {
    if (gate.should_yield()) {
      ++yields;
      gate.record(false);
    }
  }
  // A few misses at the start, then one probe per kProbeEvery waits.
  EXPECT_LE(yields, YieldGate::kHitCredit + 1000 / YieldGate::kProbeEvery + 1);
  EXPECT_GE(yields, 1000 / YieldGate::kProbeEvery - 1);
}

TEST(YieldGate, ProbeThatFindsInputReopens) {
  YieldGate gate;
  while (gate.should_yield()) gate.record(false);
  EXPECT_EQ(waits_until_yield(gate), YieldGate::kProbeEvery - 1);
  gate.record(true);
  for (int i = 0; i < YieldGate::kHitCredit; ++i) {
    EXPECT_TRUE(gate.should_yield()) << i;
    gate.record(false);
  }
  EXPECT_FALSE(gate.should_yield());
}

TEST(YieldGate, StaysOpenWhenOneYieldInFourFindsInput) {
  // A hit saves a poll and a wake-up, a miss costs a sched_yield: the gate
  // must stay open at hit rates where yielding still pays.
  YieldGate gate;
  int yields = 0;
  for (int i = 0; i < 1000; ++i) {
    if (gate.should_yield()) {
      gate.record(yields % 4 == 0);
      ++yields;
    }
  }
  EXPECT_EQ(yields, 1000);
}

}  // namespace
}  // namespace mpmd::mpm::detail
