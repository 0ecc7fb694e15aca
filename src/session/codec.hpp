// The bytes a session is stored as, the same in every store (so
// SessionValueSize means the same thing everywhere and redis-cli shows
// something readable): "S1:" then, per key in order, "<len>:<key><len>:<value>".
#pragma once

#include <string>
#include <string_view>

#include "mpmd/session.hpp"

namespace mpmd::session {

std::string encode(const SessionData& data);

// False if `bytes` is not an encoded session (`out` is then empty).
bool decode(std::string_view bytes, SessionData& out);

}  // namespace mpmd::session
