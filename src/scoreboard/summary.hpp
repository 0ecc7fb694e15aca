// A read-side digest of the scoreboard, counted by Apache's rules: used by the
// status and metrics handlers and by the master's spare-pool maintenance.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scoreboard/scoreboard.hpp"

namespace mpmd::scoreboard {

// All states, in Apache's numeric order (DEAD = 0 ... IDLE_KILL = 10).
inline constexpr std::array<State, 11> kAllStates = {
    State::dead,    State::starting,  State::ready,    State::read,
    State::write,   State::keepalive, State::log,      State::dns,
    State::closing, State::graceful,  State::idle_kill};

// Index of `s` in kAllStates; unknown letters map to dead.
size_t state_index(State s);
// Label as prometheus-apache-exporter names it (so dashboards carry over):
// "idle", "startup", "read", "reply", "keepalive", "logging", "dns", "closing",
// "graceful_stop", "idle_cleanup", "open_slot".
std::string_view state_label(State s);
// mod_status's legend text ("Waiting for Connection", ...).
std::string_view state_description(State s);

// One process slot with a pid (the event per-process table).
struct ProcessRow {
  int slot = 0;
  int32_t pid = 0;
  uint32_t generation = 0;
  bool quiescing = false;
  bool old_generation = false;
  bool not_accepting = false;
  uint32_t connections = 0;
  uint32_t keep_alive = 0;
  uint32_t write_completion = 0;
  uint32_t lingering_close = 0;
  int busy = 0;
  int graceful = 0;
  int idle = 0;
  uint64_t python_requests = 0;  // WSGI requests its workers ran, and their GIL wait
  uint64_t gil_wait_usec = 0;
  uint32_t stuck_seconds = 0;      // no progress for this long (master's watch); 0 = fine
  uint64_t log_lines_dropped = 0;  // access-log lines this child lost
};

struct Summary {
  int busy = 0;       // every state but DEAD, STARTING, READY, GRACEFUL, IDLE_KILL (K is busy)
  int idle = 0;       // READY in current-generation, non-quiescing processes
  int graceful = 0;   // GRACEFUL
  int processes = 0;  // process slots with a pid
  int stopping = 0;   // of those, quiescing
  uint64_t total_accesses = 0;  // including Global::accesses_dead
  uint64_t total_bytes = 0;     // including Global::bytes_dead
  uint64_t total_duration_usec = 0;
  uint64_t python_requests = 0;  // WSGI requests run (python/), and their wait for the GIL
  uint64_t gil_wait_usec = 0;
  uint32_t conns_total = 0;
  uint32_t conns_keepalive = 0;
  uint32_t conns_writing = 0;
  uint32_t conns_closing = 0;
  int stuck = 0;                   // processes the master found making no progress
  uint64_t log_lines_dropped = 0;  // access-log lines lost by every child, ever
  int logs_failing = 0;            // access log files whose writes fail now
  // One letter per slot, process-major; DEAD slots beyond the active processes
  // or beyond threads_per_child are left out (as mod_status does).
  std::string letters;
  // How many of `letters` are in each state, indexed like kAllStates.
  std::array<int, 11> state_counts{};
  std::vector<ProcessRow> process_rows;
};

// `generation`: the running generation; `active_processes`: how many process
// slots may be active (MaxRequestWorkers / ThreadsPerChild, or the process
// count for prefork); `threads_per_child`: 1 for prefork. Workers count only in
// process slots with a pid, as in Apache.
Summary summarize(const Scoreboard& board, uint32_t generation, int active_processes,
                  int threads_per_child);

}  // namespace mpmd::scoreboard
