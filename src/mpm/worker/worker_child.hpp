// The worker engine's child: ThreadsPerChild threads, each waiting for a
// connection and serving it to completion; the main thread watches signals.
#pragma once

#include "mpm/common/child.hpp"

namespace mpmd::mpm::worker {

int run_child(const ChildEnv& env);

}  // namespace mpmd::mpm::worker
