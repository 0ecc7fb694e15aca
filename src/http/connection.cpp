#include "http/connection.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "http/chunked.hpp"
#include "http/parser.hpp"
#include "http/serializer.hpp"

namespace mpmd::http {

namespace {

constexpr size_t kInitialBuffer = BufferPool::kBufferSize;
constexpr size_t kReadSlack = 16 * 1024;         // room beyond the longest head
constexpr size_t kMinBodyRoom = 4 * 1024;        // scratch after the head for body bytes
constexpr size_t kKeptBodyCapacity = 64 * 1024;  // larger body buffers are freed after use
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The largest head the limits admit, plus room for one read.
size_t max_buffer(const Limits& l) {
  uint64_t fields = l.request_fields != 0 ? l.request_fields : 1000;
  uint64_t head = uint64_t(l.request_line) + 2 + fields * (uint64_t(l.request_field_size) + 2) + 2;
  // Leading empty lines may precede the request line (bounded by request_line).
  head += l.request_line;
  return size_t(std::min<uint64_t>(head, uint64_t(1) << 30)) + kReadSlack;
}

}  // namespace

struct Connection::Impl {
  // pending: a handler deferred its response (Response::deferred).
  enum class State : uint8_t { head, body, pending, writing, closed };

  Impl(const Settings& s, Handler& h, ExchangeObserver* o, const util::Clock& c, util::DateCache& d,
       const Peer& p)
      : settings(s), handler(h), observer(o), clock(c), dates(d), peer(p) {
    max_cap = max_buffer(s.limits);  // the buffer is allocated on the first read
    head_out.reserve(512);
    slices.reserve(8);
    request.headers.clear();
    request.peer = &peer;
  }

  const Settings& settings;
  Handler& handler;
  ExchangeObserver* observer;
  const util::Clock& clock;
  util::DateCache& dates;
  const Peer& peer;
  Completion* completion = nullptr;

  // Input: buf[begin, end) holds unconsumed bytes of the current request and
  // any pipelined after it. In the body state, buf[begin, head_end) is the
  // head (Request views point into it) and buf[pos, end) undecoded body bytes.
  std::unique_ptr<char[]> buf;
  size_t cap = 0;
  size_t max_cap = 0;
  size_t begin = 0;
  size_t head_end = 0;
  size_t pos = 0;
  size_t end = 0;

  State state = State::head;
  detail::HeadScanner scanner;
  detail::HeadInfo info;
  detail::ChunkedDecoder chunked;
  uint64_t body_left = 0;
  bool started = false;  // a byte of the current request has arrived
  bool eof = false;
  bool draining = false;  // the server is stopping: the next response is the last
  uint64_t bytes_read = 0;
  bool close_after = false;
  util::Usec read_time = 0;

  Request request;
  Response response;
  std::string head_out;

  // Output: slices[next..] are pending; slices before `body_first` are head bytes.
  std::vector<OutputSlice> slices;
  size_t next = 0;
  size_t body_first = 0;
  bool response_queued = false;  // slices hold a response (not only 100 Continue)
  uint64_t header_sent = 0;
  uint64_t body_sent = 0;
  uint32_t requests = 0;

  bool has_output() const { return next < slices.size(); }

  // ---- input buffer -------------------------------------------------------

  // Moves every Request view that points into [lo, lo+len) by `delta` bytes
  // from `lo` to `to`.
  void move_views(const char* lo, size_t len, const char* to) {
    auto fix = [&](std::string_view& v) {
      if (v.data() == nullptr) return;
      uintptr_t p = reinterpret_cast<uintptr_t>(v.data());
      uintptr_t l = reinterpret_cast<uintptr_t>(lo);
      if (p < l || p > l + len) return;
      v = std::string_view(to + (p - l), v.size());
    };
    fix(request.method_text);
    fix(request.target);
    fix(request.path);
    fix(request.query);
    fix(request.host);
    fix(request.request_line);
    for (const Header& h : request.headers.fields()) {
      Header& m = const_cast<Header&>(h);
      fix(m.name);
      fix(m.value);
    }
  }

