#include "mpm/common/read_timeout.hpp"

namespace mpmd::mpm {

util::Usec ReadTimer::update(const http::Connection& conn, util::Usec now, bool handshaking) {
  using Phase = http::Connection::Phase;
  Phase phase = conn.phase();
  // The first request of a connection is timed from the accept; later ones
  // from their first byte (before it, KeepAliveTimeout applies).
  if (phase == Phase::waiting && conn.requests() == 0) phase = Phase::head;
  if (phase != phase_ || handshaking != handshaking_) {
    phase_ = phase;
    handshaking_ = handshaking;
    start_ = now;
    bytes_at_start_ = conn.bytes_read();
  }
  if (!http_) return 0;
  const config::ReadStage* stage = handshaking            ? &http_->handshake_read
                                   : phase == Phase::head ? &http_->header_read
                                   : phase == Phase::body ? &http_->body_read
                                                          : nullptr;
  if (!stage || stage->min <= 0) return 0;
  util::Usec seconds = stage->min;
  if (stage->min_rate > 0) {
    seconds += util::Usec((conn.bytes_read() - bytes_at_start_) / uint64_t(stage->min_rate));
  }
  if (stage->max > 0 && seconds > stage->max) seconds = stage->max;
  return start_ + seconds * 1'000'000;
}

}  // namespace mpmd::mpm
