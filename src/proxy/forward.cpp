#include "proxy/forward.hpp"

#include <cstdio>

#include "http/body_pipe.hpp"
#include "http/chunked.hpp"
#include "http/error_page.hpp"
#include "http/request_body.hpp"
#include "http/waker.hpp"
#include "proxy/handler.hpp"
#include "proxy/message.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::proxy {

namespace {

enum class Outcome : uint8_t {
  ok,           // the response head arrived
  retry,        // a reused connection failed before any response byte: try a fresh one
  unavailable,  // 503: no connection
  bad,          // 502: garbage, or the connection lost
  timeout,      // 504
  client,       // the client's body failed: answer its status
};

class Forwarding {
 public:
  Forwarding(const http::Request& request, http::Response& response, const Target& target)
      : request_(request),
        response_(response),
        backend_(target.backend),
        balancer_(target.balancer),
        settings_(target.proxy->settings()),
        target_(target.path),
        server_name_(target.proxy->server_name()),
        buf_(settings_.io_buffer_size, '\0') {}

  ~Forwarding() { backend_->add_busy(-1); }

  bool run() {
    backend_->add_busy(1);
    Outcome o = Outcome::unavailable;
    std::vector<Backend*> tried;
    for (;;) {
      const std::string head = make_head();
      for (int attempt = 0; attempt < 2; ++attempt) {
        o = exchange_head(head, attempt == 0);
        if (o != Outcome::retry) break;
        log(log::LogLevel::info, log::ids::kProxyRetry,
            "the reused connection failed before any response byte; retrying on a new one");
      }
      // A member that cannot be reached: the balancer's next one (nothing was sent).
      if (o != Outcome::unavailable || !balancer_) break;
      tried.push_back(backend_);
      Backend* next = balancer_->pick(util::monotonic_usec(), tried);
      if (!next) break;
      backend_->add_busy(-1);
      backend_ = next;
      backend_->add_busy(1);
    }
    switch (o) {
      case Outcome::ok:
        break;
      case Outcome::retry:
      case Outcome::bad:
        return fail(502);
      case Outcome::unavailable:
        return fail(503);
      case Outcome::timeout:
        return fail(504);
      case Outcome::client:
        return fail(client_error_ >= 400 ? client_error_ : 400);
    }
    backend_->mark_ok();
    return respond();
  }

 private:
  std::string make_head() {
    RequestFacts facts;
    std::string member_path;
    if (balancer_) member_path = member_target(backend_->route(), target_);
    facts.target = balancer_ ? std::string_view(member_path) : std::string_view(target_);
    std::string host;
    std::string_view client_host = request_.headers.get("host");
    if (settings_.preserve_host && !client_host.empty()) {
      host = std::string(client_host);
    } else {
      const config::ProxyRoute& r = backend_->route();
      host = r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host;
      if (r.port != 80) host += ":" + std::to_string(r.port);
    }
    facts.host = host;
    facts.client = request_.peer ? std::string_view(request_.peer->address) : "";
    facts.server_name = server_name_;
    facts.add_forwarded = settings_.add_headers;
    if (request_.body) {
      facts.length = request_.body->length();
      facts.chunked = !facts.length;
    }
    return request_head(request_, facts);
  }

  // Sends the request and reads the response head into head_.
  Outcome exchange_head(const std::string& head, bool may_reuse) {
    const util::Usec now = util::monotonic_usec();
    conn_ = may_reuse ? backend_->take_idle(now) : Conn();
    if (!conn_.open()) {
      std::string error;
      bool timed_out = false;
      util::UniqueFd fd = backend_->connect(error, timed_out);
      if (!fd) {
        backend_->mark_error(now);
        log(log::LogLevel::error, log::ids::kProxyConnectFailed,
            "cannot connect: " + error + "; in error state for " +
                std::to_string(backend_->route().retry.count() / 1000) + " s (retry=)" +
                (balancer_ ? "; trying another member" : "; answered 503"));
        return Outcome::unavailable;
      }
      conn_ = Conn(std::move(fd), false);
    }
    const bool retryable = conn_.reused() && idempotent(request_.method) &&
                           (!request_.body || request_.body->consumed() == 0);
    IoError e = conn_.write_all(head, backend_->timeout());
    bool body_sent = false;
    if (e == IoError::none && request_.body) {
      body_sent = true;
      e = send_body();
      if (client_error_ != 0) return Outcome::client;
    }
    if (e == IoError::timeout) return timed_out("sending the request");
    if (e != IoError::none && (!body_sent || e != IoError::closed)) {
      if (retryable && !body_sent) return Outcome::retry;
      return bad("the connection failed while the request was sent");
    }
    // A backend that closes while the body is sent may have answered (413):
    // its answer is read all the same.
    in_.clear();
    for (;;) {
      size_t got = 0;
      IoError r = conn_.read_some(buf_, got, backend_->timeout());
      if (r == IoError::timeout) return timed_out("waiting for the response");
      if (r != IoError::none) {
        if (in_.empty() && retryable && !body_sent) return Outcome::retry;
        return bad(in_.empty() ? "the backend closed the connection without a response"
                               : "the backend closed the connection within the response head");
      }
      in_.append(buf_.data(), got);
      // Interim answers (100 Continue) are dropped: the final one follows.
      for (;;) {
        size_t used = 0;
        HeadParse p = parse_response_head(in_, head_, used);
        if (p == HeadParse::bad) return bad("the response head is not valid HTTP/1.x");
        if (p == HeadParse::need_more) break;
        in_.erase(0, used);
        if (head_.status == 101) return bad("a protocol upgrade (101) is not supported yet");
        if (head_.status >= 200) return Outcome::ok;
        if (in_.empty()) break;
      }
    }
  }

