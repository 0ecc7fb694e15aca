#include "scoreboard/saturation.hpp"

namespace mpmd::scoreboard {

MaxWorkersWatch::Log MaxWorkersWatch::on_cycle(Global& global, bool at_max, util::Usec now) {
  if (!at_max) {
    if (since_ == kNever) return Log::none;
    since_ = kNever;
    return Log::recovered;
  }
  global.max_workers_reached.fetch_add(1, std::memory_order_relaxed);
  if (since_ == kNever) {
    since_ = now;
    last_logged_ = now;
    return Log::reached;
  }
  if (now - last_logged_ >= repeat_) {
    last_logged_ = now;
    return Log::still_reached;
  }
  return Log::none;
}

}  // namespace mpmd::scoreboard
