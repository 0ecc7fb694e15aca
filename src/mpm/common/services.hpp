// Everything one serving thread needs besides its sockets: its part of the
// site (handler chain, exchange observer), the clock and date cache, and the
// HTTP settings derived from the config. One instance per thread.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "http/connection.hpp"
#include "mpm/common/child.hpp"
#include "mpm/common/site.hpp"
#include "util/clock.hpp"
#include "util/executor.hpp"

namespace mpmd::mpm {

class Services {
 public:
  // `thread`: this thread's worker slot in the child's scoreboard process slot.
  // `blocking_pool`: where blocking application handlers run (null = here).
  Services(const ChildEnv& env, int thread, util::Executor* blocking_pool = nullptr);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  http::Handler& handler() { return site_->handler(); }
  http::ExchangeObserver* observer() { return site_->observer(); }
  const http::Settings& settings() const { return settings_; }
  const util::Clock& clock() const { return clock_; }
  util::DateCache& dates() { return dates_; }
  // Call often; flushes the access log when a second has passed since the last flush.
  void tick(util::Usec now) { site_->tick(now); }
  void flush() { site_->flush(); }

 private:
  http::BufferPool buffers_;
  http::Settings settings_;
  util::SystemClock clock_;
  util::DateCache dates_;
  std::unique_ptr<SiteThread> site_;
};

// HTTP settings from the config (limits, keep-alive, Server header per ServerTokens).
http::Settings http_settings(const config::Config& config, http::BufferPool* buffers = nullptr);

}  // namespace mpmd::mpm
