#include "session/backend.hpp"

#include "session/codec.hpp"

namespace mpmd::session {

namespace {

SessionStatus bad_id(std::string_view id) {
  std::string shown(id.substr(0, 40));
  for (char& c : shown) {
    if (c < ' ' || c > '~') c = '?';
  }
  return SessionStatus::error(SessionErrc::invalid_id, "'" + shown + "'");
}

class MonotonicClock final : public util::Clock {
 public:
  util::Usec now() const override { return util::monotonic_usec(); }
};

}  // namespace

const util::Clock& monotonic_clock() {
  static const MonotonicClock clock;
  return clock;
}

SessionStatus CodecStore::load(std::string_view id, SessionData& out) {
  out.clear();
  if (!is_session_id(id)) return bad_id(id);
  std::string bytes;
  SessionStatus st = backend_->get(id, bytes);
  if (!st) return st;
  if (!decode(bytes, out)) {
    // Not ours (another program's key in redis, a torn shm slot): drop it so
    // the visitor starts afresh instead of failing on every request.
    backend_->del(id);
    return SessionStatus::error(SessionErrc::corrupt,
                                std::string(kind()) + " session " + std::string(id) + " dropped");
  }
  return st;
}

SessionStatus CodecStore::save(std::string_view id, const SessionData& data) {
  if (!is_session_id(id)) return bad_id(id);
  std::string bytes = encode(data);
  if (bytes.size() > settings_.max_value_size) {
    return SessionStatus::error(SessionErrc::too_large,
                                std::to_string(bytes.size()) +
                                    " bytes encoded, SessionValueSize is " +
                                    std::to_string(settings_.max_value_size));
  }
  return backend_->put(id, bytes, std::chrono::duration_cast<Millis>(settings_.max_age));
}

SessionStatus CodecStore::remove(std::string_view id) {
  if (!is_session_id(id)) return bad_id(id);
  return backend_->del(id);
}

}  // namespace mpmd::session
