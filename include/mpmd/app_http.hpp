// What an mpmd application handler sees and builds: app::Request and
// app::Response. Part of the public application API (include <mpmd/app.hpp>).
//
// Everything here is header-only on purpose: an application shared object
// needs no symbol from the server, only libc and libstdc++. The server fills
// a Request from the parsed HTTP request and turns the Response into its own
// after the handler returns.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mpmd::app {

// %XX decoded ("%2F" -> "/"); with `plus_is_space`, '+' becomes ' ' (form
// and query encoding). Malformed escapes are kept as they are.
inline std::string percent_decode(std::string_view s, bool plus_is_space = false) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]);
      int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(char(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

// ASCII case-insensitive comparison (header and cookie names are ASCII).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? char(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// "a=1&b=x+y&c" -> {{"a","1"}, {"b","x y"}, {"c",""}}, decoded, in order.
inline std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    out.emplace_back(percent_decode(key, true), percent_decode(value, true));
  }
  return out;
}

struct Header {
  std::string_view name;
  std::string_view value;
};

// The request body as it streams in, implemented by the server (see
// Request::body(), read() and read_async() for the usual ways to use it).
// At most about 64 KiB of it waits in the server at a time; the client is
// not read from while the handler does not take it.
class BodyReader {
 public:
  enum class Status : uint8_t {
    data,   // `size` bytes were copied
    again,  // nothing yet (read() only): wait for on_ready()'s callback
    end,    // the body is complete
    error,  // it cannot be read: `error` is the status the request is answered
            // with (400, 408, 413), or 0 when the client has gone
  };
  struct Read {
    Status status = Status::again;
    size_t size = 0;
    int error = 0;
  };

  // Never waits.
  virtual Read read(char* into, size_t size) = 0;
  // Waits for bytes (blocking routes; a non_blocking route under the event
  // engine gets `again` instead of waiting).
  virtual Read read_wait(char* into, size_t size) = 0;
  // The rest of the body appended to `out`, waiting as read_wait(); more
  // than `limit` bytes is error 413.
  virtual Read read_all(std::string& out, uint64_t limit) = 0;
  // `callback` runs (on the server's thread for this connection) whenever
  // read() has something new: data, the end or an error.
  virtual void on_ready(std::function<void()> callback) = 0;
  // Content-Length, if the client sent one (else it is chunked).
  virtual std::optional<uint64_t> length() const = 0;

 protected:
  ~BodyReader() = default;
};

// A path parameter: `{id}` in the route pattern "/users/{id}".
struct Param {
  std::string_view name;
  std::string value;  // percent-decoded
};

// One request as a handler sees it. The views stay valid until the handler
// returns (for a blocking handler on the event engine's pool: until it
// returns on the pool thread; for a deferred response: until it is
// complete). Copy what must live longer.
//
// The handler runs as soon as the request's head has arrived; the body
// follows while it runs, through body(), read() or read_async().
struct Request {
  // What body() takes at most by default.
  static constexpr uint64_t kBodyLimit = 1 << 20;

  std::string_view method;          // as received: "GET", "POST", ...
  std::string_view target;          // request-target as received: "/app/users/42?x=1"
  std::string_view path;            // the target's path, percent-encoded: "/app/users/42"
  std::string_view route_path;      // `path` below the <Location> prefix: "/users/42"
  std::string_view query;           // after '?', percent-encoded; "" if none
  std::string_view version;         // "HTTP/1.1" or "HTTP/1.0"
  std::string_view client_address;  // "127.0.0.1", "::1"
  uint16_t client_port = 0;
  std::vector<Header> headers;   // in arrival order, names as received
  std::vector<Param> params;     // path parameters, in pattern order
  BodyReader* reader = nullptr;  // the body; null when the request has none
  // The connection's variables, as Apache's subprocess environment: HTTPS=on
  // on a TLS connection; with SSLOptions +StdEnvVars also SSL_PROTOCOL,
  // SSL_CIPHER, SSL_CIPHER_USEKEYSIZE, SSL_CIPHER_ALGKEYSIZE, SSL_SESSION_ID,
  // SSL_SESSION_RESUMED, SSL_TLS_SNI, SSL_SERVER_S_DN, SSL_SERVER_I_DN,
  // SSL_CLIENT_VERIFY and, with a client certificate, SSL_CLIENT_S_DN,
  // SSL_CLIENT_I_DN, SSL_CLIENT_M_SERIAL, SSL_CLIENT_V_START,
  // SSL_CLIENT_V_END (SSL_CLIENT_CERT with +ExportCertData).
  std::vector<Header> env;

