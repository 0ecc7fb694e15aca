#include "supervisor/listeners.hpp"

#include <utility>

namespace mpmd::supervisor {

bool update_listeners(const config::Config& config, std::vector<net::Listener>& listeners,
                      std::string& error) {
  if (config.listen.empty()) {
    error = "no listening sockets available, shutting down (add a Listen directive)";
    return false;
  }
  std::vector<net::Listener> next;
  std::vector<bool> kept(listeners.size(), false);
  for (const auto& addr : config.listen) {
    bool reused = false;
    for (size_t i = 0; i < listeners.size(); ++i) {
      if (!kept[i] && listeners[i].host == addr.host && listeners[i].port == addr.port) {
        kept[i] = true;
        reused = true;
        next.push_back(net::Listener{});
        next.back().host = addr.host;
        next.back().port = addr.port;
        break;
      }
    }
    if (reused) continue;
    net::Listener l;
    if (!net::open_listener(addr.host, addr.port, config.mpm.listen_backlog, l, error)) {
      if (!addr.origin.empty()) error = addr.origin + ": Listen: " + error;
      return false;
    }
    next.push_back(std::move(l));
  }
  // Move the kept sockets over only now that every new one opened.
  for (auto& n : next) {
    if (n.fd) continue;
    for (size_t i = 0; i < listeners.size(); ++i) {
      if (kept[i] && listeners[i].fd && listeners[i].host == n.host &&
          listeners[i].port == n.port) {
        n.fd = std::move(listeners[i].fd);
        break;
      }
    }
  }
  listeners = std::move(next);
  return true;
}

}  // namespace mpmd::supervisor
