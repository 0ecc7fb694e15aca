// Apache's idle-capacity maintenance, once per second (apache-mpm.md §2):
// spawn at a doubling rate (1, 2, 4, ... 32 a second) while idle capacity is
// below the minimum, stop one idle child a second while it is above the
// maximum. Pure decision logic: the master counts and acts.
#pragma once

namespace mpmd::supervisor {

struct PoolCounts {
  int idle = 0;           // idle servers (prefork) or idle threads (worker)
  int active = 0;         // current-generation processes not stopping
  int max_processes = 0;  // MaxRequestWorkers / ThreadsPerChild
  int min_spare = 0;
  int max_spare = 0;
};

struct PoolDecision {
  int spawn = 0;            // children to fork now
  bool stop_one = false;    // stop one idle child gracefully
  bool at_max = false;      // more capacity is wanted but MaxRequestWorkers is reached
  bool seems_busy = false;  // spawning at rate >= 8: "server seems busy"
};

class SparePool {
 public:
  static constexpr int kMaxSpawnRate = 32;

  PoolDecision decide(const PoolCounts& counts);
  int rate() const { return rate_; }
  void reset() { rate_ = 1; }

 private:
  int rate_ = 1;
};

}  // namespace mpmd::supervisor
