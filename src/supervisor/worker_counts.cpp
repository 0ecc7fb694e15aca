#include "supervisor/worker_counts.hpp"

namespace mpmd::supervisor {

WorkerCounts count_workers(const scoreboard::Scoreboard& board, const std::vector<int>& slots,
                           int threads_per_child) {
  using scoreboard::State;
  WorkerCounts n;
  for (int slot : slots) {
    ++n.children;
    for (int t = 0; t < threads_per_child; ++t) {
      char s = board.worker(slot, t).state.load(std::memory_order_relaxed);
      if (s == char(State::dead) || s == char(State::starting)) continue;
      if (s == char(State::ready)) {
        ++n.idle;
      } else {
        ++n.busy;
      }
      if (s != char(State::graceful) && s != char(State::idle_kill)) n.serving = true;
    }
  }
  return n;
}

}  // namespace mpmd::supervisor
