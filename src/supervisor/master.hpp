// The master process shared by every engine: opens the listeners before it
// forks, spawns and reaps children, respawns the ones that die, handles the
// signals of `-k stop|restart|graceful|graceful-stop` and owns the pid file.
#pragma once

#include <functional>
#include <string>

#include "config/config.hpp"

namespace mpmd::supervisor {

// Re-reads the configuration for a restart. Returns false with `errors` (one
// per line) when the new configuration is broken; the old one keeps serving.
using Reload = std::function<bool(config::Config& out, std::string& errors)>;

// Runs the master until it is told to stop. Returns the process exit code.
int run_master(config::Config config, const Reload& reload);

// -X: one process, no children, in the foreground (for debugging).
int run_single(const config::Config& config);

}  // namespace mpmd::supervisor
