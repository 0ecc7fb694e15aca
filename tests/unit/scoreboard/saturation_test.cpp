#include "scoreboard/saturation.hpp"

#include <gtest/gtest.h>

namespace mpmd::scoreboard {
namespace {

TEST(MaxWorkersWatch, LogsAtStartThenEveryIntervalAndCountsEveryCycle) {
  std::string error;
  auto board = Scoreboard::create(1, 1, error);
  Global& g = board->global();
  MaxWorkersWatch watch(60'000'000);
  using Log = MaxWorkersWatch::Log;
  EXPECT_EQ(watch.on_cycle(g, false, 0), Log::none);
  EXPECT_EQ(watch.on_cycle(g, true, 1'000'000), Log::reached);
  EXPECT_TRUE(watch.saturated());
  EXPECT_EQ(watch.since(), 1'000'000);
  for (int s = 2; s < 61; ++s) EXPECT_EQ(watch.on_cycle(g, true, s * 1'000'000), Log::none);
  EXPECT_EQ(watch.on_cycle(g, true, 61'000'000), Log::still_reached);  // Apache stays silent
  EXPECT_EQ(watch.on_cycle(g, true, 62'000'000), Log::none);
  EXPECT_EQ(watch.on_cycle(g, false, 63'000'000), Log::recovered);
  EXPECT_FALSE(watch.saturated());
  EXPECT_EQ(g.max_workers_reached.load(), 62u);
  EXPECT_EQ(watch.on_cycle(g, true, 64'000'000), Log::reached);  // a new episode logs at once
}

}  // namespace
}  // namespace mpmd::scoreboard
