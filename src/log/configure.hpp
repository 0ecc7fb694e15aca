// Applies the ErrorLog and LogLevel directives to an error log. It lives here,
// not with the error log in util/, because it reads the typed config.
#pragma once

#include "config/config.hpp"
#include "util/error_log.hpp"
#include "util/result.hpp"

namespace mpmd::log {

// log.set_level(logs.log_level), then log.open(logs.error_log). On failure
// the old destination is kept.
util::Status configure(ErrorLog& log, const config::Logs& logs);

}  // namespace mpmd::log
