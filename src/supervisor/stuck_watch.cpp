#include "supervisor/stuck_watch.hpp"

#include <signal.h>

#include <algorithm>
#include <string>
#include <utility>

#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::supervisor {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
}  // namespace

ChildProgress child_progress(const scoreboard::Scoreboard& board, int slot, int threads,
                             util::Usec now) {
  ChildProgress out;
  threads = std::min(threads, board.thread_limit());
  for (int t = 0; t < threads; ++t) {
    const scoreboard::Worker& w = board.worker(slot, t);
    const util::Usec due = w.progress_due_usec.load(kRelaxed);
    if (due == 0 || w.state.load(kRelaxed) == char(scoreboard::State::dead)) continue;
    if (now - due > out.overdue) {
      out.overdue = now - due;
      out.thread = t;
    }
  }
  return out;
}

StuckWatch::StuckWatch(Killer killer) : killer_(std::move(killer)) {
  if (!killer_) killer_ = [](pid_t pid) { ::kill(pid, SIGKILL); };
}

void StuckWatch::check(std::vector<Child>& children, scoreboard::Scoreboard& board,
                       int threads_per_child, std::chrono::milliseconds timeout, bool kill,
                       util::Usec now) {
  const util::Usec limit = util::Usec(timeout.count()) * 1000;
  for (Child& c : children) {
    scoreboard::Process& proc = board.process(c.slot);
    const ChildProgress p =
        limit > 0 ? child_progress(board, c.slot, threads_per_child, now) : ChildProgress{};
    const auto who = [&c] {
      return "child pid " + std::to_string(c.pid) + " (slot " + std::to_string(c.slot) + ")";
    };
    if (limit > 0 && p.overdue >= limit) {
      const uint64_t seconds = uint64_t(p.overdue / 1'000'000);
      proc.stuck_seconds.store(uint32_t(std::max<uint64_t>(1, seconds)), kRelaxed);
      if (!c.stuck) {
        c.stuck = true;
        board.global().children_stuck.fetch_add(1, kRelaxed);
        log::emit(log::LogLevel::error, log::ids::kChildStuck,
                  who() + " has made no progress for " + std::to_string(seconds) +
                      " s: its serving thread " + std::to_string(p.thread) +
                      " is stopped, deadlocked or stuck in one request (StuckChildTimeout " +
                      std::to_string(timeout.count() / 1000) + " s)" +
                      (kill ? "; killing it (StuckChildAction kill)" : ""));
      }
      if (kill && !c.killed) {
        c.killed = true;
        board.global().stuck_children_killed.fetch_add(1, kRelaxed);
        killer_(c.pid);
      }
    } else if (c.stuck) {
      c.stuck = false;
      proc.stuck_seconds.store(0, kRelaxed);
      log::emit(log::LogLevel::notice, log::ids::kChildStuck,
                who() + " makes progress again" + (limit > 0 ? "" : " (StuckChildTimeout 0)"));
    }
  }
}

}  // namespace mpmd::supervisor
