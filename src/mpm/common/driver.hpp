// The connection driver shared by every engine: moves bytes between a
// non-blocking socket and an http::Connection until the socket would block.
// event waits with epoll between calls; prefork and worker wait with poll().
#pragma once

#include "http/connection.hpp"

namespace mpmd::mpm {

enum class Wait {
  read,   // wait until the socket is readable, then call pump() again
  write,  // wait until the socket is writable, then call pump() again
  done,   // the connection is finished: close the socket
};

// Reads and writes until the socket would block or the connection finished.
// Socket errors are reported to `conn` (on_error) and end it.
Wait pump(int fd, http::Connection& conn);

}  // namespace mpmd::mpm
