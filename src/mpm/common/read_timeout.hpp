// RequestReadTimeout (Apache's mod_reqtimeout): a request head must arrive
// within `min` seconds, extended by one second per MinRate bytes received, up
// to `max`; the body likewise. Slow clients (slowloris) get 408 and are closed
// instead of holding a connection for Timeout after Timeout.
#pragma once

#include "config/config.hpp"
#include "http/connection.hpp"
#include "util/clock.hpp"

namespace mpmd::mpm {

class ReadTimer {
 public:
  explicit ReadTimer(const config::Http* http = nullptr) : http_(http) {}

  // Call after every step of the connection with a monotonic `now`. Returns
  // the deadline that applies to the current phase, or 0 if none does.
  // `handshaking`: the transport's handshake is not done (the handshake
  // stage applies, without MinRate: its bytes are the transport's).
  util::Usec update(const http::Connection& conn, util::Usec now, bool handshaking = false);

 private:
  const config::Http* http_;
  http::Connection::Phase phase_ = http::Connection::Phase::closed;
  bool handshaking_ = false;
  util::Usec start_ = 0;
  uint64_t bytes_at_start_ = 0;
};

}  // namespace mpmd::mpm
