#include "supervisor/spare_pool.hpp"

#include <gtest/gtest.h>

namespace mpmd::supervisor {
namespace {

TEST(SparePool, SpawnRateDoublesUpTo32WhileBelowMinimum) {
  SparePool pool;
  PoolCounts c{.idle = 0, .active = 1, .max_processes = 1000, .min_spare = 500, .max_spare = 600};
  std::vector<int> spawned;
  for (int i = 0; i < 8; ++i) spawned.push_back(pool.decide(c).spawn);
  EXPECT_EQ(spawned, (std::vector<int>{1, 2, 4, 8, 16, 32, 32, 32}));
}

TEST(SparePool, SeemsBusyFromRateEight) {
  SparePool pool;
  PoolCounts c{.idle = 0, .active = 1, .max_processes = 1000, .min_spare = 5, .max_spare = 10};
  std::vector<bool> busy;
  for (int i = 0; i < 5; ++i) busy.push_back(pool.decide(c).seems_busy);
  EXPECT_EQ(busy, (std::vector<bool>{false, false, false, true, true}));
}

TEST(SparePool, SpawnNeverExceedsFreeProcesses) {
  SparePool pool;
  PoolCounts c{.idle = 0, .active = 9, .max_processes = 10, .min_spare = 5, .max_spare = 10};
  pool.decide(c);
  pool.decide(c);
  EXPECT_EQ(pool.decide(c).spawn, 1);
}

TEST(SparePool, AtMaxRequestWorkersReportsAndResetsRate) {
  SparePool pool;
  PoolCounts c{.idle = 0, .active = 4, .max_processes = 8, .min_spare = 5, .max_spare = 10};
  pool.decide(c);
  pool.decide(c);
  EXPECT_EQ(pool.rate(), 4);
  c.active = 8;
  PoolDecision d = pool.decide(c);
  EXPECT_TRUE(d.at_max);
  EXPECT_EQ(d.spawn, 0);
  EXPECT_EQ(pool.rate(), 1);
}

TEST(SparePool, StopsOneIdleChildPerCycleAboveMaximum) {
  SparePool pool;
  PoolCounts c{.idle = 30, .active = 30, .max_processes = 256, .min_spare = 5, .max_spare = 10};
  PoolDecision d = pool.decide(c);
  EXPECT_TRUE(d.stop_one);
  EXPECT_EQ(d.spawn, 0);
}

TEST(SparePool, WithinBoundsDoesNothingAndResetsRate) {
  SparePool pool;
  PoolCounts low{.idle = 0, .active = 1, .max_processes = 256, .min_spare = 5, .max_spare = 10};
  pool.decide(low);
  pool.decide(low);
  PoolCounts ok{.idle = 7, .active = 7, .max_processes = 256, .min_spare = 5, .max_spare = 10};
  PoolDecision d = pool.decide(ok);
  EXPECT_FALSE(d.stop_one);
  EXPECT_EQ(d.spawn, 0);
  EXPECT_EQ(pool.rate(), 1);
}

}  // namespace
}  // namespace mpmd::supervisor
