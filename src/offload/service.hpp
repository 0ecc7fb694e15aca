// The server side of include/mpmd/offload.hpp: one process-wide Service that
// applications find with dlsym (mpmd exports `mpmd_offload_service`), and
// the hooks the supervisor calls around it.
//
//   master, before a generation registers its applications: begin_generation()
//   new child, right after fork, before child_init hooks and before any
//     thread starts, on its main thread:                      start_child(config)
//   child, when it stops serving (optional; exit also ends everything): stop_child()
#pragma once

#include <string>

#include "config/config.hpp"
#include "mpmd/offload.hpp"

namespace mpmd::offload {

// The registered functions are forgotten (see FunctionTable::begin_generation).
void begin_generation();

// Starts the child's process pool (OffloadProcesses > 0: forks the spawner,
// which forks the helpers) and its Gearman dispatcher (GearmanServers set).
// "" or an error; the child should not serve without its pool.
std::string start_child(const config::Config& config);

// Fails tasks still queued or running with Status::unavailable and ends the
// helpers. Blocking handlers waiting on results return at once.
void stop_child();

// The Service (for tests and the exported symbol).
Service& service_impl();

}  // namespace mpmd::offload

extern "C" mpmd::offload::Service* mpmd_offload_service(uint32_t api_version);
