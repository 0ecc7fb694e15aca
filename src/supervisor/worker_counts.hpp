// What the master reports about its current generation (systemd's STATUS=,
// READY=1 once it serves): counted from the scoreboard slots of its children.
#pragma once

#include <vector>

#include "scoreboard/scoreboard.hpp"

namespace mpmd::supervisor {

struct WorkerCounts {
  int children = 0;
  int busy = 0;          // threads reading, writing, in keep-alive, ...
  int idle = 0;          // threads waiting for a connection
  bool serving = false;  // some thread accepts or serves (not just starting)
};

WorkerCounts count_workers(const scoreboard::Scoreboard& board, const std::vector<int>& slots,
                           int threads_per_child);

}  // namespace mpmd::supervisor
