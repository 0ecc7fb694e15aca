// The connection driver shared by every engine: moves bytes between a
// transport (a non-blocking socket, later TLS) and an http::Connection until
// the transport would block. event waits with epoll between calls; prefork
// and worker wait with poll().
#pragma once

#include "http/connection.hpp"
#include "net/transport.hpp"

namespace mpmd::mpm {

enum class Wait {
  read,     // wait until the socket is readable, then call pump() again
  write,    // wait until the socket is writable, then call pump() again
  handler,  // nothing to do until a handler wakes the connection (its Port)
  done,     // the connection is finished: close it (lingering), and free the
            // Connection once it is not busy()
};

// Handshakes, reads and writes until the transport would block or the
// connection finished. What to wait for is the transport's answer: with TLS,
// writing may wait for the socket to be readable and the reverse. Transport
// errors are reported to `conn` (on_error) and end it.
Wait pump(net::Transport& transport, http::Connection& conn);

// Lingering close (Apache's): after the last response, the server stops
// sending (shutdown SHUT_WR) and reads and discards what the client still
// sends until it closes, so unread input never turns the close into a reset
// that destroys the response in flight. Limits: kLingerTimeoutMs overall.
inline constexpr int kLingerTimeoutMs = 2000;

// Starts a lingering close: shuts down the sending side and discards input.
// True when the peer has already finished (EOF or error): close now.
bool begin_linger(net::Transport& transport);
// Discards readable input; true when the peer has finished (EOF or error).
bool discard_input(net::Transport& transport);

}  // namespace mpmd::mpm
