// The insides of http::Connection, shared by its two source files:
// connection.cpp (requests, responses, the state machine) and
// connection_body.cpp (request bodies: streaming, discarding, 100 Continue).
// Input buffering and output queueing are their own classes
// (input_buffer.hpp, output_queue.hpp). Internals of http::Connection.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/chunked.hpp"
#include "http/connection.hpp"
#include "http/input_buffer.hpp"
#include "http/output_queue.hpp"
#include "http/parser.hpp"
#include "http/request_body.hpp"

namespace mpmd::http {

namespace detail {
// Room after a head for the body's bytes: a small body fits in what the
// pooled buffer has left; a larger one is read in pieces of this size.
inline constexpr size_t kBodyReadRoom = 16 * 1024;
// A body nobody read, still to come after the response: read and dropped up
// to this size (the connection stays open); beyond it the connection closes.
inline constexpr uint64_t kDiscardMax = 64 * 1024;
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The largest head the limits admit, plus room for one read.
inline size_t max_buffer(const Limits& l) {
  uint64_t fields = l.request_fields != 0 ? l.request_fields : 1000;
  uint64_t head = uint64_t(l.request_line) + 2 + fields * (uint64_t(l.request_field_size) + 2) + 2;
  // Leading empty lines may precede the request line (bounded by request_line).
  head += l.request_line;
  return size_t(std::min<uint64_t>(head, uint64_t(1) << 30)) + 16 * 1024;
}

}  // namespace detail

struct Connection::Impl final : Completion {
  // Where the current request's bytes are.
  enum class Input : uint8_t {
    head,     // waiting for or parsing a request head
    body,     // decoding a request body into its window
    discard,  // dropping the rest of a body nobody reads
    done,     // the request is received; later bytes wait (pipelining)
    closed,   // nothing more is read
  };
  // Where the current request's answer is.
  enum class Stage : uint8_t {
    none,        // no request is being served
    handling,    // a handler has the request and has not given its response
    discarding,  // the response is given; the rest of a body nobody read is
                 // read and dropped before it is sent (as Apache does)
    responding,  // the response is being written (possibly streaming)
  };

  Impl(const Settings& s, Handler& h, ExchangeObserver* o, const util::Clock& c, util::DateCache& d,
       const Peer& p, Port* port)
      : settings(s),
        handler(h),
        observer(o),
        clock(c),
        dates(d),
        peer(p),
        waker(std::make_shared<Waker>(port)),
        in(s.buffers, detail::max_buffer(s.limits)) {
    head_out.reserve(512);
    request.peer = &peer;
    request.completion = this;
    request.waker = waker;
  }

  ~Impl() override { waker->detach(); }

  const Settings& settings;
  Handler& handler;
  ExchangeObserver* observer;
  const util::Clock& clock;
  util::DateCache& dates;
  const Peer& peer;
  const std::shared_ptr<Waker> waker;

  detail::InputBuffer in;
  Input input = Input::head;
  Stage stage = Stage::none;
  detail::HeadScanner scanner;
  detail::HeadInfo info;
  detail::ChunkedDecoder chunked;
  uint64_t body_left = 0;  // Content-Length bytes not decoded yet
  uint64_t discarded = 0;  // body bytes dropped
  RequestBody body;
  bool started = false;  // a byte of the current request has arrived
  bool eof = false;
  bool broken = false;             // the socket failed: nothing more is sent
  bool draining = false;           // the server is stopping: the next response is the last
  bool close_after = false;        // this response is the connection's last
  bool continue_sent = false;      // 100 Continue (or no need for it)
  std::atomic<bool> ready{false};  // complete() was called
  uint64_t bytes_read = 0;
  util::Usec read_time = 0;
  uint32_t requests = 0;

  Request request;
  Response response;
  Body retired;  // a response replaced while its stream may still be written
  std::string head_out;
  detail::OutputQueue out;
  bool response_queued = false;  // `out` holds a response (not only 100 Continue)

  // ---- Completion -----------------------------------------------------------

  void complete() override;

  BodySource* stream() const { return response.body.stream(); }
  bool stream_busy() const;

  // ---- requests -------------------------------------------------------------

  void reset_request();

  // Runs until nothing more can be done without the socket or a handler.
  void advance();

  // True when a request was answered or dispatched.
  bool parse_head();

  void start_body();

  // The body cannot complete: the handler learns it from its reads; the
  // exchange is answered `status` (if its head is not out yet) and the
  // connection closed.
  void body_failed(int status);

  // True when bytes were decoded or the input state changed.
  bool decode_body();

  // A discard before the response ended: the response goes out, or the
  // error the body turned out to be (`error` != 0: bad framing, too large).
  bool end_discard(int error);

  // 100 Continue once the handler reads a body the client holds back.
  void send_continue();

  void dispatch();

  // The handler's response is given (it returned, or completed it).
  void respond();

  // Answers `status` instead of what the handler gave (its stream, if any,
  // is cancelled but kept until its producer lets go).
  void replace_with_error(int status);

  // The handler is done with the request; what of its body it did not read
  // is dropped. A small rest is read first, before the response goes out
  // (stage discarding), so the body's framing and LimitRequestBody are
  // judged as when a handler reads it, and the connection stays usable; a
  // large one is not read at all: the connection closes after the response.
  void settle_input();

  // `plain_http_on_tls`: the 400 says the client spoke plain HTTP to a TLS port.
  void fail(int status, bool plain_http_on_tls = false);

  void queue_response(bool error);

  // Output drained: pulls a stream, or ends the exchange. True on progress.
  bool step_output();

  void log(bool completed);

  void finish_exchange();

  // Gives up on the exchange: nothing more is sent or read.
  void abandon();

  void on_timeout();

  void on_wake();

  bool wants_read() const;

  bool finished() const;
};

}  // namespace mpmd::http
