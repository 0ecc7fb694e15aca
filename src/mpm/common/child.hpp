// What the supervisor hands a child process, and the signals a child obeys.
#pragma once

#include <cstdint>
#include <span>

#include "config/config.hpp"
#include "mpm/common/site.hpp"
#include "net/listener.hpp"
#include "net/transport.hpp"
#include "scoreboard/scoreboard.hpp"

namespace mpmd::mpm {

struct ChildEnv {
  const config::Config* config = nullptr;
  std::span<const net::Listener> listeners;
  uint32_t generation = 0;
  int slot = 0;                                  // scoreboard process slot
  scoreboard::Scoreboard* scoreboard = nullptr;  // shared memory; null in tests
  // Effective sizing (after Apache's clamps), for the status page.
  int server_limit = 1;
  int threads_per_child = 1;
  int max_request_workers = 1;
  // What the child serves (site/), built by the supervisor after fork.
  Site* site = nullptr;
  // Makes each connection's transport (TLS on the ports that speak it; tls/,
  // built by the master before fork). Null: every connection is plain.
  const net::TransportFactory* transports = nullptr;
};

// Exit codes a child reports to the supervisor.
inline constexpr int kExitNormal = 0;
inline constexpr int kExitStartupFailed = 3;  // could not initialise: do not respawn quickly

// Closes the child's inherited descriptors of the listening sockets, once its
// serving loops hold their own (the master and other children keep theirs).
void close_inherited_listeners(const ChildEnv& env);

// A child's entry point: serves until told to stop, returns its exit code.
using ChildMain = int (*)(const ChildEnv&);

// What a child was asked to do by a signal.
enum class StopRequest { none, graceful, now };  // ordered: a later one overrides

// Blocks TERM, INT, HUP, USR1, WINCH in the calling thread and returns a
// non-blocking signalfd that reports them (-1 on failure). Children call this
// before they start serving; TERM/INT/HUP mean stop now, USR1/WINCH graceful.
int open_child_signalfd();

// Reads pending signals from the signalfd; returns the strongest request.
StopRequest read_stop_request(int signal_fd);

}  // namespace mpmd::mpm
