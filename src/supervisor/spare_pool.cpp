#include "supervisor/spare_pool.hpp"

#include <algorithm>

namespace mpmd::supervisor {

PoolDecision SparePool::decide(const PoolCounts& c) {
  PoolDecision d;
  if (c.idle > c.max_spare) {
    d.stop_one = true;
    rate_ = 1;
  } else if (c.idle < c.min_spare) {
    int free = c.max_processes - c.active;
    if (free <= 0) {
      d.at_max = true;
      rate_ = 1;
    } else {
      d.spawn = std::min(rate_, free);
      d.seems_busy = rate_ >= 8;
      rate_ = std::min(rate_ * 2, kMaxSpawnRate);
    }
  } else {
    rate_ = 1;
  }
  return d;
}

}  // namespace mpmd::supervisor
