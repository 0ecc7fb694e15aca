// A parsed HTTP/1.x request as handlers and logs see it.
//
// The string_views point into the Connection's input buffer, where the head
// stays put while the request is served. They stay valid from the moment the
// handler is called until the response has been written and logged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.hpp"

namespace mpmd::http {

class Completion;   // http/handler.hpp
class RequestBody;  // http/request_body.hpp
struct TlsSession;  // http/tls_session.hpp
class Waker;        // http/waker.hpp

enum class Method : uint8_t { get, head, post, put, delete_, connect, options, trace, patch };

std::string_view method_name(Method m);

enum class Version : uint8_t { http10, http11 };

struct Header {
  std::string_view name;
  std::string_view value;
};

// Request headers in arrival order; lookups ignore ASCII case.
class Headers {
 public:
  void clear() { fields_.clear(); }
  void add(std::string_view name, std::string_view value) { fields_.push_back({name, value}); }
  // First field with this name, or an empty view if absent (see has()).
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  const std::vector<Header>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<Header> fields_;
};

// Facts about the transport, filled in by the engine once per connection.
struct Peer {
  std::string address;      // client IP as text ("127.0.0.1", "::1")
  uint16_t port = 0;        // client port
  uint16_t local_port = 0;  // the port the connection arrived on
  std::string local_address;
  // TLS facts, owned by the connection's transport (filled when its
  // handshake completes); null on a plain connection.
  const TlsSession* tls = nullptr;
};

struct Request {
  Method method = Method::get;
  std::string_view method_text;   // exactly as received
  std::string_view target;        // request-target exactly as received
  std::string_view path;          // path part, still percent-encoded, always starts with '/'
                                  // (or is "*" for OPTIONS *)
  std::string_view query;         // after '?', without it; empty if none
  std::string_view host;          // host from absolute-form, else the Host header
  std::string_view request_line;  // first line without CRLF, for %r
  Version version = Version::http11;
  Headers headers;
  // The body as it streams in (Content-Length or chunked, decoded), with its
  // trailers; null when the request has none.
  RequestBody* body = nullptr;
  bool keep_alive = true;            // the client allows keep-alive
  util::Usec start = 0;              // when the first byte of the request arrived
  const Peer* peer = nullptr;        // never null while a handler runs
  Completion* completion = nullptr;  // to answer later (see http/handler.hpp)
  // The connection's waker, for body streams a handler feeds (http/body_pipe.hpp).
  std::shared_ptr<Waker> waker;
  uint64_t bytes_received = 0;       // head + body bytes on the wire, for %I
  uint32_t index_on_connection = 0;  // 0 for the first request on a connection
};

}  // namespace mpmd::http