  bool has_body() const { return reader != nullptr; }

  // The whole body (de-chunked), waiting for it to arrive. At most `limit`
  // bytes (0 = only the server's LimitRequestBody): a larger body gives
  // nullopt and the request is answered 413, whatever the handler sets.
  // nullopt too when it cannot be read (the client left, bad framing: the
  // request is answered 400 or 408). "" for a request without a body.
  // Blocking routes; a non_blocking route under the event engine uses
  // read_async().
  std::optional<std::string> body(uint64_t limit = kBodyLimit) const {
    std::string all;
    if (!reader) return all;
    BodyReader::Read r = reader->read_all(all, limit);
    if (r.status != BodyReader::Status::end) return std::nullopt;
    return all;
  }
  // The next bytes of the body, waiting for them: the count copied, 0 at the
  // end or when it cannot be read (blocking routes).
  size_t read(char* into, size_t size) const {
    if (!reader || size == 0) return 0;
    BodyReader::Read r = reader->read_wait(into, size);
    return r.status == BodyReader::Status::data ? r.size : 0;
  }
  // Any route: `on_piece` with each piece as it arrives, then `on_end` once
  // with 0 (complete) or the error status. Both run on the server's thread
  // for the connection (the event loop: do not wait in them). Answer with
  // Response::defer() and complete it from `on_end`.
  void read_async(std::function<void(std::string_view piece)> on_piece,
                  std::function<void(int error)> on_end) const {
    if (!reader) {
      on_end(0);
      return;
    }
    BodyReader* body = reader;
    auto done = std::make_shared<bool>(false);
    reader->on_ready([body, on_piece = std::move(on_piece), on_end = std::move(on_end), done] {
      char buf[16 * 1024];
      while (!*done) {
        BodyReader::Read r = body->read(buf, sizeof buf);
        if (r.status == BodyReader::Status::data) {
          on_piece(std::string_view(buf, r.size));
          continue;
        }
        if (r.status == BodyReader::Status::again) return;
        *done = true;
        on_end(r.status == BodyReader::Status::end ? 0 : r.error);
      }
    });
  }

  // The first header field named `name` (ASCII case-insensitive); "" if absent.
  std::string_view header(std::string_view name) const {
    for (const Header& h : headers) {
      if (ascii_iequals(h.name, name)) return h.value;
    }
    return {};
  }
  bool has_header(std::string_view name) const {
    for (const Header& h : headers) {
      if (ascii_iequals(h.name, name)) return true;
    }
    return false;
  }
  // The variable `name` of `env` ("HTTPS", "SSL_PROTOCOL"); "" if unset.
  std::string_view var(std::string_view name) const {
    for (const Header& h : env) {
      if (h.name == name) return h.value;
    }
    return {};
  }
  // The path parameter `name` (decoded); "" if the pattern has none.
  std::string_view param(std::string_view name) const {
    for (const Param& p : params) {
      if (p.name == name) return p.value;
    }
    return {};
  }
  // The first query parameter `name`, decoded ('+' is a space); nullopt if absent.
  std::optional<std::string> query_param(std::string_view name) const {
    for (auto& [key, value] : parse_query(query)) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
  // The cookie `name` from the Cookie header fields (not decoded); nullopt if absent.
  std::optional<std::string_view> cookie(std::string_view name) const {
    for (const Header& h : headers) {
      if (!ascii_iequals(h.name, "cookie")) continue;
      std::string_view rest = h.value;
      while (!rest.empty()) {
        size_t semi = rest.find(';');
        std::string_view item = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
          item.remove_prefix(1);
        size_t eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == name) {
          std::string_view value = item.substr(eq + 1);
          while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
            value.remove_suffix(1);
          }
          return value;
        }
      }
    }
    return std::nullopt;
  }
};

