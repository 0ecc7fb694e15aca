// The prefork engine's child: one thread that waits for a connection and
// serves it to completion. Crash and leak isolation per connection's process.
#pragma once

#include "mpm/common/child.hpp"

namespace mpmd::mpm::prefork {

int run_child(const ChildEnv& env);

}  // namespace mpmd::mpm::prefork
