// The server side of include/mpmd/offload.hpp: one process-wide Service that
// applications find with dlsym (mpmd exports `mpmd_offload_service`), and
// the hooks the supervisor calls around it.
//
//   master, before generation G registers its applications: begin_generation(G)
//   new child of generation G, right after fork, before child_init hooks and
//     before any thread starts, on its main thread:      start_child(offload, G)
//   child, when it stops serving (optional; exit also ends everything): stop_child()
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "mpmd/offload.hpp"

namespace mpmd::offload {

// Functions registered from now on belong to generation `generation` (a
// restart that fails leaves the table of the generation still serving as it
// was). Tables are never destroyed: see FunctionTable::begin_generation.
void begin_generation(uint32_t generation);

// Starts the child's process pool (OffloadProcesses > 0: forks the spawner,
// which forks the helpers) and its Gearman dispatcher (GearmanServers set).
// "" or an error; the child should not serve without its pool.
// Helpers get the functions of `generation`.
std::string start_child(const config::Offload& config, uint32_t generation);

// Fails tasks still queued or running with Status::unavailable and ends the
// helpers. Blocking handlers waiting on results return at once.
void stop_child();

// The Service (for tests and the exported symbol).
Service& service_impl();

}  // namespace mpmd::offload

extern "C" mpmd::offload::Service* mpmd_offload_service(uint32_t api_version);
