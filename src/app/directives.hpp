// LoadApplication NAME PATH [KEY=VALUE ...]: the application directive's row
// for the config parser. Parsing opens the shared object and checks it (so
// `mpmd -t` reports a missing file, a dlopen error, a missing entry symbol or
// an API version mismatch with file:line); nothing of the application runs
// until the master starts the generation (app/applications.hpp).
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::app {

std::vector<config::Directive> directives();

}  // namespace mpmd::app
