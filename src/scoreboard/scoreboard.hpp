// The scoreboard: per-process and per-worker state in anonymous shared memory,
// mapped by the master before it forks, written by the engines, read by the
// status and metrics handlers of any child and by the master's spare-pool
// maintenance. Every field is an atomic (relaxed): readers tolerate a
// momentarily inconsistent picture, as Apache's do; text fields use a seqlock
// so a reader never sees a torn string.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/log_loss.hpp"

namespace mpmd::scoreboard {

// Apache's worker states and their letters.
enum class State : char {
  dead = '.',  // open slot, no thread
  starting = 'S',
  ready = '_',      // waiting for a connection
  read = 'R',       // reading a request
  write = 'W',      // sending a reply
  keepalive = 'K',  // waiting for the next request on a connection
  log = 'L',
  dns = 'D',
  closing = 'C',
  graceful = 'G',  // finishing its work during a graceful restart/stop
  idle_kill = 'I',
};

// Text of at most N-1 bytes, written by one writer, read by many without tearing.
template <size_t N>
class SeqText {
 public:
  void set(std::string_view s);
  std::string get() const;

 private:
  std::atomic<uint32_t> seq_{0};
  std::atomic<char> text_[N] = {};
};

struct alignas(64) Worker {
  std::atomic<char> state{char(State::dead)};
  std::atomic<int32_t> pid{0};
  std::atomic<uint64_t> tid{0};
  std::atomic<uint32_t> generation{0};
  std::atomic<uint64_t> access_count{0};     // requests served by this slot, ever
  std::atomic<uint64_t> bytes_served{0};     // body bytes, ever
  std::atomic<uint64_t> my_access_count{0};  // by the current thread of this slot
  std::atomic<uint64_t> my_bytes_served{0};
  std::atomic<uint64_t> conn_count{0};  // requests on the current connection
  std::atomic<uint64_t> conn_bytes{0};
  std::atomic<int64_t> start_usec{0};  // current/last request start (wall clock)
  std::atomic<int64_t> stop_usec{0};   // last request end
  std::atomic<int64_t> last_used_usec{0};
  std::atomic<uint64_t> duration_usec{0};      // sum of request durations, ever
  std::atomic<uint64_t> gil_wait_usec{0};      // Python (WSGI): time waiting for the GIL, ever
  std::atomic<uint64_t> python_requests{0};    // Python (WSGI): requests run, ever
  std::atomic<uint64_t> log_lines_dropped{0};  // access-log lines lost, by this slot's child
  // Monotonic µs by which the serving thread of this slot will be awake again
  // (report_progress); 0 = not serving yet. Read by the master's stuck-child watch.
  std::atomic<int64_t> progress_due_usec{0};
  SeqText<64> request;  // "GET /path HTTP/1.1"
  SeqText<48> client;   // client address
  SeqText<32> vhost;
  SeqText<16> protocol;  // "http/1.1"
};

struct alignas(64) Process {
  std::atomic<int32_t> pid{0};  // 0 = free slot
  std::atomic<uint32_t> generation{0};
  std::atomic<bool> quiescing{false};  // finishing up; takes no new connections
  std::atomic<bool> not_accepting{false};
  std::atomic<uint32_t> connections{0};  // open connections (event)
  std::atomic<uint32_t> keep_alive{0};   // of those, idle between requests
  std::atomic<uint32_t> write_completion{0};
  std::atomic<uint32_t> lingering_close{0};
  std::atomic<uint64_t> accepted{0};  // connections accepted by this process
  std::atomic<int64_t> started_usec{0};
  std::atomic<uint32_t> threads{0};  // serving threads started
  // Set by the master (StuckChildTimeout): seconds a serving thread of this
  // child is past the time it promised to be awake again; 0 = making progress.
  std::atomic<uint32_t> stuck_seconds{0};
};

// Counters that outlive children; exported by the metrics handler.
struct Global {
  std::atomic<int32_t> server_limit{0};
  std::atomic<int32_t> thread_limit{0};
  std::atomic<uint32_t> running_generation{0};
  std::atomic<int64_t> restart_usec{0};             // last (re)start of the master
  std::atomic<int64_t> start_usec{0};               // first start of the master
  std::atomic<uint64_t> max_workers_reached{0};     // maintenance cycles spent at MaxRequestWorkers
  std::atomic<uint64_t> keepalive_closed_early{0};  // idle keep-alive closed to make room
  std::atomic<uint64_t> connections_refused{0};     // accept limit / per-child limit reached
  std::atomic<uint64_t> children_spawned{0};
  std::atomic<uint64_t> children_crashed{0};
  std::atomic<uint32_t> listen_queue{0};   // connections waiting in listen queues (master samples)
  std::atomic<uint64_t> accesses_dead{0};  // accesses of slots since reused, so totals never drop
  std::atomic<uint64_t> bytes_dead{0};
  std::atomic<uint64_t> children_stuck{0};         // children found making no progress, ever
  std::atomic<uint64_t> stuck_children_killed{0};  // of those, killed (StuckChildAction kill)
  // Lines lost per access log file, counted by every child (util/log_loss.hpp).
  static constexpr size_t kLogLossEntries = 16;
  util::LogLoss log_loss[kLogLossEntries];
};

// A serving thread tells the master's stuck-child watch that it makes
// progress: it is awake at `now` (monotonic µs) and, when it is about to wait,
// will be awake again by `now + wait_usec` at the latest (its wait's timeout).
// Engines call it before and after each wait; a thread that stays past its
// promise (stopped, deadlocked, stuck in one request) is what the watch finds.
inline void report_progress(Worker* w, int64_t now, int64_t wait_usec = 0) {
  if (w) w->progress_due_usec.store(now + wait_usec, std::memory_order_relaxed);
}

class Scoreboard {
 public:
  // Maps shared memory for server_limit processes × thread_limit workers.
  // Call in the master before fork. Returns null and sets `error` on failure.
  static std::unique_ptr<Scoreboard> create(int server_limit, int thread_limit, std::string& error);
  ~Scoreboard();
  Scoreboard(const Scoreboard&) = delete;
  Scoreboard& operator=(const Scoreboard&) = delete;

  int server_limit() const { return server_limit_; }
  int thread_limit() const { return thread_limit_; }
  Global& global() { return *global_; }
  const Global& global() const { return *global_; }
  Process& process(int slot) { return processes_[slot]; }
  const Process& process(int slot) const { return processes_[slot]; }
  Worker& worker(int slot, int thread) { return workers_[size_t(slot) * thread_limit_ + thread]; }
  const Worker& worker(int slot, int thread) const {
    return workers_[size_t(slot) * thread_limit_ + thread];
  }

 private:
  Scoreboard() = default;
  int server_limit_ = 0;
  int thread_limit_ = 0;
  void* base_ = nullptr;
  size_t size_ = 0;
  Global* global_ = nullptr;
  Process* processes_ = nullptr;
  Worker* workers_ = nullptr;
};

}  // namespace mpmd::scoreboard

namespace mpmd::scoreboard {
// SeqText is instantiated in scoreboard.cpp for the sizes the slots use.
extern template class SeqText<16>;
extern template class SeqText<32>;
extern template class SeqText<48>;
extern template class SeqText<64>;
}  // namespace mpmd::scoreboard
