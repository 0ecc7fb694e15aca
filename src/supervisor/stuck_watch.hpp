// The master's watch for children that make no progress (StuckChildTimeout,
// StuckChildAction). Every serving thread publishes in the scoreboard when it
// will be awake again (scoreboard::report_progress, before and after each
// wait: an event loop at least once a second, a prefork or worker thread when
// its wait for a connection, a request or the client ends). A thread that is
// past that time by the timeout is stuck: its child was stopped (SIGSTOP, a
// debugger), is deadlocked, or is spinning or blocked in one request. Such a
// child is shown on the status page (Process::stuck_seconds), logged once
// (MPMD0044) and, with StuckChildAction kill, killed: the reaper replaces it
// as it replaces a crashed child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <vector>

#include "scoreboard/scoreboard.hpp"
#include "supervisor/children.hpp"
#include "util/clock.hpp"

namespace mpmd::supervisor {

// How far behind the child in `slot` is: its serving thread (of the first
// `threads`) most past the time it promised to be awake, at monotonic `now`.
// Threads that have not served yet, or have ended, promise nothing.
struct ChildProgress {
  util::Usec overdue = 0;  // 0 = every thread is on time
  int thread = -1;         // the thread most overdue
};
ChildProgress child_progress(const scoreboard::Scoreboard& board, int slot, int threads,
                             util::Usec now);

class StuckWatch {
 public:
  using Killer = std::function<void(pid_t)>;
  // `killer` ends a stuck child; by default SIGKILL (tests record instead).
  explicit StuckWatch(Killer killer = {});

  // Once per master cycle, at monotonic `now`: marks each child stuck or not
  // (Child::stuck, the scoreboard's Process::stuck_seconds), logs each change
  // and, with `kill`, kills each child found stuck, once. `timeout` 0 = off.
  void check(std::vector<Child>& children, scoreboard::Scoreboard& board, int threads_per_child,
             std::chrono::milliseconds timeout, bool kill, util::Usec now);

 private:
  Killer killer_;
};

}  // namespace mpmd::supervisor
