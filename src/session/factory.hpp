// Turning the configuration into stores: the master prepares what must exist
// before fork (the shm table), each child opens its own store from that.
//
//   master:  auto f = session::StoreFactory::prepare(config.sessions, old.get(), error);
//   child:   std::unique_ptr<SessionStore> store = f->open();
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "mpmd/session.hpp"
#include "session/shm_table.hpp"

namespace mpmd::session {

SessionSettings settings_from(const config::Sessions& cfg);

class StoreFactory {
 public:
  // In the master, before fork. With `previous` (the factory of the running
  // generation, or null), a graceful restart keeps the shm table, and so
  // every session, when SessionSlots and SessionValueSize are unchanged.
  // Null and `error` ("file:line: ..." when SessionStore was given) if the
  // shm table cannot be mapped.
  static std::unique_ptr<StoreFactory> prepare(const config::Sessions& cfg,
                                               const StoreFactory* previous, std::string& error);

  // In each child (or the one process of -X): the store its handlers use.
  // memory: a new per-process map; shm: the shared table; redis: a pool that
  // connects on first use (a redis that is down fails requests, not start-up).
  std::unique_ptr<SessionStore> open() const;

  const config::Sessions& config() const { return cfg_; }
  // The shm table (null unless SessionStore shm), e.g. for status counters.
  const std::shared_ptr<ShmTable>& table() const { return table_; }

 private:
  config::Sessions cfg_;
  std::shared_ptr<ShmTable> table_;
};

}  // namespace mpmd::session