class Response;

namespace detail {
// How a streamed response reaches the server; the server sets one on every
// Response before the handler runs.
class ResponseSink {
 public:
  // Sends the head (status and headers are final from here on), the body
  // and the pieces so far (it takes them); later pieces go through write().
  // False when the response cannot be sent (a bad header field: the client
  // gets a 500 instead, and the failure is logged; or the client is gone).
  virtual bool start(Response& response) = 0;
  // One more piece, waiting while the client is slow where the calling
  // thread may wait. False when the client is gone.
  virtual bool write(std::string piece) = 0;

 protected:
  ~ResponseSink() = default;
};

// The shared state of one deferred response (see Response::defer()).
struct Deferral {
  std::mutex mutex;
  bool done = false;               // complete() ran, or every Deferred handle was dropped
  bool abandoned = false;          // done because the handles were dropped without complete()
  std::function<void()> sink;      // the server's continuation, run once when done
  std::shared_ptr<Response> keep;  // keeps a server-owned Response alive until then

  // Marks it done (first call only) and runs the server's continuation, if it
  // is attached yet, on the calling thread.
  void finish(bool dropped) {
    std::function<void()> run;
    std::shared_ptr<Response> hold;
    {
      std::lock_guard lock(mutex);
      if (done) return;
      done = true;
      abandoned = dropped;
      run = std::move(sink);
      hold = std::move(keep);  // released after the continuation has run
    }
    if (run) run();
  }

  // For the server: runs `continuation` when done; false (and nothing is
  // kept) if it is done already, so the caller answers at once.
  bool attach(std::function<void()> continuation) {
    std::lock_guard lock(mutex);
    if (done) {
      keep.reset();
      return false;
    }
    sink = std::move(continuation);
    return true;
  }
};

// Every copy of a Deferred shares one Token; when the last one goes without
// complete(), the response is finished as abandoned (the client gets a 500).
struct DeferralToken {
  std::shared_ptr<Deferral> state;
  Response* response = nullptr;
  explicit DeferralToken(std::shared_ptr<Deferral> s, Response* r)
      : state(std::move(s)), response(r) {}
  DeferralToken(const DeferralToken&) = delete;
  DeferralToken& operator=(const DeferralToken&) = delete;
  ~DeferralToken() { state->finish(true); }
};
}  // namespace detail

// A response that a handler finishes after it has returned: from a callback
// (an offload result, see <mpmd/offload.hpp>), another thread, a timer of the
// application's. Made by Response::defer(); cheap to copy; safe to use from
// any thread, one thread at a time.
class Deferred {
 public:
  Deferred() = default;

  // The handler's Response, still alive: fill it in, then call complete().
  Response& response() const { return *token_->response; }
  Response* operator->() const { return token_->response; }

  // Sends the response (or, once it was started with flush(), ends it).
  // Call it once, after the last change to response(); later calls do
  // nothing. The request is answered on the server's own thread, after this
  // returns or while it does.
  void complete() const {
    if (token_) token_->state->finish(false);
  }

  explicit operator bool() const { return token_ != nullptr; }

 private:
  friend class Response;
  explicit Deferred(std::shared_ptr<detail::DeferralToken> t) : token_(std::move(t)) {}
  std::shared_ptr<detail::DeferralToken> token_;
};

