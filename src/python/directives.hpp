// mod_wsgi's directives as config rows (WSGIScriptAlias, WSGIDaemonProcess,
// WSGIProcessGroup, WSGIApplicationGroup, WSGIImportScript, WSGIPythonPath,
// WSGIPythonHome, WSGIPassAuthorization, WSGIRestrictEmbedded,
// WSGIScriptReloading). Parsing loads no Python: the interpreter is started by
// the master only when a configuration uses these (python/generation.hpp).
#pragma once

#include <string>
#include <vector>

#include "config/directive.hpp"

namespace mpmd::python {

std::vector<config::Directive> directives();

// Checks what single rows cannot: every process-group names a
// WSGIDaemonProcess. Returns "FILE:LINE: Directive: message" errors.
std::vector<std::string> validate(const config::Config& config);

// The group names mod_wsgi gives a meaning to.
inline constexpr const char* kGlobal = "%{GLOBAL}";
inline constexpr const char* kResource = "%{RESOURCE}";

}  // namespace mpmd::python