  // Makes room after `end`: drops consumed bytes before `begin`, else grows.
  void make_room() {
    if (begin > 0) {
      size_t live = end - begin;
      std::memmove(buf.get(), buf.get() + begin, live);
      move_views(buf.get() + begin, live, buf.get());
      head_end -= std::min(head_end, begin);
      pos -= begin;
      end = live;
      begin = 0;
      if (end < cap) return;
    }
    // Beyond max_cap only if the engine reads while wants_read() is false.
    size_t grown = cap < max_cap ? std::min(cap * 2, max_cap) : cap + kReadSlack;
    std::unique_ptr<char[]> bigger(new char[grown]);
    std::memcpy(bigger.get(), buf.get(), end);
    move_views(buf.get(), end, bigger.get());
    buf = std::move(bigger);
    cap = grown;
  }

  // Nothing pipelined: the buffer goes back to the pool until the next
  // request arrives, so idle keep-alive connections hold none. A buffer grown
  // for a huge head goes back to the heap.
  void release_buffer() {
    if (settings.buffers && cap == kInitialBuffer) settings.buffers->release(std::move(buf));
    buf.reset();
    cap = 0;
  }

  std::span<char> read_buffer() {
    if (!buf) {
      cap = std::min(kInitialBuffer, max_cap);
      buf = settings.buffers && cap == kInitialBuffer ? settings.buffers->acquire()
                                                      : std::unique_ptr<char[]>(new char[cap]);
    }
    if (end == cap) make_room();
    return {buf.get() + end, cap - end};
  }

  // ---- parsing ------------------------------------------------------------

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
    request.body.clear();
    request.trailers.clear();
    request.keep_alive = true;
    request.start = 0;
    request.peer = &peer;
    request.bytes_received = 0;
    request.index_on_connection = requests;
    scanner.reset();
    info = detail::HeadInfo();
    body_left = 0;
    started = false;
    header_sent = 0;
    body_sent = 0;
  }

  void process() {
    if (state == State::head && !parse_head()) return;
    if (state == State::body) read_body();
  }

  // Returns true when the head is parsed and the body state entered.
  bool parse_head() {
    if (begin == end) {
      if (eof) state = State::closed;  // clean close between requests
      return false;
    }
    if (!started) {
      started = true;
      request.start = read_time;
    }
    std::string_view data(buf.get() + begin, end - begin);
    detail::ScanResult r = scanner.scan(data, settings.limits);
    if (r == detail::ScanResult::incomplete) {
      if (eof) fail(400);
      return false;
    }
    if (r == detail::ScanResult::error) {
      std::string_view line = scanner.partial_line(data);
      request.request_line = line.substr(0, std::min(line.size(), settings.limits.request_line));
      fail(scanner.status());
      return false;
    }
    begin += scanner.head_begin();
    size_t head_size = scanner.head_end() - scanner.head_begin();
    head_end = begin + head_size;
    pos = head_end;
    request.bytes_received = head_size;
    int status = detail::parse_head(std::string_view(buf.get() + begin, head_size), request, info);
    if (status != 0) {
      fail(status);
      return false;
    }
    const uint64_t limit = settings.limits.request_body;
    if (!info.chunked && limit != 0 && info.content_length > limit) {
      fail(413);
      return false;
    }
    body_left = info.content_length;
    if (info.chunked) {
      chunked.reset();
      request.body.reserve(std::min<uint64_t>(64 * 1024, limit ? limit : 64 * 1024));
    } else if (body_left > 0) {
      request.body.reserve(size_t(std::min<uint64_t>(body_left, 1 << 20)));
    }
    state = State::body;
    if (info.expect_continue && (info.chunked || body_left > 0) && pos == end) {
      slices.clear();
      slices.push_back(OutputSlice{kContinue});
      next = 0;
      body_first = 1;
      response_queued = false;
    }
    return true;
  }

