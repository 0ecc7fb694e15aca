// The supervisor's own directives (beyond Apache's MPM set in config/).
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::supervisor {

std::vector<config::Directive> directives();

}  // namespace mpmd::supervisor
