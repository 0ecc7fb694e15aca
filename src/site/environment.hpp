// mod_setenvif and mod_env: the environment variables of a request, set from
// its attributes (SetEnvIf, SetEnvIfNoCase, BrowserMatch, BrowserMatchNoCase)
// and by the configuration (SetEnv, UnsetEnv, PassEnv). They select access
// log lines (CustomLog env=), appear in them (%{VAR}e) and reach WSGI
// applications' environ.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"
#include "http/request.hpp"

namespace mpmd::site {

config::DirectiveTable environment_directives();

// Applies `rules` to `request`, as Apache: the SetEnvIf family in file order,
// then the variables of SetEnv and PassEnv (less those an UnsetEnv after them
// names) that SetEnvIf did not set.
void apply_environment(const std::vector<config::EnvRule>& rules, const http::Request& request,
                       std::vector<std::pair<std::string, std::string>>& env);

}  // namespace mpmd::site