// What a handler builds. The body sent is, in this order: `body`, then the
// pieces given to write(), then the file given to send_file()/send_fd() or
// the bytes of generate(). Content-Length is computed by the server (or the
// body goes out chunked when its length is not known: streamed pieces, a
// generator without a length); Date, Server, Connection, Content-Length and
// Transfer-Encoding fields set here are ignored.
// When no Content-Type is set, the server uses "text/plain; charset=utf-8"
// for memory bodies and "application/octet-stream" for files.
class Response : public std::enable_shared_from_this<Response> {
 public:
  static constexpr uint64_t kToEnd = ~uint64_t(0);

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  Response() = default;
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;
  ~Response() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Replaces every field named `name` (ASCII case-insensitive) with one.
  void set_header(std::string_view name, std::string value) {
    for (size_t i = headers.size(); i-- > 0;) {
      if (ascii_iequals(headers[i].first, name)) headers.erase(headers.begin() + long(i));
    }
    headers.emplace_back(std::string(name), std::move(value));
  }
  void add_header(std::string_view name, std::string value) {
    headers.emplace_back(std::string(name), std::move(value));
  }
  // The first field named `name`; "" if none.
  std::string_view header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (ascii_iequals(n, name)) return v;
    }
    return {};
  }

  // Sets the body and its Content-Type in one call.
  void send(std::string text, std::string content_type = "text/plain; charset=utf-8") {
    body = std::move(text);
    set_header("Content-Type", std::move(content_type));
  }

  // The body written in pieces. Until the response starts, pieces are kept
  // (each as its own segment, not copied again) and sent with a
  // Content-Length when the handler returns. flush() starts the response:
  // the head (status and headers are final from then on) and everything
  // written so far go out, and each later write() is sent as the client
  // takes it, chunked. So is everything once more than kBuffered bytes have
  // been written. A blocking route's write() waits while the client is
  // slow, so memory stays bounded whatever the body's size; a non_blocking
  // route's write() never waits (under the event engine it queues): produce
  // large bodies there with generate(). The response ends when the handler
  // returns, or when its Deferred is completed.
  static constexpr size_t kBuffered = 64 * 1024;
  void write(std::string piece) {
    if (piece.empty()) return;
    if (started_) {
      if (!sink_->write(std::move(piece))) gone_ = true;
      return;
    }
    buffered_ += piece.size();
    pieces_.push_back(std::move(piece));
    if (buffered_ > kBuffered) flush();
  }
  // Starts the response now (see write()). Does nothing once started, or
  // where the server cannot stream (unit tests without a server).
  void flush() {
    if (started_ || !sink_) return;
    started_ = true;
    if (!sink_->start(*this)) gone_ = true;
  }
  // A started response can no longer reach the client (it left, or the
  // response was refused): stop producing.
  bool client_gone() const { return gone_; }

  // The body after `body` and the pieces is produced by `produce`, called by
  // the server whenever the client can take more: it appends at most `max`
  // bytes to `out` and returns false once it has appended the last. It runs
  // on the server's thread for the connection (the event loop: it must not
  // wait), after the handler has returned, so it must own what it uses.
  // `length`: the bytes it will produce in all, if known (Content-Length;
  // otherwise chunked).
  void generate(std::function<bool(std::string& out, size_t max)> produce,
                std::optional<uint64_t> length = std::nullopt) {
    generator_ = std::move(produce);
    generator_length_ = length;
  }

  // Sends (part of) the file at `path` after the body and pieces. The server
  // opens it once the handler returned and sends it with sendfile(2); a file
  // that cannot be opened gives 404 (missing) or 403 (not readable) instead.
  // `length` is clamped to the file's size.
  void send_file(std::string path, uint64_t offset = 0, uint64_t length = kToEnd) {
    release_fd();
    file_path_ = std::move(path);
    file_offset_ = offset;
    file_length_ = length;
  }
  // The same with an open descriptor of a regular file; the response owns and
  // closes it.
  void send_fd(int fd, uint64_t offset = 0, uint64_t length = kToEnd) {
    release_fd();
    file_path_.clear();
    fd_ = fd;
    file_offset_ = offset;
    file_length_ = length;
  }

  // The handler failed: the client gets a plain 500 (whatever was set above
  // is dropped) and `reason` goes to the error log with the route. Throwing
  // an exception from the handler does the same with the exception's what().
  void fail(std::string reason) { failure_ = std::move(reason); }

  // Answers later: the handler returns, the connection waits, and whoever
  // holds the returned Deferred fills in this Response (through
  // Deferred::response(); it stays alive until then) and calls complete().
  //
  //   app.get("/slow", [](const mpmd::app::Request& req, mpmd::app::Response& res) {
  //     mpmd::app::Deferred later = res.defer();
  //     mpmd::offload::submit("factorial", "2000", [later](mpmd::offload::Result r) {
  //       later->status = r.http_status;
  //       later->send(r.data);
  //       later.complete();
  //     });
  //   }, mpmd::app::non_blocking);
  //
  // Copy from the Request what the callback needs before returning: the
  // Request is not kept. Under the event engine no thread waits meanwhile
  // (neither the event loop nor the handler pool): such a route can be
  // non_blocking. Under prefork and worker the serving thread waits for
  // complete(). Every copy of the Deferred dropped without complete() answers
  // 500 (and logs it), so a lost callback does not hang the client; one kept
  // forever does, so give every path an end (offload results always come,
  // bounded by OffloadTimeout/GearmanTimeout). A stopping child waits for
  // deferred responses like for any request in flight, up to its stop
  // deadline; then it exits without them (the event engine logs it).
  // Calling defer() again returns the same Deferred while one is held.
  Deferred defer() {
    if (auto token = token_.lock()) return Deferred(std::move(token));
    if (!deferral_) {
      deferral_ = std::make_shared<detail::Deferral>();
      deferral_->keep = weak_from_this().lock();  // null unless the server owns it
    }
    auto token = std::make_shared<detail::DeferralToken>(deferral_, this);
    token_ = token;
    return Deferred(std::move(token));
  }

  // ---- read by the server --------------------------------------------------
  void set_sink(std::shared_ptr<detail::ResponseSink> sink) { sink_ = std::move(sink); }
  bool started() const { return started_; }
  std::function<bool(std::string&, size_t)>& generator() { return generator_; }
  const std::optional<uint64_t>& generator_length() const { return generator_length_; }
  // Whether defer() was called, and its state (null if not).
  const std::shared_ptr<detail::Deferral>& deferral() const { return deferral_; }
  const std::vector<std::string>& pieces() const { return pieces_; }
  std::vector<std::string>& pieces() { return pieces_; }
  bool has_file() const { return fd_ >= 0 || !file_path_.empty(); }
  const std::string& file_path() const { return file_path_; }
  uint64_t file_offset() const { return file_offset_; }
  uint64_t file_length() const { return file_length_; }
  // Hands the descriptor given to send_fd() over to the caller (-1 if none).
  int take_fd() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  bool failed() const { return failure_.has_value(); }
  const std::string& failure() const { return *failure_; }

 private:
  void release_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  std::vector<std::string> pieces_;
  size_t buffered_ = 0;
  bool started_ = false;
  bool gone_ = false;
  std::shared_ptr<detail::ResponseSink> sink_;
  std::function<bool(std::string&, size_t)> generator_;
  std::optional<uint64_t> generator_length_;
  std::string file_path_;
  int fd_ = -1;
  uint64_t file_offset_ = 0;
  uint64_t file_length_ = kToEnd;
  std::optional<std::string> failure_;
  std::shared_ptr<detail::Deferral> deferral_;
  std::weak_ptr<detail::DeferralToken> token_;
};

}  // namespace mpmd::app
