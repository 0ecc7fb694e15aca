// What the supervisor hands a child process, and the signals a child obeys.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "net/listener.hpp"
#include "scoreboard/scoreboard.hpp"
#include "util/executor.hpp"

namespace mpmd::app {
class Applications;  // app/applications.hpp
}  // namespace mpmd::app

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
  // Where blocking application handlers run: the event engine's per-child
  // pool of ThreadsPerChild threads. Null in prefork and worker, where
  // handlers run in place on the serving thread.
  util::Executor* blocking_pool = nullptr;
  // The applications of this child's generation (LoadApplication), already
  // child-initialised; Services mounts each one as a SetHandler. Null = none.
  const app::Applications* applications = nullptr;
};

// Exit codes a child reports to the supervisor.
inline constexpr int kExitNormal = 0;
inline constexpr int kExitStartupFailed = 3;  // could not initialise: do not respawn quickly

// Closes the child's inherited descriptors of the listening sockets, once its
// serving loops hold their own (the master and other children keep theirs).
void close_inherited_listeners(const ChildEnv& env);

// A child's entry point: serves until told to stop, returns its exit code.
using ChildMain = int (*)(const ChildEnv&);

// The engine named in the config ("event", ...), or nullptr if unknown.
ChildMain find_engine(std::string_view name);

// What a child was asked to do by a signal.
enum class StopRequest { none, graceful, now };  // ordered: a later one overrides

// Blocks TERM, INT, HUP, USR1, WINCH in the calling thread and returns a
// non-blocking signalfd that reports them (-1 on failure). Children call this
// before they start serving; TERM/INT/HUP mean stop now, USR1/WINCH graceful.
int open_child_signalfd();

// Reads pending signals from the signalfd; returns the strongest request.
StopRequest read_stop_request(int signal_fd);

}  // namespace mpmd::mpm
