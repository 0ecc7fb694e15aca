#include "mpm/common/driver.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "net/socket_io.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::mpm {

namespace {
// Clients reset connections all the time: info level, off by default.
void report_broken(const char* what, int err) {
  if (!log::error_log().enabled(log::LogLevel::info)) return;
  log::emit(log::LogLevel::info, log::ids::kConnectionBroken,
            std::string(what) + " failed: " + std::strerror(err) + "; connection closed");
}
}  // namespace

Wait pump(int fd, http::Connection& conn) {
  // A short read or write means the kernel buffer is drained or full: with
  // edge-triggered epoll a new event comes with the next change, so the
  // syscall that would only return EAGAIN is skipped.
  bool drained = false;
  while (true) {
    while (conn.has_output()) {
      auto [n, attempted] = net::write_slices(fd, conn.output());
      if (n > 0) {
        conn.on_written(size_t(n));
        if (uint64_t(n) < attempted) return Wait::write;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Wait::write;
      report_broken("write", errno);
      conn.on_error();
      return Wait::done;
    }
    if (conn.finished()) return Wait::done;
    if (!conn.wants_read()) return Wait::read;  // waiting for nothing the socket can give
    if (drained) return Wait::read;
    auto buf = conn.read_buffer();
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n > 0) {
      drained = size_t(n) < buf.size();
      conn.on_read(size_t(n));
      continue;
    }
    if (n == 0) {
      conn.on_eof();
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Wait::read;
    report_broken("read", errno);
    conn.on_error();
    return Wait::done;
  }
}

bool begin_linger(int fd) {
  if (::shutdown(fd, SHUT_WR) != 0) return true;
  return discard_input(fd);
}

bool discard_input(int fd) {
  char buf[32 * 1024];
  // Bounded per call so a client that floods cannot hold the thread; the
  // caller's linger deadline bounds the total.
  for (int i = 0; i < 8; ++i) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
  }
  return false;
}

}  // namespace mpmd::mpm
