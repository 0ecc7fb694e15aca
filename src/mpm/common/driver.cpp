#include "mpm/common/driver.hpp"

#include <cstring>
#include <string>

#include "util/error_log.hpp"

namespace mpmd::mpm {

namespace {
// Clients reset connections all the time: info level, off by default.
void report_broken(const char* what, int err) {
  if (!log::error_log().enabled(log::LogLevel::info)) return;
  log::emit(log::LogLevel::info, log::ids::kConnectionBroken,
            std::string(what) + " failed: " + std::strerror(err) + "; connection closed");
}

Wait wait_for(net::Io status) {
  return status == net::Io::want_write ? Wait::write : Wait::read;
}
}  // namespace

Wait pump(net::Transport& t, http::Connection& conn) {
  // Timed out mid-handshake (RequestReadTimeout handshake=, Timeout).
  if (conn.finished() && t.handshake_pending()) return Wait::done;
  net::IoResult hs = t.handshake();
  if (hs.status == net::Io::want_read || hs.status == net::Io::want_write) {
    return wait_for(hs.status);
  }
  if (hs.status != net::Io::done) {
    // A TLS transport logs its own failures (with OpenSSL's reason): err 0.
    if (hs.err != 0) report_broken("handshake", hs.err);
    conn.on_error();
    return Wait::done;
  }
  // A short read or write means the kernel buffer is drained or full: with
  // edge-triggered epoll a new event comes with the next change, so the
  // syscall that would only return EAGAIN is skipped.
  bool drained = false;
  while (true) {
    while (conn.has_output()) {
      net::IoResult w = t.write(conn.output());
      if (w.status == net::Io::done && w.bytes > 0) {
        conn.on_written(w.bytes);
        if (w.bytes < w.attempted) return Wait::write;
        continue;
      }
      if (w.status == net::Io::want_read || w.status == net::Io::want_write) {
        return wait_for(w.status);
      }
      report_broken("write", w.status == net::Io::error ? w.err : EIO);
      conn.on_error();
      return Wait::done;
    }
    if (conn.finished()) return Wait::done;
    if (!conn.wants_read()) return Wait::handler;  // nothing the transport can give
    if (drained && !t.has_buffered_input()) return Wait::read;
    auto buf = conn.read_buffer();
    net::IoResult r = t.read(buf);
    switch (r.status) {
      case net::Io::done:
        drained = r.bytes < buf.size();
        conn.on_read(r.bytes);
        continue;
      case net::Io::eof:
        conn.on_eof();
        continue;
      case net::Io::want_read:
      case net::Io::want_write:
        return wait_for(r.status);
      case net::Io::error:
        report_broken("read", r.err);
        conn.on_error();
        return Wait::done;
    }
  }
}

bool begin_linger(net::Transport& t) {
  if (t.shutdown_write().status != net::Io::done) return true;
  return discard_input(t);
}

bool discard_input(net::Transport& t) {
  char buf[32 * 1024];
  // Bounded per call so a client that floods cannot hold the thread; the
  // caller's linger deadline bounds the total.
  for (int i = 0; i < 8; ++i) {
    net::IoResult r = t.read(buf);
    if (r.status == net::Io::done) continue;
    return r.status == net::Io::eof || r.status == net::Io::error;
  }
  return false;
}

}  // namespace mpmd::mpm
