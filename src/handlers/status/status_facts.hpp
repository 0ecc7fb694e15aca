// What the status and metrics handlers know about the server besides the
// scoreboard: fixed at startup (or at a restart), shared by every handler of a
// child. The engine keeps one StatusFacts per child and passes it by reference.
#pragma once

#include <string>

#include "util/clock.hpp"

namespace mpmd::handlers::status {

struct StatusFacts {
  std::string server_name;                    // ServerName; empty = this host's name
  std::string server_version = "mpmd/0.1.0";  // ServerVersion (NAME/X.Y.Z, as exporters parse it)
  std::string mpm = "event";                  // ServerMPM: prefork, worker or event
  std::string event_backend;                  // event: EventBackend (epoll, ...); "" otherwise
  std::string server_built;                   // empty = this binary's build date
  int server_limit = 1;
  int threads_per_child = 1;  // 1 for prefork
  int max_request_workers = 1;
  // event: the per-process table and the Processes/Stopping/Conns* keys.
  bool async = false;
  // Null = the system clock; tests pass a ManualClock.
  const util::Clock* clock = nullptr;

  // Process slots that may be active at once: MaxRequestWorkers / ThreadsPerChild.
  int active_processes() const;
};

}  // namespace mpmd::handlers::status
