#include "scoreboard/summary.hpp"

namespace mpmd::scoreboard {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
}  // namespace

size_t state_index(State s) {
  for (size_t i = 0; i < kAllStates.size(); ++i) {
    if (kAllStates[i] == s) return i;
  }
  return 0;
}

std::string_view state_label(State s) {
  switch (s) {
    case State::dead:
      return "open_slot";
    case State::starting:
      return "startup";
    case State::ready:
      return "idle";
    case State::read:
      return "read";
    case State::write:
      return "reply";
    case State::keepalive:
      return "keepalive";
    case State::log:
      return "logging";
    case State::dns:
      return "dns";
    case State::closing:
      return "closing";
    case State::graceful:
      return "graceful_stop";
    case State::idle_kill:
      return "idle_cleanup";
  }
  return "open_slot";
}

std::string_view state_description(State s) {
  switch (s) {
    case State::dead:
      return "Open slot with no current process";
    case State::starting:
      return "Starting up";
    case State::ready:
      return "Waiting for Connection";
    case State::read:
      return "Reading Request";
    case State::write:
      return "Sending Reply";
    case State::keepalive:
      return "Keepalive (read)";
    case State::log:
      return "Logging";
    case State::dns:
      return "DNS Lookup";
    case State::closing:
      return "Closing connection";
    case State::graceful:
      return "Gracefully finishing";
    case State::idle_kill:
      return "Idle cleanup of worker";
  }
  return "";
}

Summary summarize(const Scoreboard& board, uint32_t generation, int active_processes,
                  int threads_per_child) {
  Summary out;
  const Global& g = board.global();
  out.total_accesses = g.accesses_dead.load(kRelaxed);
  out.total_bytes = g.bytes_dead.load(kRelaxed);
  out.letters.reserve(size_t(board.server_limit()) * size_t(board.thread_limit()));
  for (const util::LogLoss& l : g.log_loss) {
    out.log_lines_dropped += l.dropped.load(kRelaxed);
    if (l.failing.load(kRelaxed)) ++out.logs_failing;
  }

  for (int i = 0; i < board.server_limit(); ++i) {
    const Process& p = board.process(i);
    ProcessRow row;
    row.slot = i;
    row.pid = p.pid.load(kRelaxed);
    row.generation = p.generation.load(kRelaxed);
    row.quiescing = p.quiescing.load(kRelaxed);
    row.old_generation = row.generation != generation;
    row.not_accepting = p.not_accepting.load(kRelaxed);
    const bool alive = row.pid != 0;

    for (int j = 0; j < board.thread_limit(); ++j) {
      const Worker& w = board.worker(i, j);
      State s = State(w.state.load(kRelaxed));
      if (state_index(s) == 0) s = State::dead;  // unknown letters read as open slots
      out.total_accesses += w.access_count.load(kRelaxed);
      out.total_bytes += w.bytes_served.load(kRelaxed);
      out.total_duration_usec += w.duration_usec.load(kRelaxed);
      out.python_requests += w.python_requests.load(kRelaxed);
      out.gil_wait_usec += w.gil_wait_usec.load(kRelaxed);
      row.python_requests += w.python_requests.load(kRelaxed);
      row.gil_wait_usec += w.gil_wait_usec.load(kRelaxed);
      row.log_lines_dropped += w.log_lines_dropped.load(kRelaxed);

      const bool beyond = i >= active_processes || j >= threads_per_child;
      if (!(beyond && s == State::dead)) {
        out.letters.push_back(char(s));
        ++out.state_counts[state_index(s)];
      }
      if (!alive) continue;
      switch (s) {
        case State::ready:
          if (!row.quiescing && !row.old_generation) ++row.idle;
          break;
        case State::graceful:
          ++row.graceful;
          break;
        case State::dead:
        case State::starting:
        case State::idle_kill:
          break;
        default:
          ++row.busy;
          break;
      }
    }
    out.busy += row.busy;
    out.idle += row.idle;
    out.graceful += row.graceful;
    if (!alive) continue;
    row.connections = p.connections.load(kRelaxed);
    row.keep_alive = p.keep_alive.load(kRelaxed);
    row.write_completion = p.write_completion.load(kRelaxed);
    row.lingering_close = p.lingering_close.load(kRelaxed);
    row.stuck_seconds = p.stuck_seconds.load(kRelaxed);
    if (row.stuck_seconds > 0) ++out.stuck;
    ++out.processes;
    if (row.quiescing) ++out.stopping;
    out.conns_total += row.connections;
    out.conns_keepalive += row.keep_alive;
    out.conns_writing += row.write_completion;
    out.conns_closing += row.lingering_close;
    out.process_rows.push_back(row);
  }
  return out;
}

}  // namespace mpmd::scoreboard
