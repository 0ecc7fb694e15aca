// The event engine's directives: EventBackend.
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::mpm::event {

std::vector<config::Directive> directives();

}  // namespace mpmd::mpm::event
