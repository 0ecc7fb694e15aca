// Checks of a parsed configuration against this machine, reported by `mpmd -t`
// and at start as warnings ("mpmd: warning: ..."), as Apache reports AH00112:
// none stops the server, each names what would go wrong.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace mpmd::supervisor {

// A DocumentRoot that does not exist or is not a directory (requests would
// get 404); an ErrorLog, CustomLog or PidFile that cannot be created or
// written (its directory missing or not writable by this user).
std::vector<std::string> check_paths(const config::Config& config);

// Logs that go to standard output or standard error. Detached (-k start
// without -D FOREGROUND) the server has no terminal: mpmd refuses to start
// with an access log there (it would go to /dev/null) and warns about an
// error log there (it stays on the terminal that started it).
struct TerminalLogs {
  std::vector<std::string> access;  // CustomLog paths on stdout
  bool error_log = false;           // ErrorLog on stderr (also the default)
};
TerminalLogs terminal_logs(const config::Config& config);

}  // namespace mpmd::supervisor
