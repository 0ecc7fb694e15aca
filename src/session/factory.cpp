#include "session/factory.hpp"

#include "session/memory_store.hpp"
#include "session/redis_store.hpp"

namespace mpmd::session {

SessionSettings settings_from(const config::Sessions& cfg) {
  SessionSettings s;
  s.cookie_name = cfg.cookie_name;
  s.max_age = std::chrono::duration_cast<std::chrono::seconds>(cfg.max_age);
  s.cookie_secure = cfg.cookie_secure;
  s.max_value_size = cfg.value_size;
  return s;
}

std::unique_ptr<StoreFactory> StoreFactory::prepare(const config::Sessions& cfg,
                                                    const StoreFactory* previous,
                                                    std::string& error) {
  auto f = std::make_unique<StoreFactory>();
  f->cfg_ = cfg;
  if (cfg.store != "shm") return f;
  if (previous && previous->table_ && previous->table_->slots() == cfg.slots &&
      previous->table_->value_size() == cfg.value_size) {
    f->table_ = previous->table_;
    return f;
  }
  ShmOptions options;
  options.slots = cfg.slots;
  options.value_size = cfg.value_size;
  f->table_ = ShmTable::create(options, error);
  if (!f->table_) {
    error = (cfg.origin.empty() ? "" : cfg.origin + ": ") + "SessionStore shm: " + error;
    return nullptr;
  }
  return f;
}

std::unique_ptr<SessionStore> StoreFactory::open() const {
  std::unique_ptr<Backend> backend;
  if (cfg_.store == "memory") {
    backend = std::make_unique<MemoryBackend>(cfg_.slots, cfg_.value_size);
  } else if (cfg_.store == "redis") {
    RedisOptions o;
    o.host = cfg_.redis_host;
    o.port = cfg_.redis_port;
    o.timeout = cfg_.redis_timeout;
    o.prefix = cfg_.redis_prefix;
    backend = std::make_unique<RedisBackend>(std::move(o));
  } else {
    backend = std::make_unique<ShmBackend>(table_);
  }
  return std::make_unique<CodecStore>(std::move(backend), settings_from(cfg_));
}

}  // namespace mpmd::session
