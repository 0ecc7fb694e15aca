// The offload directives (ours; Apache has none): OffloadProcesses,
// OffloadTimeout, OffloadMaxSize, OffloadQueueLimit, GearmanServers,
// GearmanTimeout, GearmanRetries, GearmanFailureStatus, GearmanConcurrency.
// Rows for the config parser; they fill config::Config::offload.
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::offload {

std::vector<config::Directive> directives();

}  // namespace mpmd::offload
