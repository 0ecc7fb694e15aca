// The pure parts of the reverse proxy: backend URLs, the request head sent to
// a backend (hop-by-hop fields dropped, X-Forwarded-* added, framing as the
// client sent), the backend's response head parsed and filtered, and
// ProxyPassReverse's rewriting. No sockets here: unit-tested with strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/request.hpp"

namespace mpmd::proxy {

// Parses a ProxyPass URL ("http://host[:port]/path", "unix:/path|http://host/path",
// "balancer://name/path") into `route` (host, port, unix_path, balancer,
// base_path). "" or an error.
std::string parse_backend_url(std::string_view url, config::ProxyRoute& route);

// RFC 9110 7.6.1: fields a proxy never forwards (Connection, Keep-Alive, TE,
// Trailer, Transfer-Encoding, Upgrade, Proxy-*), plus those that `connection`
// (the Connection field's value) names.
bool is_hop_by_hop(std::string_view name, std::string_view connection);

// The backend's target for a request whose decoded, normalised path is
// `path` (below route.path), with `query` (still encoded): the route's base
// path, the rest of `path` re-encoded, "?" query.
std::string backend_target(const config::ProxyRoute& route, std::string_view path,
                           std::string_view query);

// The path of a backend URL as written ("/x/$1" of "http://h:8/x/$1", "" of
// "http://h"), a view into `url`.
std::string_view url_path(std::string_view url);

// ProxyPassMatch's backend target, as mod_proxy: the URL's path with $N and &
// replaced by `groups` (the match on the decoded `path`); when nothing was
// replaced, `path` appended. Then re-encoded (a '?' of the URL too, as
// Apache: %3F), "?" `query`.
std::string match_target(const config::ProxyRoute& route, std::string_view path,
                         const std::vector<std::string_view>& groups, std::string_view query);

struct RequestFacts {
  std::string_view target;         // from backend_target()
  std::string_view host;           // the Host field to send
  std::string_view client;         // the client's address (X-Forwarded-For)
  std::string_view server_name;    // X-Forwarded-Server
  bool add_forwarded = true;       // ProxyAddHeaders
  std::optional<uint64_t> length;  // the request body's length; nullopt with `chunked`
  bool chunked = false;            // the body goes chunked (as the client sent it)
};

// The request head for the backend (HTTP/1.1, keep-alive), ending in CRLF CRLF.
std::string request_head(const http::Request& request, const RequestFacts& facts);

struct ResponseField {
  std::string name;
  std::string value;
};

struct ResponseHead {
  int status = 0;
  bool http10 = false;
  std::vector<ResponseField> fields;  // as received, in order
  std::optional<uint64_t> length;     // Content-Length
  bool chunked = false;               // Transfer-Encoding: chunked
  bool close = false;                 // the backend closes after this response
};

enum class HeadParse { need_more, done, bad };

// Parses a response head from the start of `data`; on done, `used` is its
// length (up to and including the blank line). `bad`: not HTTP, a bad field,
// conflicting framing, or longer than `max` bytes.
HeadParse parse_response_head(std::string_view data, ResponseHead& head, size_t& used,
                              size_t max = 65536);

// Whether a response to `method` with `status` has a body at all.
bool response_has_body(http::Method method, int status);

// ProxyPassReverse: `value` (a Location, Content-Location or URI field) with a
// backend URL prefix replaced by the local path; nullopt when no rule applies.
std::optional<std::string> reverse_map(std::string_view value,
                                       const std::vector<config::ProxyReverse>& rules);

// Whether a method may be sent twice (RFC 9110 9.2.2).
bool idempotent(http::Method method);

}  // namespace mpmd::proxy
