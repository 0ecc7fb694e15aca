// The interfaces the HTTP core calls: the handler that answers a request and the
// observer that learns of each finished exchange (the access log).
#pragma once

#include <cstdint>

#include "http/request.hpp"
#include "http/response.hpp"
#include "util/clock.hpp"

namespace mpmd::http {

// Lets a handler answer after handle() has returned (work done on a thread
// pool, a reply from another process) or while it still runs on another
// thread. Every request carries one in Request::completion.
//
// To defer: set Response::deferred in handle() and return; later, from any
// thread, fill in the Response (the same object, which stays valid) and call
// complete() exactly once; the response is then sent from the connection's
// thread. complete() may also come before handle() returns. A response whose
// body ends with a stream (Body::append_stream) may be completed while the
// stream is still being written: its head goes out, the stream follows.
// Request views stay valid until the response is complete and its stream,
// if any, no longer busy().
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void complete() = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called when a request's head is complete (its body, if any, streams
  // through Request::body). Fills `response` (status 200, no headers, empty
  // body on entry). Never throws on expected failures: sets an error status
  // instead. A body the handler does not read is discarded (or the
  // connection closed) once the response is out.
  virtual void handle(const Request& request, Response& response) = 0;
};

// What happened on the wire for one request/response exchange.
struct Exchange {
  uint64_t header_bytes_sent = 0;  // status line and header fields
  uint64_t body_bytes_sent = 0;    // body bytes actually written (for %B / %b)
  util::Usec end = 0;              // when the last byte was handed to the kernel
  bool completed = true;           // false if the connection failed mid-response
};

class ExchangeObserver {
 public:
  virtual ~ExchangeObserver() = default;
  // Called once per response, after it was written (or abandoned).
  // `request` may be only partly filled for requests rejected while parsing.
  virtual void on_exchange(const Request& request, const Response& response,
                           const Exchange& exchange) = 0;
  // Called when the head of a response (the handler's, or the core's own
  // error) is about to be written: the last word on its header fields
  // (mod_headers). `request` may be only partly filled.
  virtual void before_head(const Request& request, Response& response) {
    (void)request;
    (void)response;
  }
};

}  // namespace mpmd::http
