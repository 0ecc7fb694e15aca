// Everything one serving thread needs besides its sockets: the handler chain
// (router, static files, status), the access log, the clock and date cache,
// and the HTTP settings derived from the config. One instance per thread.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "http/connection.hpp"
#include "mpm/common/child.hpp"
#include "scoreboard/scoreboard.hpp"
#include "util/clock.hpp"

namespace mpmd::static_files {
class StaticFiles;
}

namespace mpmd::mpm {

// What the serving threads of one child can share: the static-file handler
// (thread-safe: its cache, MIME table and root directory), so a worker child
// holds one of each instead of one per thread (with a full mime.types, 256
// copies cost ~55 MB), and a hot file is read and revalidated once per child.
class SharedServices {
 public:
  explicit SharedServices(const ChildEnv& env);
  ~SharedServices();
  SharedServices(const SharedServices&) = delete;
  SharedServices& operator=(const SharedServices&) = delete;

  static_files::StaticFiles& files() { return *files_; }

 private:
  util::SystemClock clock_;
  std::unique_ptr<static_files::StaticFiles> files_;
};

class Services {
 public:
  // `thread`: this thread's worker slot in the child's scoreboard process slot.
  // `shared`: what this thread shares with the child's other threads (must
  // outlive this); null = its own of everything.
  Services(const ChildEnv& env, int thread, SharedServices* shared = nullptr);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  http::Handler& handler();
  http::ExchangeObserver* observer();
  const http::Settings& settings() const { return settings_; }
  const util::Clock& clock() const { return clock_; }
  util::DateCache& dates() { return dates_; }
  // Call often; flushes the access log when a second has passed since the last flush.
  void tick(util::Usec now);
  void flush();

 private:
  struct Impl;
  http::BufferPool buffers_;
  http::Settings settings_;
  util::SystemClock clock_;
  util::DateCache dates_;
  util::Usec last_flush_ = 0;
  std::unique_ptr<Impl> impl_;  // last: it refers to clock_
};

// HTTP settings from the config (limits, keep-alive, Server header per ServerTokens).
http::Settings http_settings(const config::Config& config, http::BufferPool* buffers = nullptr);

}  // namespace mpmd::mpm
