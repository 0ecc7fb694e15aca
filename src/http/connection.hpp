// http::Connection: one HTTP/1.x connection as a sans-IO state machine.
//
// The engine owns the socket. It reads into read_buffer(), reports the count
// with on_read(), writes what output() lists and reports it with on_written().
// The Connection parses, calls the Handler, serialises the response and says
// what it wants next. The same object is driven by a blocking loop (prefork,
// worker) and by epoll (event); tests drive it with strings.
//
// A handler is called as soon as a request's head is complete; its body
// streams to the handler through Request::body (a bounded window) and a
// response body may stream from a BodySource, so neither is ever held whole.
// A handler may answer later or on another thread (Response::deferred, then
// Request::completion->complete()); the engine is told through its Port
// (http/waker.hpp) and calls on_wake() on the connection's thread.
//
//   engine loop (blocking form):
//     while (!conn.finished()) {
//       if (conn.has_output()) { n = write(conn.output()); conn.on_written(n); continue; }
//       if (conn.wants_read()) { n = read(fd, conn.read_buffer());
//                                n > 0 ? conn.on_read(n) : conn.on_eof(); continue; }
//       wait for the Port's wake(), then conn.on_wake();   // a handler has it
//     }
//     then close the socket, and free the Connection once !conn.busy().
//   timeouts: the engine applies KeepAliveTimeout while conn.idle(), else
//   Timeout (none while phase() is handling), and on expiry calls
//   conn.on_timeout() (408 if mid-request).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/buffer_pool.hpp"
#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/slice.hpp"
#include "http/waker.hpp"
#include "util/clock.hpp"

namespace mpmd::http {

// Apache's names and defaults.
struct Limits {
  size_t request_line = 8190;          // LimitRequestLine -> 414
  size_t request_field_size = 8190;    // LimitRequestFieldSize -> 431
  size_t request_fields = 100;         // LimitRequestFields (0 = unlimited) -> 431
  uint64_t request_body = 1073741824;  // LimitRequestBody (0 = unlimited) -> 413
};

struct Settings {
  Limits limits;
  bool keep_alive = true;                 // KeepAlive
  uint32_t max_keepalive_requests = 100;  // MaxKeepAliveRequests (0 = unlimited)
  std::string server_header = "mpmd";     // value of the Server field; empty = omit
  // Where input buffers come from and go back to (one pool per engine
  // thread); null = the heap, and an idle connection then keeps its buffer.
  BufferPool* buffers = nullptr;
};

class Connection {
 public:
  // `port`: the engine's side of this connection (may be null in tests that
  // never defer or stream; must outlive the Connection).
  Connection(const Settings& settings, Handler& handler, ExchangeObserver* observer,
             const util::Clock& clock, util::DateCache& dates, const Peer& peer,
             Port* port = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Space to read into (at least 1 byte, grows as limits allow).
  std::span<char> read_buffer();
  // `n` bytes were read into read_buffer(); parse and run what is complete.
  void on_read(size_t n);
  // The peer closed its sending side (read returned 0).
  void on_eof();
  // The engine's timer expired: 408 and close if a request is partly received,
  // otherwise close quietly.
  void on_timeout();
  // The socket failed (reset, EPIPE): abandon output, log, finish.
  void on_error();
  // The Port's wake() was called: a deferred response was given, a body
  // stream has data or room, a reader wants the request body. Runs on the
  // connection's thread.
  void on_wake();

  // A handler still has the request (it answers later, or streams a body):
  // the Connection must not be destroyed, whatever finished() says. Once it
  // turns false the handler has woken the connection (on_wake()).
  bool busy() const;
  // Nothing to write or read until a handler wakes the connection.
  bool awaiting_handler() const;

  // Graceful stop: the next response serialised carries `Connection: close`
  // and ends the connection. (One already serialised keeps its headers; the
  // engine then waits briefly for one more request before closing.)
  void close_after_response();

  // What the connection is doing, for RequestReadTimeout.
  enum class Phase : uint8_t {
    waiting,     // nothing of the next request received yet
    head,        // part of a request head received
    body,        // reading a request body
    handling,    // a handler has the request (no socket timeout applies)
    responding,  // a response is being written
    closed,
  };
  Phase phase() const;
  // Frees what an idle connection still holds for its next response (the
  // input buffer is already freed whenever the connection goes idle):
  // engines call it for connections idle a while, so thousands of idle
  // keep-alive connections cost little memory.
  void release_idle_memory();

  // Bytes read on this connection so far.
  uint64_t bytes_read() const;

  bool has_output() const;
  // Pending output slices in order; at most `max` of them.
  std::span<const OutputSlice> output(size_t max = 64);
  // `n` bytes of output() were written.
  void on_written(size_t n);

  // True when the engine should read more (no output pending, not closing).
  bool wants_read() const;
  // Between requests with nothing buffered: KeepAliveTimeout applies.
  bool idle() const;
  // All output written and the connection must now be closed.
  bool finished() const;
  // Requests completed on this connection so far.
  uint32_t requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpmd::http
