// "Server reached MaxRequestWorkers": Apache logs it once and then stays
// silent however long the saturation lasts. The master feeds this watch once
// per maintenance cycle; it counts every cycle spent at the limit in
// Global::max_workers_reached (exported as a counter) and says when to log:
// at the start of an episode and again every `repeat` while it lasts.
#pragma once

#include <cstdint>

#include "scoreboard/scoreboard.hpp"
#include "util/clock.hpp"

namespace mpmd::scoreboard {

class MaxWorkersWatch {
 public:
  enum class Log { none, reached, still_reached, recovered };

  explicit MaxWorkersWatch(util::Usec repeat = 60'000'000) : repeat_(repeat) {}

  // `at_max`: no idle worker and no room to start another child this cycle.
  Log on_cycle(Global& global, bool at_max, util::Usec now);

  bool saturated() const { return since_ != kNever; }
  // When the current episode began (valid while saturated()).
  util::Usec since() const { return since_; }

 private:
  static constexpr util::Usec kNever = -1;
  util::Usec repeat_;
  util::Usec since_ = kNever;
  util::Usec last_logged_ = 0;
};

}  // namespace mpmd::scoreboard
