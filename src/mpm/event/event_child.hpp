// The event engine's child process: one non-blocking loop that accepts,
// reads, parses, handles and writes for every connection it owns, waiting
// with the EventBackend (epoll by default; mpm/event/backend.hpp).
#pragma once

#include "mpm/common/child.hpp"

namespace mpmd::mpm::event {

// Serves until TERM (stop now) or USR1/WINCH/MaxConnectionsPerChild (finish
// in-flight requests, then exit). Returns the child's exit code.
int run_child(const ChildEnv& env);

}  // namespace mpmd::mpm::event
