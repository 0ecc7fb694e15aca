// The master's bookkeeping of its children, apart from the processes
// themselves so it can be tested: which scoreboard slots are taken, by which
// generation, and which children are stopping (ChildTable); and when a dead
// child may be replaced (RestartPolicy: crash back-off).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace mpmd::supervisor {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = 0;
  int slot = 0;
  uint32_t generation = 0;
  Clock::time_point started;
  bool stopping = false;    // told to finish up (spare-pool trim or graceful restart)
  bool terminated = false;  // sent SIGTERM after its drain deadline
  bool stuck = false;       // making no progress (StuckWatch)
  bool killed = false;      // sent SIGKILL for it (StuckChildAction kill)
};

// The live children, oldest first, each in its own scoreboard process slot.
class ChildTable {
 public:
  // The lowest slot below `slot_limit` (ServerLimit) that no child holds; -1 if none.
  int free_slot(int slot_limit) const;
  Child& add(const Child& child);
  // The child with `pid`, taken out of the table (reaped); nullopt if unknown.
  std::optional<Child> remove(pid_t pid);

  // Of `generation` and not stopping: what the pool counts as running.
  static bool current(const Child& c, uint32_t generation) {
    return c.generation == generation && !c.stopping;
  }
  int count_current(uint32_t generation) const;

  std::vector<Child>& all() { return children_; }
  const std::vector<Child>& all() const { return children_; }
  bool empty() const { return children_.empty(); }
  size_t size() const { return children_.size(); }

 private:
  std::vector<Child> children_;
};

// Apache's answer to children that die as they start (a broken module, a
// missing file): wait 1, 2, 4 ... 32 s between attempts instead of forking in
// a loop. A child that dies later is replaced at once.
class RestartPolicy {
 public:
  static constexpr Clock::duration kStartupWindow = std::chrono::seconds(2);
  static constexpr int kMaxBackoffSeconds = 32;

  struct Verdict {
    bool early = false;       // died at start-up (within the window, or said so)
    int backoff_seconds = 0;  // > 0 when early: no spawning for this long
  };

  // A child of the current generation exited abnormally at `now`.
  // `startup_failed`: its exit code said it could not initialise.
  Verdict on_crash(Clock::time_point started, Clock::time_point now, bool startup_failed);

  // Whether children may be forked at `now` (no back-off in force).
  bool may_spawn(Clock::time_point now) const { return now >= next_spawn_allowed_; }
  int backoff_seconds() const { return backoff_; }
  // A new generation starts afresh.
  void reset() { backoff_ = 0; }

 private:
  int backoff_ = 0;
  Clock::time_point next_spawn_allowed_{};
};

}  // namespace mpmd::supervisor
