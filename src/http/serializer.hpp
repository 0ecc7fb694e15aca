// Serialises response heads and the bodies of the errors the core answers
// itself. Internals of http::Connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace mpmd::http::detail {

enum class ConnectionField : uint8_t { none, close, keep_alive };

// How the body's end is marked.
enum class Framing : uint8_t {
  none,     // no length field: 1xx, 204, 304, or HTTP/1.0 close-delimited
  length,   // Content-Length: `length`
  chunked,  // Transfer-Encoding: chunked
};

struct HeadFacts {
  std::string_view date;    // IMF-fixdate
  std::string_view server;  // empty: no Server field
  Framing framing = Framing::length;
  uint64_t length = 0;  // Content-Length value
  ConnectionField connection = ConnectionField::none;
};

// Does this status forbid a body (1xx, 204, 304)?
inline bool status_without_body(int status) {
  return status < 200 || status == 204 || status == 304;
}

// Appends "HTTP/1.1 <status> <reason>" and all fields, ending with the empty
// line. The handler's fields go out as given, except that Content-Length,
// Transfer-Encoding and Connection are the core's (a handler's are dropped),
// and a handler's Date or Server replaces the core's.
void serialize_head(std::string& out, const Response& response, const HeadFacts& facts);

}  // namespace mpmd::http::detail
