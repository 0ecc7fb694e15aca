// The server side of mpmd::session_store() (include/mpmd/session.hpp): the
// store each child opens for its applications, found by them with dlsym
// (mpmd exports `mpmd_session_store`), and the per-generation preparation in
// the master.
//
//   master, before a generation's children are forked:
//       auto sessions = session::prepare_generation(config.sessions, error);
//   child, after fork, before the applications' child_init hooks:
//       session::start_child(*sessions);
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "mpmd/session.hpp"
#include "session/factory.hpp"

namespace mpmd::session {

// Prepares the stores of a generation (maps the shm table). While the
// previous generation's factory lives (a graceful restart), its shm table is
// kept when SessionSlots and SessionValueSize are unchanged, so sessions
// survive the restart. Null and `error` on failure.
std::shared_ptr<const StoreFactory> prepare_generation(const config::Sessions& cfg,
                                                       std::string& error);

// Opens this process's store from `factory`; mpmd_session_store() returns it
// from then on. Call once per child, before its threads start.
void start_child(const StoreFactory& factory);

// This process's store; null before start_child().
SessionStore* child_store();

}  // namespace mpmd::session

extern "C" mpmd::SessionStore* mpmd_session_store(uint32_t api_version);