  // The request body, framed as the client sent it (Content-Length or
  // chunked, with its trailers).
  IoError send_body() {
    const bool chunked = !request_.body->length();
    std::string frame;
    for (;;) {
      http::RequestBody::Read r = request_.body->read_wait({buf_.data(), buf_.size()});
      if (r.status == http::RequestBody::Status::data) {
        IoError e;
        if (chunked) {
          char size[24];
          int n = std::snprintf(size, sizeof size, "%zx\r\n", r.size);
          frame.assign(size, size_t(n));
          frame.append(buf_.data(), r.size);
          frame += "\r\n";
          e = conn_.write_all(frame, backend_->timeout());
        } else {
          e = conn_.write_all({buf_.data(), r.size}, backend_->timeout());
        }
        if (e != IoError::none) return e;
        continue;
      }
      if (r.status == http::RequestBody::Status::end) {
        if (!chunked) return IoError::none;
        frame = "0\r\n";
        const std::string_view connection = request_.headers.get("connection");
        for (const http::Header& t : request_.body->trailers().fields()) {
          if (is_hop_by_hop(t.name, connection)) continue;
          frame += t.name;
          frame += ": ";
          frame += t.value;
          frame += "\r\n";
        }
        frame += "\r\n";
        return conn_.write_all(frame, backend_->timeout());
      }
      client_error_ = r.status == http::RequestBody::Status::error ? r.error : 400;
      if (client_error_ == 0) client_error_ = 400;  // the client is gone: nobody reads it
      return IoError::failed;
    }
  }

  Outcome timed_out(const char* when) {
    log(log::LogLevel::error, log::ids::kProxyTimeout,
        std::string("no answer within ") + std::to_string(backend_->timeout().count() / 1000) +
            " s " + when + "; answered 504");
    return Outcome::timeout;
  }

  Outcome bad(const std::string& what) {
    log(log::LogLevel::error, log::ids::kProxyBadResponse, what + "; answered 502");
    return Outcome::bad;
  }

  bool fail(int status) {
    conn_.close();
    response_.headers.clear();
    response_.body.clear();
    http::error_page(response_, status);
    return true;
  }

  void copy_head() {
    response_.status = head_.status;
    std::string_view connection;
    for (const ResponseField& f : head_.fields) {
      if (util::iequals(f.name, "connection")) connection = f.value;
    }
    for (ResponseField& f : head_.fields) {
      if (is_hop_by_hop(f.name, connection) || util::iequals(f.name, "content-length")) continue;
      if (util::iequals(f.name, "location") || util::iequals(f.name, "content-location") ||
          util::iequals(f.name, "uri")) {
        if (auto mapped = reverse_map(f.value, settings_.reverse)) {
          f.value = this_server(*mapped);
        }
      }
      response_.headers.push_back({std::move(f.name), std::move(f.value)});
    }
  }

  // `path` as an absolute URL of this server, as Apache's ProxyPassReverse
  // writes it (UseCanonicalName Off: the client's Host, else ServerName).
  std::string this_server(const std::string& path) const {
    std::string_view host = request_.headers.get("host");
    if (host.empty()) host = server_name_;
    const bool tls = request_.peer && request_.peer->tls;
    return log::cat(tls ? "https://" : "http://", host, path);
  }

  // The response head is in head_, the first body bytes in in_.
  bool respond() {
    copy_head();
    const bool body = response_has_body(request_.method, head_.status);
    if (!body) {
      if (request_.method == http::Method::head && head_.length) {
        // HEAD: the backend's Content-Length is the client's.
        auto pipe = std::make_shared<http::BodyPipe>(request_.waker, head_.length);
        pipe->end();
        response_.body.append_stream(pipe);
      }
      release(in_.empty() && !head_.close);
      return true;
    }
    if (head_.length && in_.size() >= *head_.length) {
      // All here already: a whole response, no stream.
      bool exact = in_.size() == *head_.length;
      in_.resize(size_t(*head_.length));
      response_.body.append(std::move(in_));
      release(exact && !head_.close);
      return true;
    }
    pipe_ = std::make_shared<http::BodyPipe>(request_.waker, head_.length);
    response_.body.append_stream(pipe_);
    // The head goes out now; the body follows as the backend sends it.
    request_.completion->complete();
    flush();
    stream_body();
    return false;
  }

