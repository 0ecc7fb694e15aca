// What an engine knows of the site it serves: one small interface, so that
// mpm/ never assembles handlers, applications or logs (site/ does, and the
// supervisor hands the result to the engine in ChildEnv).
#pragma once

#include <memory>

#include "http/handler.hpp"
#include "util/clock.hpp"
#include "util/executor.hpp"

namespace mpmd::mpm {

// What one serving thread uses: its handler chain and the observer of
// finished exchanges (access log, scoreboard counters). Not thread-safe: one
// per serving thread.
class SiteThread {
 public:
  virtual ~SiteThread() = default;
  virtual http::Handler& handler() = 0;
  virtual http::ExchangeObserver* observer() = 0;  // null = nothing to tell
  // Call often (at least once a second): periodic work such as log flushes.
  virtual void tick(util::Usec now) = 0;
  // Writes out what is buffered (access log lines); also done on destruction.
  virtual void flush() = 0;
};

// One child's site. Built after fork, before the engine serves.
class Site {
 public:
  virtual ~Site() = default;
  // `thread`: the serving thread's slot in the child's scoreboard process
  // slot. `blocking_pool`: where blocking application handlers run (the event
  // engine's pool); null = in place, on the serving thread.
  virtual std::unique_ptr<SiteThread> open_thread(int thread, util::Executor* blocking_pool) = 0;
  // Stopping now: work waiting on other processes (offload results) fails at
  // once, so handlers and deferred responses finish. Any thread.
  virtual void child_stop() = 0;
};

}  // namespace mpmd::mpm
