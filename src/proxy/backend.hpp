// Connections to one backend (a ProxyPass URL): blocking with timeouts
// (poll), TCP or a Unix socket, kept alive in a per-child pool shared by the
// child's threads, and the backend's error state (retry=).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "util/clock.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::proxy {

// Ours: idle backend connections are closed after this long (ttl=), below
// the common backends' own keep-alive timeouts (gunicorn gthread 2 s, Node 5 s),
// so that the proxy, not the backend, closes an idle connection.
inline constexpr config::Millis kDefaultTtl{1000};
// Ours: idle connections pooled per backend and child (max=).
inline constexpr uint32_t kDefaultMaxIdle = 16;

enum class IoError : uint8_t { none, closed, timeout, failed };

// One connection to a backend.
class Conn {
 public:
  Conn() = default;
  Conn(util::UniqueFd fd, bool reused) : fd_(std::move(fd)), reused_(reused) {}
  bool open() const { return bool(fd_); }
  bool reused() const { return reused_; }
  int fd() const { return fd_.get(); }
  util::UniqueFd release() { return std::move(fd_); }
  void close() { fd_.reset(); }

  // Writes all of `data` within `timeout` per wait.
  IoError write_all(std::string_view data, config::Millis timeout);
  // Reads what is there (at most into.size()), waiting up to `timeout`;
  // `got` 0 with none = the backend closed.
  IoError read_some(std::span<char> into, size_t& got, config::Millis timeout);

 private:
  util::UniqueFd fd_;
  bool reused_ = false;
};

// A backend and its pool of idle connections, one per child (thread-safe).
class Backend {
 public:
  Backend(const config::ProxyRoute& route, config::Millis default_timeout);

  const config::ProxyRoute& route() const { return route_; }
  // "http://host:port" or "unix:/path", for log lines.
  const std::string& name() const { return name_; }
  config::Millis timeout() const { return timeout_; }

  // True while the backend is in error state (retry=): requests get 503 at once.
  bool in_error(util::Usec now) const;
  void mark_error(util::Usec now);
  void mark_ok();

  // Requests in flight to it now (lbmethod=bybusyness).
  int busy() const { return busy_.load(std::memory_order_relaxed); }
  void add_busy(int n) { busy_.fetch_add(n, std::memory_order_relaxed); }

  // An idle pooled connection that is still open, or none.
  Conn take_idle(util::Usec now);
  // A new connection; an error message on failure (refused, no route, timeout).
  util::UniqueFd connect(std::string& error, bool& timed_out);
  // Gives a connection back for reuse (disablereuse, a full pool: closed).
  void give_back(Conn conn, util::Usec now);

 private:
  struct Idle {
    util::UniqueFd fd;
    util::Usec since = 0;
  };
  config::ProxyRoute route_;
  std::string name_;
  config::Millis timeout_;
  config::Millis connect_timeout_;
  config::Millis ttl_;
  uint32_t max_idle_;
  mutable std::mutex mutex_;
  std::deque<Idle> idle_;  // most recently used at the back
  util::Usec error_until_ = 0;
  std::atomic<int> busy_{0};
};

}  // namespace mpmd::proxy
