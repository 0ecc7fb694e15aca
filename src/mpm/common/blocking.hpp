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

// Serves until a stop request (now: abort the connection in hand; graceful:
// finish it) or until the accept limit is reached. Returns why it ended.
StopRequest run_blocking_loop(const BlockingLoopOptions& options, Services& services,
                              int timeout_ms, int keepalive_timeout_ms);

}  // namespace mpmd::mpm
