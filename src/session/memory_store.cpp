#include "session/memory_store.hpp"

namespace mpmd::session {

SessionStatus MemoryBackend::get(std::string_view id, std::string& value) {
  std::lock_guard lock(mutex_);
  auto it = map_.find(std::string(id));
  if (it == map_.end()) return {SessionErrc::not_found, "not found"};
  if (it->second.expires <= clock_.now()) {
    map_.erase(it);
    return {SessionErrc::not_found, "expired"};
  }
  value = it->second.value;
  return {};
}

SessionStatus MemoryBackend::put(std::string_view id, std::string_view value, Millis ttl) {
  if (value.size() > value_size_) {
    return SessionStatus::error(SessionErrc::too_large, std::to_string(value.size()) + " bytes");
  }
  util::Usec now = clock_.now();
  std::lock_guard lock(mutex_);
  std::string key(id);
  auto it = map_.find(key);
  if (it == map_.end()) {
    if (map_.size() >= slots_) sweep(now);
    if (map_.size() >= slots_) {
      return SessionStatus::error(
          SessionErrc::full,
          "memory store holds " + std::to_string(slots_) + " sessions (SessionSlots)");
    }
    it = map_.emplace(std::move(key), Entry{}).first;
  }
  it->second.value.assign(value);
  it->second.expires = now + util::Usec(ttl.count()) * 1000;
  return {};
}

SessionStatus MemoryBackend::del(std::string_view id) {
  std::lock_guard lock(mutex_);
  map_.erase(std::string(id));
  return {};
}

void MemoryBackend::sweep(util::Usec now) {
  std::erase_if(map_, [now](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace mpmd::session
