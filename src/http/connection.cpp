#include "http/connection.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "http/chunked.hpp"
#include "http/error_page.hpp"
#include "http/input_buffer.hpp"
#include "http/output_queue.hpp"
#include "http/parser.hpp"
#include "http/request_body.hpp"
#include "http/serializer.hpp"

namespace mpmd::http {

namespace {

// Room after a head for the body's bytes: a small body fits in what the
// pooled buffer has left; a larger one is read in pieces of this size.
constexpr size_t kBodyReadRoom = 16 * 1024;
// A body nobody read, still to come after the response: read and dropped up
// to this size (the connection stays open); beyond it the connection closes.
constexpr uint64_t kDiscardMax = 64 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The largest head the limits admit, plus room for one read.
size_t max_buffer(const Limits& l) {
  uint64_t fields = l.request_fields != 0 ? l.request_fields : 1000;
  uint64_t head = uint64_t(l.request_line) + 2 + fields * (uint64_t(l.request_field_size) + 2) + 2;
  // Leading empty lines may precede the request line (bounded by request_line).
  head += l.request_line;
  return size_t(std::min<uint64_t>(head, uint64_t(1) << 30)) + 16 * 1024;
}

}  // namespace

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
        in(s.buffers, max_buffer(s.limits)) {
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

  void complete() override {
    ready.store(true, std::memory_order_release);
    waker->wake();
  }

  BodySource* stream() const { return response.body.stream(); }
  bool stream_busy() const {
    BodySource* s = stream();
    BodySource* r = retired.stream();
    return (s && s->busy()) || (r && r->busy());
  }

  // ---- requests -------------------------------------------------------------

  void reset_request() {
    request.method = Method::get;
    request.method_text = {};
    request.target = {};
    request.path = {};
    request.query = {};
    request.host = {};
    request.request_line = {};
    request.version = Version::http11;
    request.headers.clear();
    request.body = nullptr;
    request.keep_alive = true;
    request.start = 0;
    request.bytes_received = 0;
    request.index_on_connection = requests;
    body.reset();
    retired.clear();
    scanner.reset();
    info = detail::HeadInfo();
    body_left = 0;
    discarded = 0;
    started = false;
    continue_sent = false;
    ready.store(false, std::memory_order_relaxed);
    out.reset();
  }

  // Runs until nothing more can be done without the socket or a handler.
  void advance() {
    while (true) {
      bool progress = false;
      switch (input) {
        case Input::head:
          if (stage == Stage::none && !broken) progress = parse_head();
          break;
        case Input::body:
        case Input::discard:
          progress = decode_body();
          break;
        case Input::done:
        case Input::closed:
          break;
      }
      send_continue();
      if (stage == Stage::responding) progress |= step_output();
      body.notify_reader();
      if (!progress) return;
    }
  }

  // True when a request was answered or dispatched.
  bool parse_head() {
    if (in.empty()) {
      if (eof) input = Input::closed;  // clean close between requests
      return false;
    }
    if (!started) {
      started = true;
      request.start = read_time;
    }
    std::string_view data = in.unparsed();
    detail::ScanResult r = scanner.scan(data, settings.limits);
    if (r == detail::ScanResult::incomplete) {
      if (!eof) return false;
      fail(400);
      return true;
    }
    if (r == detail::ScanResult::error) {
      std::string_view line = scanner.partial_line(data);
      request.request_line = line.substr(0, std::min(line.size(), settings.limits.request_line));
      fail(scanner.status());
      return true;
    }
    in.skip(scanner.head_begin());
    const size_t head_size = scanner.head_end() - scanner.head_begin();
    request.bytes_received = head_size;
    int status = detail::parse_head(in.pin_head(head_size, 0), request, info);
    if (status == 0 && (info.chunked || info.content_length > 0)) {
      const size_t room = info.chunked
                              ? kBodyReadRoom
                              : size_t(std::min<uint64_t>(info.content_length, kBodyReadRoom));
      if (in.room_after_head() < room) {
        // A larger buffer for the body. It moves the head, so the views are
        // made again (rare: only bodies that do not fit the pooled buffer).
        request.headers.clear();
        info = detail::HeadInfo();
        status = detail::parse_head(in.pin_head(head_size, room), request, info);
      }
    }
    if (status != 0) {
      fail(status);
      return true;
    }
    const uint64_t limit = settings.limits.request_body;
    if (!info.chunked && limit != 0 && info.content_length > limit) {
      fail(413);
      return true;
    }
    start_body();
    dispatch();
    return true;
  }

  void start_body() {
    if (!info.chunked && info.content_length == 0) {
      input = Input::done;
      return;
    }
    body_left = info.content_length;
    if (info.chunked) chunked.reset();
    // The client waits for 100 Continue only if it has sent nothing of the body.
    const bool waits = info.expect_continue && in.pending().empty();
    continue_sent = !waits;
    body.start(info.chunked ? std::nullopt : std::optional<uint64_t>(info.content_length), waits,
               waker);
    request.body = &body;
    input = Input::body;
  }

  // The body cannot complete: the handler learns it from its reads; the
  // exchange is answered `status` (if its head is not out yet) and the
  // connection closed.
  void body_failed(int status) {
    body.fail(status);
    input = Input::closed;
    close_after = true;
  }

  // True when bytes were decoded or the input state changed.
  bool decode_body() {
    if (input == Input::body && body.complete()) {
      // The reader gave up (its own limit): read no more of it.
      input = Input::closed;
      close_after = true;
      return true;
    }
    const std::string_view data = in.pending();
    const bool drop = input == Input::discard;
    size_t used = 0;
    bool complete = false;
    if (!info.chunked) {
      size_t take = size_t(std::min<uint64_t>(body_left, data.size()));
      if (!drop) {
        take = body.produce([&](std::string& buf, size_t room) {
          size_t n = std::min(take, room);
          buf.append(data.data(), n);
          return n;
        });
      }
      used = take;
      body_left -= take;
      complete = body_left == 0;
    } else {
      auto st = detail::ChunkedDecoder::Status::need_more;
      const uint64_t limit = settings.limits.request_body;
      if (drop) {
        st = chunked.decode(data, used, nullptr, SIZE_MAX, limit, settings.limits);
      } else {
        st = body.produce([&](std::string& buf, size_t room) {
          return chunked.decode(data, used, &buf, room, limit, settings.limits);
        });
      }
      if (st == detail::ChunkedDecoder::Status::error) {
        in.consume(used);
        if (drop) return end_discard(chunked.status());
        body_failed(chunked.status());
        return true;
      }
      complete = st == detail::ChunkedDecoder::Status::done;
    }
    in.consume(used);
    request.bytes_received += used;
    if (drop) discarded += used;
    if (complete) {
      if (drop) {
        // Trailers are judged as when a handler reads the body.
        Headers trailers;
        if (info.chunked && detail::parse_fields(chunked.trailer_block(), trailers) != 0) {
          return end_discard(400);
        }
        input = Input::done;
        return end_discard(0);
      }
      std::string trailers = info.chunked ? std::string(chunked.trailer_block()) : std::string();
      if (int st = body.finish_status(std::move(trailers)); st != 0) {
        body_failed(st);
      } else {
        input = Input::done;
      }
      return true;
    }
    if (eof && in.pending().empty()) {
      // The client ended its side in the middle of the body.
      if (drop) return end_discard(400);
      body_failed(400);
      return true;
    }
    if (drop && discarded > kDiscardMax) {
      // A chunked body longer than is worth reading for nothing.
      input = Input::closed;
      close_after = true;
      return end_discard(0);
    }
    return used > 0;
  }

  // A discard before the response ended: the response goes out, or the
  // error the body turned out to be (`error` != 0: bad framing, too large).
  bool end_discard(int error) {
    if (error != 0) {
      input = Input::closed;
      if (stage == Stage::discarding) replace_with_error(error);
      close_after = true;
    }
    if (stage == Stage::discarding) {
      stage = Stage::responding;
      queue_response(false);
    }
    return true;
  }

  // 100 Continue once the handler reads a body the client holds back.
  void send_continue() {
    if (continue_sent || input != Input::body || response_queued || broken) return;
    if (!body.continue_wanted()) return;
    continue_sent = true;
    body.continue_sent();
    out.push_interim(kContinue);
  }

  void dispatch() {
    request.peer = &peer;
    request.index_on_connection = requests;
    response.clear();
    response.head_only = request.method == Method::head;
    ready.store(false, std::memory_order_relaxed);
    stage = Stage::handling;
    handler.handle(request, response);
    if (stage != Stage::handling) return;  // answered from inside handle() (a stream)
    if (!response.deferred || ready.load(std::memory_order_acquire)) respond();
  }

  // The handler's response is given (it returned, or completed it).
  void respond() {
    response.deferred = false;
    ready.store(false, std::memory_order_relaxed);
    stage = Stage::responding;
    if (broken) {
      // Nobody to send it to; a stream's producer is told at its next write.
      if (BodySource* s = stream()) s->cancel();
      log(false);
      return;
    }
    const int failure = request.body ? body.failure() : -1;
    if (failure > 0) {
      replace_with_error(failure);
    } else if (!stream_busy()) {
      settle_input();
      if (stage == Stage::discarding) return;  // sent once the body is dropped
    }
    queue_response(false);
  }

  // Answers `status` instead of what the handler gave (its stream, if any,
  // is cancelled but kept until its producer lets go).
  void replace_with_error(int status) {
    if (BodySource* s = stream()) s->cancel();
    retired = std::move(response.body);
    const bool head_only = response.head_only;
    response.clear();
    response.head_only = head_only;
    error_page(response, status);
    close_after = true;
  }

  // The handler is done with the request; what of its body it did not read
  // is dropped. A small rest is read first, before the response goes out
  // (stage discarding), so the body's framing and LimitRequestBody are
  // judged as when a handler reads it, and the connection stays usable; a
  // large one is not read at all: the connection closes after the response.
  void settle_input() {
    if (request.body) body.forget_reader();
    if (input != Input::body) return;
    const bool small = info.chunked || body_left <= kDiscardMax;
    if (!continue_sent) {
      // The client waits for 100 Continue: only a request that will succeed
      // gets it (and its body is then read and dropped); any other answer
      // goes out at once and the body is never sent.
      if (response.status >= 300 || !small || stage != Stage::responding || response_queued) {
        input = Input::closed;
        close_after = true;
        return;
      }
      continue_sent = true;
      body.continue_sent();
      out.push_interim(kContinue);
    }
    if (!small) {
      input = Input::closed;
      close_after = true;
      return;
    }
    input = Input::discard;
    if (stage == Stage::responding && !response_queued) stage = Stage::discarding;
  }

  void fail(int status) {
    response.clear();
    response.status = status;
    response.close = true;
    response.head_only = request.method_text == "HEAD";
    error_page(response, status);
    request.peer = &peer;
    request.index_on_connection = requests;
    input = Input::closed;
    stage = Stage::responding;
    queue_response(true);
  }

  void queue_response(bool error) {
    const uint32_t max = settings.max_keepalive_requests;
    close_after = close_after || error || draining || response.close || !settings.keep_alive ||
                  !request.keep_alive || info.must_close || (max != 0 && requests + 1 >= max) ||
                  (eof && in.pending().empty());
    const bool no_body = detail::status_without_body(response.status);
    const std::optional<uint64_t> length = response.body.length();

    detail::HeadFacts facts;
    facts.date = dates.http_date(clock.now());
    facts.server = settings.server_header;
    if (no_body) {
      facts.framing = detail::Framing::none;
    } else if (length) {
      facts.framing = detail::Framing::length;
      facts.length = *length;
    } else if (response.head_only) {
      facts.framing = detail::Framing::none;  // no body follows; its length is unknown
    } else if (request.version == Version::http11) {
      facts.framing = detail::Framing::chunked;
    } else {
      facts.framing = detail::Framing::none;  // HTTP/1.0: the close ends the body
      close_after = true;
    }
    if (close_after) {
      facts.connection = detail::ConnectionField::close;
    } else if (request.version == Version::http10) {
      facts.connection = detail::ConnectionField::keep_alive;
    }
    head_out.clear();
    detail::serialize_head(head_out, response, facts);
    out.start(head_out, response.body, !no_body && !response.head_only,
              facts.framing == detail::Framing::chunked);
    response_queued = true;
  }

  // Output drained: pulls a stream, or ends the exchange. True on progress.
  bool step_output() {
    if (out.has_output()) return false;
    if (out.streaming()) {
      switch (out.refill(waker)) {
        case detail::OutputQueue::Refill::queued:
          return true;
        case detail::OutputQueue::Refill::waiting:
          return false;  // the stream wakes the connection
        case detail::OutputQueue::Refill::ended:
          return true;
        case detail::OutputQueue::Refill::failed:
          // The body cannot be completed: the client sees the connection close.
          abandon();
          return true;
        case detail::OutputQueue::Refill::none:
          break;
      }
    }
    if (stream_busy()) return false;  // its producer may still touch the request
    settle_input();
    if (input == Input::body || input == Input::discard) return false;
    finish_exchange();
    return true;
  }

  void log(bool completed) {
    if (!observer) return;
    Exchange ex;
    ex.header_bytes_sent = out.header_bytes();
    ex.body_bytes_sent = out.body_bytes();
    ex.end = clock.now();
    ex.completed = completed;
    observer->on_exchange(request, response, ex);
  }

  void finish_exchange() {
    if (response_queued) log(!broken);
    response_queued = false;
    stage = Stage::none;
    ++requests;
    if (close_after || broken || input == Input::closed) {
      input = Input::closed;
      return;
    }
    in.unpin();
    reset_request();
    input = Input::head;
  }

  // Gives up on the exchange: nothing more is sent or read.
  void abandon() {
    broken = true;
    if (request.body) body.fail(0);
    if (response_queued) {
      log(false);
      response_queued = false;
    }
    out.abandon();
    if (BodySource* s = stream()) s->cancel();
    input = Input::closed;
  }

  void on_timeout() {
    switch (stage) {
      case Stage::handling:
        // The handler has the request; a body it waits for is too slow.
        if (input == Input::body) body_failed(408);
        advance();
        return;
      case Stage::discarding:
        end_discard(408);  // the rest of the body is too slow
        advance();
        return;
      case Stage::responding:
        if (out.has_output() || out.streaming()) {
          abandon();
        } else {
          input = Input::closed;  // a discarded body that stopped coming
          close_after = true;
        }
        advance();
        return;
      case Stage::none:
        if (input == Input::head && in.empty()) {
          input = Input::closed;
        } else if (input == Input::head) {
          fail(408);
        } else {
          input = Input::closed;
        }
        return;
    }
  }

  void on_wake() {
    if (stage == Stage::handling && ready.load(std::memory_order_acquire)) respond();
    advance();
  }

  bool wants_read() const {
    if (broken || !in.can_read()) return false;
    switch (input) {
      case Input::head:
        return stage == Stage::none;  // pipelined requests wait for the current one
      case Input::body:
        return body.room() > 0;
      case Input::discard:
        return true;
      case Input::done:
      case Input::closed:
        break;
    }
    return false;
  }

  bool finished() const {
    return input == Input::closed && stage == Stage::none && !out.has_output() && !out.streaming();
  }
};

Connection::Connection(const Settings& settings, Handler& handler, ExchangeObserver* observer,
                       const util::Clock& clock, util::DateCache& dates, const Peer& peer,
                       Port* port)
    : impl_(std::make_unique<Impl>(settings, handler, observer, clock, dates, peer, port)) {}

Connection::~Connection() = default;

std::span<char> Connection::read_buffer() {
  return impl_->in.space();
}

void Connection::on_read(size_t n) {
  Impl& c = *impl_;
  c.in.commit(n);
  c.bytes_read += n;
  c.read_time = c.clock.now();
  c.advance();
}

void Connection::on_eof() {
  impl_->eof = true;
  impl_->advance();
}

void Connection::on_timeout() {
  impl_->on_timeout();
}

void Connection::on_error() {
  impl_->abandon();
  impl_->advance();
}

void Connection::on_wake() {
  impl_->on_wake();
}

void Connection::close_after_response() {
  // A response already serialised keeps its headers: the connection stays
  // open for one more request, so a client that sends it at once is answered
  // (with Connection: close) rather than cut off.
  impl_->draining = true;
}

bool Connection::busy() const {
  return impl_->stage == Impl::Stage::handling || impl_->stream_busy();
}

bool Connection::awaiting_handler() const {
  return !has_output() && !wants_read() && !finished();
}

Connection::Phase Connection::phase() const {
  const Impl& c = *impl_;
  if (c.out.has_output()) return Phase::responding;
  switch (c.stage) {
    case Impl::Stage::handling:
      // Reading a body the handler waits for is the client's time; a full
      // window (or no body) is the handler's.
      return c.input == Impl::Input::body && c.body.room() > 0 ? Phase::body : Phase::handling;
    case Impl::Stage::discarding:
      return Phase::body;
    case Impl::Stage::responding:
      if (c.out.streaming() || c.stream_busy()) return Phase::handling;
      return c.input == Impl::Input::discard ? Phase::body : Phase::responding;
    case Impl::Stage::none:
      break;
  }
  if (c.input == Impl::Input::head) return c.in.empty() ? Phase::waiting : Phase::head;
  return Phase::closed;
}

void Connection::release_idle_memory() {
  Impl& c = *impl_;
  if (!idle()) return;
  std::string().swap(c.head_out);
  c.out.release_memory();
  c.body.release_memory();
}

uint64_t Connection::bytes_read() const {
  return impl_->bytes_read;
}

bool Connection::has_output() const {
  return impl_->out.has_output();
}

std::span<const OutputSlice> Connection::output(size_t max) {
  return impl_->out.output(max);
}

void Connection::on_written(size_t n) {
  impl_->out.written(n);
  if (!impl_->out.has_output()) impl_->advance();
}

bool Connection::wants_read() const {
  return impl_->wants_read();
}

bool Connection::idle() const {
  const Impl& c = *impl_;
  return c.stage == Impl::Stage::none && c.input == Impl::Input::head && c.in.empty() &&
         !c.out.has_output() && c.requests > 0;
}

bool Connection::finished() const {
  return impl_->finished();
}

uint32_t Connection::requests() const {
  return impl_->requests;
}

}  // namespace mpmd::http
