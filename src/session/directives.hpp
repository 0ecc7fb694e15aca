// The session directives (ours; Apache has no server-side session store):
// SessionStore, SessionSlots, SessionValueSize, SessionRedis,
// SessionRedisTimeout, SessionRedisPrefix, SessionCookieName,
// SessionCookieSecure, SessionMaxAge. Rows for the config parser; they fill
// config::Config::sessions.
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::session {

std::vector<config::Directive> directives();

}  // namespace mpmd::session
