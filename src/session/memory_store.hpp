// SessionStore memory: a mutex-protected hash map in one process. Each child
// has its own, so it is right only when one process serves every request
// (StartServers 1 with the event or worker engine, or -X); otherwise a
// visitor's next request may land in a child that never saw the session.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "session/backend.hpp"

namespace mpmd::session {

class MemoryBackend final : public Backend {
 public:
  // At most `slots` sessions of at most `value_size` bytes; `clock` must
  // outlive the backend.
  MemoryBackend(size_t slots, size_t value_size, const util::Clock& clock = monotonic_clock())
      : slots_(slots), value_size_(value_size), clock_(clock) {}

  SessionStatus get(std::string_view id, std::string& value) override;
  SessionStatus put(std::string_view id, std::string_view value, Millis ttl) override;
  SessionStatus del(std::string_view id) override;
  std::string_view kind() const override { return "memory"; }

 private:
  struct Entry {
    std::string value;
    util::Usec expires = 0;
  };
  // Drops expired entries; called with mutex_ held when the map is full.
  void sweep(util::Usec now);

  const size_t slots_;
  const size_t value_size_;
  const util::Clock& clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> map_;
};

}  // namespace mpmd::session
