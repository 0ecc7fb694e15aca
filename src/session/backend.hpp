// What the three stores have in common: each is a Backend that keeps opaque
// bytes under a session id with an expiry; CodecStore turns one into the
// public SessionStore (id checks, encoding, the value size limit), so the
// rules are the same whichever store is configured.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "mpmd/session.hpp"
#include "util/clock.hpp"

namespace mpmd::session {

using Millis = std::chrono::milliseconds;

class Backend {
 public:
  virtual ~Backend() = default;
  // `value` receives the bytes; not_found if absent or expired.
  virtual SessionStatus get(std::string_view id, std::string& value) = 0;
  // Stores `value` (at most the configured value size), expiring after `ttl`.
  virtual SessionStatus put(std::string_view id, std::string_view value, Millis ttl) = 0;
  virtual SessionStatus del(std::string_view id) = 0;
  virtual std::string_view kind() const = 0;
};

// CLOCK_MONOTONIC, the same in every process of the machine: what the memory
// and shm stores measure expiry with (tests pass a util::ManualClock).
const util::Clock& monotonic_clock();

class CodecStore final : public SessionStore {
 public:
  CodecStore(std::unique_ptr<Backend> backend, SessionSettings settings)
      : backend_(std::move(backend)), settings_(std::move(settings)) {}

  SessionStatus load(std::string_view id, SessionData& out) override;
  SessionStatus save(std::string_view id, const SessionData& data) override;
  SessionStatus remove(std::string_view id) override;
  std::string_view kind() const override { return backend_->kind(); }
  const SessionSettings& settings() const override { return settings_; }

  Backend& backend() { return *backend_; }

 private:
  std::unique_ptr<Backend> backend_;
  SessionSettings settings_;
};

}  // namespace mpmd::session
