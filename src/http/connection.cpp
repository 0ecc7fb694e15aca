#include "http/connection.hpp"

#include <algorithm>

#include "http/connection_impl.hpp"
#include "http/error_page.hpp"
#include "http/serializer.hpp"
#include "http/tls_session.hpp"

namespace mpmd::http {

using detail::kBodyReadRoom;

void Connection::Impl::complete() {
  ready.store(true, std::memory_order_release);
  waker->wake();
}

bool Connection::Impl::stream_busy() const {
  BodySource* s = stream();
  BodySource* r = retired.stream();
  return (s && s->busy()) || (r && r->busy());
}

void Connection::Impl::reset_request() {
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

void Connection::Impl::advance() {
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

bool Connection::Impl::parse_head() {
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
  if (peer.tls && peer.tls->plain_http) {
    // Plain HTTP on a TLS port: a 400 that says so (Apache, nginx).
    std::string_view line = scanner.partial_line(data);
    request.request_line = line.substr(0, std::min(line.size(), settings.limits.request_line));
    fail(400, true);
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

void Connection::Impl::dispatch() {
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

void Connection::Impl::respond() {
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

void Connection::Impl::replace_with_error(int status) {
  if (BodySource* s = stream()) s->cancel();
  retired = std::move(response.body);
  const bool head_only = response.head_only;
  response.clear();
  response.head_only = head_only;
  error_page(response, status);
  close_after = true;
}

void Connection::Impl::fail(int status, bool plain_http_on_tls) {
  response.clear();
  response.status = status;
  response.close = true;
  response.head_only = request.method_text == "HEAD";
  error_page(response, status);
  if (plain_http_on_tls) plain_http_on_tls_page(response);
  request.peer = &peer;
  request.index_on_connection = requests;
  input = Input::closed;
  stage = Stage::responding;
  queue_response(true);
}

void Connection::Impl::queue_response(bool error) {
  if (observer) observer->before_head(request, response);
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

bool Connection::Impl::step_output() {
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

void Connection::Impl::log(bool completed) {
  if (!observer) return;
  Exchange ex;
  ex.header_bytes_sent = out.header_bytes();
  ex.body_bytes_sent = out.body_bytes();
  ex.end = clock.now();
  ex.completed = completed;
  observer->on_exchange(request, response, ex);
}

void Connection::Impl::finish_exchange() {
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

void Connection::Impl::abandon() {
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

void Connection::Impl::on_timeout() {
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

void Connection::Impl::on_wake() {
  if (stage == Stage::handling && ready.load(std::memory_order_acquire)) respond();
  advance();
}

bool Connection::Impl::wants_read() const {
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

bool Connection::Impl::finished() const {
  return input == Input::closed && stage == Stage::none && !out.has_output() && !out.streaming();
}

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