  void read_body() {
    if (!info.chunked) {
      size_t take = size_t(std::min<uint64_t>(body_left, end - pos));
      request.body.append(buf.get() + pos, take);
      pos += take;
      body_left -= take;
      request.bytes_received += take;
      if (body_left > 0) return need_more_body();
    } else {
      size_t used = 0;
      auto st = chunked.decode(std::string_view(buf.get() + pos, end - pos), used, request.body,
                               settings.limits.request_body, settings.limits);
      pos += used;
      request.bytes_received += used;
      if (st == detail::ChunkedDecoder::Status::error) return fail(chunked.status());
      if (st == detail::ChunkedDecoder::Status::need_more) return need_more_body();
      if (detail::parse_fields(chunked.trailer_block(), request.trailers) != 0) return fail(400);
    }
    dispatch();
  }

  // All buffered body bytes were decoded: reuse the space after the head.
  void need_more_body() {
    pos = end = head_end;
    if (eof) return fail(400);
    if (cap - end < kMinBodyRoom) make_room();
  }

  // ---- responses ----------------------------------------------------------

  void dispatch() {
    request.peer = &peer;
    request.index_on_connection = requests;
    response.clear();
    response.head_only = request.method == Method::head;
    request.completion = completion;
    handler.handle(request, response);
    if (response.deferred && completion) {
      state = State::pending;
      return;
    }
    queue_response(false);
  }

  void resume() {
    if (state != State::pending) return;
    response.deferred = false;
    queue_response(false);
  }

  void fail(int status) {
    response.clear();
    response.status = status;
    response.close = true;
    response.head_only = request.method_text == "HEAD";
    response.headers.push_back({"Content-Type", "text/html; charset=iso-8859-1"});
    response.body.append(detail::error_body(status));
    request.peer = &peer;
    request.index_on_connection = requests;
    queue_response(true);
  }

  void queue_response(bool error) {
    const uint32_t max = settings.max_keepalive_requests;
    close_after = error || draining || response.close || !settings.keep_alive ||
                  !request.keep_alive || info.must_close || (max != 0 && requests + 1 >= max) ||
                  (eof && pos == end);
    const int status = response.status;
    const bool no_body = detail::status_without_body(status);
    uint64_t length = 0;
    for (const Segment& s : response.body.segments()) length += s.size();

    detail::HeadFacts facts;
    facts.date = dates.http_date(clock.now());
    facts.server = settings.server_header;
    facts.send_length = !no_body;
    facts.length = length;
    if (close_after) {
      facts.connection = detail::ConnectionField::close;
    } else if (request.version == Version::http10) {
      facts.connection = detail::ConnectionField::keep_alive;
    }
    head_out.clear();
    detail::serialize_head(head_out, response, facts);

    slices.clear();
    next = 0;
    slices.push_back(OutputSlice{head_out});
    body_first = 1;
    if (!no_body && !response.head_only) {
      for (const Segment& s : response.body.segments()) {
        if (s.size() == 0) continue;
        if (s.is_file()) {
          slices.push_back(OutputSlice{{}, s.file->fd(), s.offset, s.length});
        } else {
          slices.push_back(OutputSlice{s.bytes});
        }
      }
    }
    response_queued = true;
    state = State::writing;
  }

  std::span<const OutputSlice> output(size_t max) {
    size_t n = std::min(max, slices.size() - next);
    return {slices.data() + next, n};
  }

  void on_written(size_t n) {
    while (n > 0 && next < slices.size()) {
      OutputSlice& s = slices[next];
      uint64_t size = s.size();
      uint64_t take = std::min<uint64_t>(n, size);
      (next < body_first ? header_sent : body_sent) += take;
      n -= size_t(take);
      if (take == size) {
        ++next;
      } else if (s.fd >= 0) {
        s.offset += take;
        s.length -= take;
      } else {
        s.bytes.remove_prefix(size_t(take));
      }
    }
    if (next < slices.size()) return;
    slices.clear();
    next = 0;
    body_first = 0;
    if (response_queued) finish_exchange();
  }

  void log(bool completed) {
    if (!observer) return;
    Exchange ex;
    ex.header_bytes_sent = header_sent;
    ex.body_bytes_sent = body_sent;
    ex.end = clock.now();
    ex.completed = completed;
    observer->on_exchange(request, response, ex);
  }

