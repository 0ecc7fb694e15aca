// The set of listening sockets for a configuration, kept across restarts so a
// graceful restart never closes a socket that the new configuration still uses
// (connections waiting in its queue are never lost).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "net/listener.hpp"

namespace mpmd::supervisor {

// Makes `listeners` match config.listen: keeps sockets already open for the same
// address, opens new ones, drops the rest. On error nothing is changed.
bool update_listeners(const config::Config& config, std::vector<net::Listener>& listeners,
                      std::string& error);

}  // namespace mpmd::supervisor