  void flush() {
    // In place (prefork, worker) nobody else sends: move what is queued to
    // the socket now. On a pool thread the connection's own thread sends.
    if (request_.waker && request_.waker->on_connection_thread()) request_.waker->pump_nested();
  }

  // Hands `bytes` to the client; false when the client is gone.
  bool give(std::string bytes) {
    if (bytes.empty()) return true;
    if (pipe_->write_wait(std::move(bytes)) == http::BodyPipe::Write::closed) return false;
    flush();
    return true;
  }

  enum class Body : uint8_t { done, client_gone, backend_failed };

  void stream_body() {
    Body b = head_.chunked ? stream_chunked() : stream_plain();
    switch (b) {
      case Body::done:
        pipe_->end();  // the request must not be touched after this
        release(in_.empty() && !head_.close && (head_.chunked || head_.length));
        return;
      case Body::client_gone:
        pipe_->fail();
        conn_.close();  // the backend learns it: not returned to the pool
        return;
      case Body::backend_failed:
        pipe_->fail();
        conn_.close();
        return;
    }
  }

  // Reads more from the backend into in_. A failure is logged, unless it is
  // the close that ends a close-delimited body (`close_ends_body`).
  IoError read_more(bool close_ends_body = false) {
    size_t got = 0;
    IoError r = conn_.read_some(buf_, got, backend_->timeout());
    if (r == IoError::none) {
      in_.append(buf_.data(), got);
    } else if (r != IoError::closed || !close_ends_body) {
      log(log::LogLevel::error, log::ids::kProxyBodyFailed,
          r == IoError::timeout
              ? "timed out within the response body; the client's response is cut"
              : "the backend closed the connection within the response body; the client's "
                "response is cut");
    }
    return r;
  }

  Body stream_plain() {
    uint64_t left = head_.length.value_or(UINT64_MAX);
    for (;;) {
      if (!in_.empty()) {
        size_t take = size_t(std::min<uint64_t>(left, in_.size()));
        std::string piece = in_.substr(0, take);
        in_.erase(0, take);
        left -= take;
        if (!give(std::move(piece))) return Body::client_gone;
      }
      if (left == 0) return Body::done;
      IoError r = read_more(!head_.length);
      if (r == IoError::closed && !head_.length) return Body::done;  // close-delimited
      if (r != IoError::none) return Body::backend_failed;
    }
  }

  Body stream_chunked() {
    http::detail::ChunkedDecoder decoder;
    http::Limits limits;
    limits.request_body = 0;
    std::string data;
    for (;;) {
      size_t consumed = 0;
      data.clear();
      auto status = decoder.decode(in_, consumed, &data, buf_.size(), 0, limits);
      in_.erase(0, consumed);
      if (!give(std::move(data))) return Body::client_gone;
      data = std::string();
      if (status == http::detail::ChunkedDecoder::Status::done) return Body::done;
      if (status == http::detail::ChunkedDecoder::Status::error) {
        log(log::LogLevel::error, log::ids::kProxyBodyFailed,
            "bad chunked framing in the response body; the client's response is cut");
        return Body::backend_failed;
      }
      if (consumed == 0 && read_more() != IoError::none) return Body::backend_failed;
    }
  }

  // The connection back to the pool when `reusable`, else closed.
  void release(bool reusable) {
    if (reusable && conn_.open()) {
      backend_->give_back(std::move(conn_), util::monotonic_usec());
    } else {
      conn_.close();
    }
  }

  void log(log::LogLevel level, std::string_view id, const std::string& text) {
    if (!log::error_log().enabled(level)) return;
    std::string client = request_.peer ? request_.peer->address : std::string("-");
    log::emit(level, id, log::cat("[client ", client, "] proxy to ", backend_->name(), ": ", text));
  }

  const http::Request& request_;
  http::Response& response_;
  Backend* backend_;
  Balancer* balancer_;
  const config::Proxy& settings_;
  const std::string& target_;
  const std::string& server_name_;
  std::string buf_;
  std::string in_;  // bytes read from the backend, not yet used
  Conn conn_;
  ResponseHead head_;
  std::shared_ptr<http::BodyPipe> pipe_;
  int client_error_ = 0;
};

}  // namespace

bool forward(const http::Request& request, http::Response& response, const Target& target) {
  Forwarding f(request, response, target);
  return f.run();
}

}  // namespace mpmd::proxy
