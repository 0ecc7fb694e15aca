// Moving bytes between a socket and an http::Connection's buffers. Only this
// file chooses between writev and sendfile.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <span>

#include "http/connection.hpp"

namespace mpmd::net {

struct WriteResult {
  ssize_t written;     // bytes written (> 0), or -1 with errno set (EAGAIN: buffer full)
  uint64_t attempted;  // bytes offered to the kernel; written < attempted means it is full
};

// Writes a prefix of `slices`: consecutive memory slices with one sendmsg, a
// file slice with sendfile.
WriteResult write_slices(int fd, std::span<const http::OutputSlice> slices);

// Text form of a peer address ("127.0.0.1", "::1"; IPv4-mapped IPv6 shown as IPv4).
struct PeerAddress {
  char text[64];
  unsigned short port;
};
PeerAddress describe_peer(const void* sockaddr_storage);

}  // namespace mpmd::net
