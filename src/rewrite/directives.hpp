// mod_rewrite's directives (RewriteEngine, RewriteCond, RewriteRule, ...) and
// LimitInternalRecursion, as config::Directive rows.
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::rewrite {

std::vector<config::Directive> directives();

}  // namespace mpmd::rewrite
