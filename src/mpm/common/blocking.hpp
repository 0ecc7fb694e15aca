// The serving loop of the blocking engines (prefork children, worker threads):
// wait for a connection, serve it to completion, repeat. It drives the same
// http::Connection through the same pump() as the event engine, waiting with
// poll() where event waits with epoll.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>

#include "mpm/common/child.hpp"
#include "mpm/common/services.hpp"
#include "net/listener.hpp"
#include "scoreboard/scoreboard.hpp"

namespace mpmd::mpm {

// How a serving loop learns that it must stop: `fd` becomes readable and
// `poll_request()` says what was asked.
struct StopSource {
  int fd = -1;
  StopRequest (*poll_request)(void* context) = nullptr;
  void* context = nullptr;
};

struct BlockingLoopOptions {
  std::span<const net::Listener> listeners;
  const net::TransportFactory* transports = nullptr;  // null: plain connections
  StopSource stop;
  scoreboard::Worker* worker = nullptr;  // this loop's scoreboard slot (may be null)
  // Shared by all loops of a process: connections accepted so far, and the
  // MaxConnectionsPerChild limit (0 = none). Reaching it stops accepting.
  std::atomic<uint64_t>* accepted = nullptr;
  uint64_t max_connections = 0;
  const config::Http* http = nullptr;  // RequestReadTimeout
  // Called once the loop holds its own copies of the listening sockets: the
  // process may then close the ones it inherited.
  std::function<void()> on_started;
};

namespace detail {

// Yield before sleeping. Under load a blocking engine runs one thread (or
// process) per connection, and each request costs a sleep in poll() and a
// wake-up by the network stack. When the CPU is busy with the other serving
// threads, the next request of a keep-alive connection usually arrives while
// they run: giving up the CPU once (sched_yield) and reading again finds it
// there, without the poll and wake-up (measured on one core, 4 KB file, 64
// keep-alive clients: worker +25% requests/s, prefork +5%, where the process
// switch costs more). When yielding does not pay (an idle CPU, a slow
// client), the gate closes and the loop only probes now and then.
class YieldGate {
 public:
  // Whether to yield before this wait.
  bool should_yield() {
    if (credit_ > 0) return true;
    if (--probe_countdown_ > 0) return false;
    probe_countdown_ = kProbeEvery;
    return true;
  }
  // After a yield: did the read that followed find input? A hit saves a
  // poll and a wake-up; a miss costs one sched_yield: yielding pays while
  // more than about one in five yields hit.
  void record(bool found_input) {
    if (found_input) {
      credit_ = credit_ + kHitCredit < kMaxCredit ? credit_ + kHitCredit : kMaxCredit;
    } else if (credit_ > 0) {
      --credit_;
    }
  }

  // Between a yield and the read after it: whether the loop yielded.
  void mark_yielded() { yielded_ = true; }
  // After the read that followed a wait: if the loop had yielded before it,
  // records whether the read found input and returns whether it missed.
  bool settle(bool found_input) {
    if (!yielded_) return false;
    yielded_ = false;
    record(found_input);
    return !found_input;
  }

  static constexpr int kHitCredit = 4;
  static constexpr int kMaxCredit = 64;
  static constexpr int kProbeEvery = 32;

 private:
  int credit_ = kHitCredit;
  int probe_countdown_ = kProbeEvery;
  bool yielded_ = false;
};

}  // namespace detail

// Serves until a stop request (now: abort the connection in hand; graceful:
// finish it) or until the accept limit is reached. Returns why it ended.
StopRequest run_blocking_loop(const BlockingLoopOptions& options, Services& services,
                              int timeout_ms, int keepalive_timeout_ms);

}  // namespace mpmd::mpm
