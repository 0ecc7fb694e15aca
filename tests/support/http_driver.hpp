// Drives an http::Connection with strings, the way an engine would: feeds
// input only while the Connection wants to read, writes all output (reading
// file slices back with pread) and records what the handler and the observer
// saw. Shared by the HTTP core's tests and by anyone testing handlers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/connection.hpp"
#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "http/waker.hpp"
#include "util/clock.hpp"

namespace mpmd::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

// An owning copy of an http::Request.
struct SeenRequest {
  http::Method method = http::Method::get;
  std::string method_text, target, path, query, host, request_line;
  http::Version version = http::Version::http11;
  Fields headers, trailers;
  // The body as the recorder read it before calling the handler (see
  // Driver::stream_body), with its trailers.
  std::string body;
  int body_error = 0;  // the read's error status, if it failed
  bool keep_alive = true;
  util::Usec start = 0;
  uint64_t bytes_received = 0;
  uint32_t index_on_connection = 0;
  const http::Peer* peer = nullptr;

  static SeenRequest from(const http::Request& r);
};

// What the observer was told about one exchange.
struct SeenExchange {
  SeenRequest request;
  int status = 0;
  http::Exchange exchange;
};

// One response parsed back from the output bytes.
struct ParsedResponse {
  int status = 0;
  std::string status_line;
  Fields headers;
  std::string body;      // de-chunked when chunked
  size_t chunks = 0;     // chunked: chunks seen, the last (empty) one included
  std::string raw_head;  // status line .. empty line
  // First value of a field (ASCII case-insensitive), or "" if absent.
  std::string header(std::string_view name) const;
  bool has(std::string_view name) const;
  size_t count(std::string_view name) const;
};

// Parses consecutive responses from `bytes`. For a response to HEAD (in
// order, given by `head_flags`) or a 1xx/204/304, no body is read; a body is
// Content-Length bytes, chunked, or the rest. Stops at the first incomplete
// response.
std::vector<ParsedResponse> parse_responses(std::string_view bytes,
                                            const std::vector<bool>& head_flags = {});

// Runs on one thread, so it is also the connection's Port: wake() is
// counted (resume() answers it), and a handler's blocking body read or full
// response stream moves bytes in pump_nested() as a blocking engine does.
class Driver final : public http::Port {
 public:
  using HandlerFn = std::function<void(const http::Request&, http::Response&)>;

  // The default handler answers 200 "text/plain" with the request body, or
  // "ok" when the body is empty. Unless stream_body is set, the whole body is
  // read (recorded in handled()) before the handler runs.
  explicit Driver(http::Settings settings = {}, HandlerFn fn = {});
  ~Driver();

  // Queues bytes and runs the engine loop: reads (at most `read_size` per
  // read) while the Connection wants to read, writes output in pieces of at
  // most `write_size` bytes.
  void feed(std::string_view bytes);
  // Peer closed its sending side (after queued input was read).
  void eof();
  void timeout();
  void error();
  // A handler woke the connection (a deferred response, a stream): calls
  // on_wake() and runs the loop.
  void resume();

  // http::Port
  void wake() override { wakes.fetch_add(1); }
  bool on_connection_thread() const override { return true; }
  bool pump_nested() override;

  // Bytes written so far that were not yet taken; clears them.
  std::string take_output();
  // take_output() parsed into responses.
  std::vector<ParsedResponse> take_responses(const std::vector<bool>& head_flags = {});

  http::Connection& connection() { return *conn_; }
  util::ManualClock& clock() { return clock_; }
  const std::vector<SeenRequest>& handled() const { return handled_; }
  const std::vector<SeenExchange>& exchanges() const { return exchanges_; }
  const http::Peer& peer() const { return peer_; }
  // Input queued but not yet read because the Connection did not want it.
  size_t unread() const { return input_.size() - input_pos_; }

  size_t read_size = SIZE_MAX;
  size_t write_size = SIZE_MAX;
  // Hand the request to the handler with its body unread (it streams it).
  bool stream_body = false;
  // pump_nested() moves bytes as a blocking engine's does (prefork, worker);
  // otherwise it answers false at once, as the event loop does.
  bool nested_pump = false;
  // Port::wake() calls so far (handlers may wake from other threads).
  std::atomic<int> wakes{0};
  // Largest read_buffer() span seen, to check the buffer stays bounded.
  size_t max_read_span = 0;

 private:
  class Recorder;
  void run();
  bool write_once();
  bool read_once();

  http::Settings settings_;
  util::ManualClock clock_;
  util::DateCache dates_;
  http::Peer peer_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<http::Connection> conn_;
  std::string input_;
  size_t input_pos_ = 0;
  bool pending_eof_ = false;  // eof() was called and not yet delivered
  int wakes_seen_ = 0;
  std::string output_;
  std::vector<SeenRequest> handled_;
  std::vector<SeenExchange> exchanges_;
};

// `bytes` without its "100 Continue" interim responses: whether one is sent
// depends on how the request was cut into reads (the body's first bytes may
// come with the head), the final responses must not.
std::string strip_continue(std::string bytes);

// A one-shot helper: feeds `input` into a fresh Driver (split into reads at
// the given offsets, or in one read) followed by EOF, and returns everything
// written.
std::string run_split(const http::Settings& settings, std::string_view input,
                      const std::vector<size_t>& cuts, bool send_eof = true);
// The same with a handler of its own (`stream_body`: see Driver::stream_body).
std::string run_split(const http::Settings& settings, std::string_view input,
                      const std::vector<size_t>& cuts, bool send_eof, Driver::HandlerFn fn,
                      bool stream_body);

}  // namespace mpmd::test
