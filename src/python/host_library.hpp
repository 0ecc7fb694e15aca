// Finds and loads mpmd_python.so, the Python host (python/api.hpp), once per
// process and only on demand: a configuration without WSGI directives never
// calls this, so libpython is never mapped.
#pragma once

#include <string>

#include "python/api.hpp"

namespace mpmd::python {

// The host, loaded now if it is not yet; null with `error` (the paths tried,
// the dlopen error) on failure. The library stays loaded for the process's life.
api::Host* load_host(std::string& error);

// Where the host is looked for, in order: $MPMD_PYTHON_MODULE, next to the
// mpmd binary (the build tree), ../lib/mpmd/ from it (an installed tree).
std::vector<std::string> host_candidates();

}  // namespace mpmd::python
