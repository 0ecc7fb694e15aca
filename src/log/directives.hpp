// The logging directives (Apache mod_log_config and core): LogFormat,
// CustomLog, TransferLog, ErrorLog, LogLevel. Rows for the config parser.
//
// Nicknames are resolved when CustomLog/TransferLog is read (Apache resolves
// them after the whole file): define a LogFormat before the logs that use it.
// Besides those defined by LogFormat, the nicknames common, combined,
// vhost_combined, combinedio, referer and agent are predefined.
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::log {

std::vector<config::Directive> directives();

}  // namespace mpmd::log
