// Listening sockets, opened by the master before it forks and shared by every child.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/fd.hpp"

namespace mpmd::net {

struct Listener {
  UniqueFd fd;
  std::string host;  // as configured ("" = all addresses)
  uint16_t port = 0;
  std::string name() const;  // "127.0.0.1:8080", "[::]:8080"
};

// Opens a non-blocking listening socket. host "" binds [::] dual-stack (IPv4 and
// IPv6). Returns false and sets `error` (with strerror) on failure.
bool open_listener(const std::string& host, uint16_t port, int backlog, Listener& out,
                   std::string& error);

// Connections waiting in a listening socket's accept queue right now.
uint32_t accept_queue_length(int listen_fd);

// The local port a socket is bound to (useful after binding port 0).
uint16_t local_port(int fd);

}  // namespace mpmd::net