  void finish_exchange() {
    response_queued = false;
    log(true);
    ++requests;
    if (close_after) {
      state = State::closed;
      return;
    }
    begin = pos;
    if (begin == end) {
      begin = pos = end = head_end = 0;
      if (settings.buffers || cap > kInitialBuffer) release_buffer();
    }
    if (request.body.capacity() > kKeptBodyCapacity) std::string().swap(request.body);
    reset_request();
    state = State::head;
    process();
  }

  void abandon() {
    if (state == State::pending) return;  // resume() follows; its write then fails
    if (response_queued) log(false);
    response_queued = false;
    slices.clear();
    next = 0;
    state = State::closed;
  }

  void on_timeout() {
    if (state == State::pending) return;  // the handler has the request; resume() follows
    if (has_output()) return abandon();
    if (state == State::head && begin == end) {
      state = State::closed;
      return;
    }
    if (state == State::head || state == State::body) return fail(408);
    state = State::closed;
  }

  void on_eof() {
    eof = true;
    if (!has_output() && (state == State::head || state == State::body)) process();
  }
};

Connection::Connection(const Settings& settings, Handler& handler, ExchangeObserver* observer,
                       const util::Clock& clock, util::DateCache& dates, const Peer& peer)
    : impl_(std::make_unique<Impl>(settings, handler, observer, clock, dates, peer)) {}

Connection::~Connection() = default;

std::span<char> Connection::read_buffer() {
  return impl_->read_buffer();
}

void Connection::on_read(size_t n) {
  Impl& c = *impl_;
  c.end += std::min(n, c.cap - c.end);
  c.bytes_read += n;
  c.read_time = c.clock.now();
  if (!c.has_output() && (c.state == Impl::State::head || c.state == Impl::State::body)) {
    c.process();
  }
}

void Connection::on_eof() {
  impl_->on_eof();
}
void Connection::on_timeout() {
  impl_->on_timeout();
}
void Connection::on_error() {
  impl_->abandon();
}

void Connection::close_after_response() {
  // A response already serialised keeps its headers: the connection stays
  // open for one more request, so a client that sends it at once is answered
  // (with Connection: close) rather than cut off.
  impl_->draining = true;
}

void Connection::set_completion(Completion* completion) {
  impl_->completion = completion;
}

bool Connection::awaiting_response() const {
  return impl_->state == Impl::State::pending;
}

void Connection::resume() {
  impl_->resume();
}

Connection::Phase Connection::phase() const {
  const Impl& c = *impl_;
  if (c.has_output()) return Phase::responding;
  switch (c.state) {
    case Impl::State::pending:
      return Phase::handling;
    case Impl::State::head:
      return c.begin == c.end ? Phase::waiting : Phase::head;
    case Impl::State::body:
      return Phase::body;
    case Impl::State::writing:
      return Phase::responding;
    case Impl::State::closed:
      break;
  }
  return Phase::closed;
}

void Connection::release_idle_memory() {
  Impl& c = *impl_;
  if (!idle()) return;
  std::string().swap(c.head_out);
  std::vector<OutputSlice>().swap(c.slices);
  c.next = c.body_first = 0;
}

uint64_t Connection::bytes_read() const {
  return impl_->bytes_read;
}

bool Connection::has_output() const {
  return impl_->has_output();
}

std::span<const OutputSlice> Connection::output(size_t max) {
  return impl_->output(max);
}

void Connection::on_written(size_t n) {
  impl_->on_written(n);
}

bool Connection::wants_read() const {
  const Impl& c = *impl_;
  return !c.has_output() && (c.state == Impl::State::head || c.state == Impl::State::body);
}

bool Connection::idle() const {
  const Impl& c = *impl_;
  return c.state == Impl::State::head && c.begin == c.end && !c.has_output() && c.requests > 0;
}

bool Connection::finished() const {
  const Impl& c = *impl_;
  return c.state == Impl::State::closed && !c.has_output();
}

uint32_t Connection::requests() const {
  return impl_->requests;
}

}  // namespace mpmd::http
