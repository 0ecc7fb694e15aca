// Directives of the modules Debian's Apache enables by default that mpmd does
// not implement yet (autoindex's icons, mod_mime's languages and charsets,
// negotiation, setenvif, env, deflate, filter, ...): accepted, so that an
// Apache tree such as Debian's /etc/apache2 loads, with one warning per module
// that says what is not done. Nothing that guards access is here: auth_basic,
// access_compat and the like stay unknown (an error), since serving a
// protected directory unprotected would be a hole.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "config/directive.hpp"

namespace mpmd::config {

std::vector<Directive> accepted_directives();

// The modules whose directives are accepted but not enforced ("deflate_module"),
// with their source names ("mod_deflate.c"): <IfModule> finds them, `-M` lists them.
std::span<const std::string_view> accepted_modules();

}  // namespace mpmd::config
