// The directives of mod_auth_basic, mod_authn_file and mod_authz_groupfile
// (Require valid-user|user|group is core's Require row).
#pragma once

#include "config/directive.hpp"

namespace mpmd::auth {

config::DirectiveTable directives();

}  // namespace mpmd::auth
