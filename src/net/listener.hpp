// Listening sockets, opened by the master before it forks and shared by every child.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace mpmd::net {

struct Listener {
  util::UniqueFd fd;
  std::string host;  // as configured ("" = all addresses)
  uint16_t port = 0;
  std::string name() const;  // "127.0.0.1:8080", "[::]:8080"
};

// Unsent bytes a connection may queue in the kernel (TCP_NOTSENT_LOWAT): a
// large file goes out in steps of this size, each written when the previous
// one has been sent, instead of all of it being queued at once. On loopback a
// whole queued file is pushed out by the receiver's ACKs, on the client's CPU;
// a slow reader holds at most this much unsent data.
inline constexpr int kNotSentLowat = 128 * 1024;

// Opens a non-blocking listening socket. host "" binds [::] dual-stack (IPv4 and
// IPv6). Accepted connections inherit TCP_NODELAY and kNotSentLowat from it
// (Linux copies TCP options to the accepted socket), which saves a setsockopt
// per connection. Returns false and sets `error` (with strerror) on failure.
bool open_listener(const std::string& host, uint16_t port, int backlog, Listener& out,
                   std::string& error);

// Connections waiting in a listening socket's accept queue right now.
uint32_t accept_queue_length(int listen_fd);

// The local port a socket is bound to (useful after binding port 0).
uint16_t local_port(int fd);

}  // namespace mpmd::net
