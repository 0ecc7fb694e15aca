#include "http/serializer.hpp"

#include <charconv>
#include <cstring>

#include "util/strings.hpp"

namespace mpmd::http::detail {

namespace {

enum class Owned : uint8_t { no, date, server, framing };

Owned classify(std::string_view name) {
  switch (name.size()) {
    case 4:
      return util::iequals(name, "date") ? Owned::date : Owned::no;
    case 6:
      return util::iequals(name, "server") ? Owned::server : Owned::no;
    case 10:
      return util::iequals(name, "connection") ? Owned::framing : Owned::no;
    case 14:
      return util::iequals(name, "content-length") ? Owned::framing : Owned::no;
    case 17:
      return util::iequals(name, "transfer-encoding") ? Owned::framing : Owned::no;
    default:
      return Owned::no;
  }
}

// Writes into memory sized beforehand: one resize instead of an append (and
// its capacity check) per piece.
struct Cursor {
  char* p;
  void put(std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  void field(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
};

}  // namespace

void serialize_head(std::string& out, const Response& response, const HeadFacts& facts) {
  int status = response.status;
  if (status < 100 || status > 999) status = 500;
  const std::string_view reason = reason_phrase(status);
  constexpr std::string_view kKeepAlive = "Connection: keep-alive\r\n";
  constexpr std::string_view kClose = "Connection: close\r\n";
  constexpr std::string_view kChunked = "Transfer-Encoding: chunked\r\n";

  bool own_date = false;
  bool own_server = false;
  size_t size = 13 + reason.size() + 2;  // "HTTP/1.1 200 " reason CRLF
  for (const ResponseHeader& h : response.headers) {
    Owned o = classify(h.name);
    own_date |= o == Owned::date;
    own_server |= o == Owned::server;
    if (o != Owned::framing) size += h.name.size() + h.value.size() + 4;
  }
  const bool date = !own_date;
  const bool server = !own_server && !facts.server.empty();
  if (date) size += 8 + facts.date.size();
  if (server) size += 10 + facts.server.size();
  if (facts.framing == Framing::length) size += 18 + 20;  // "Content-Length: " digits CRLF
  if (facts.framing == Framing::chunked) size += kChunked.size();
  size += kKeepAlive.size() + 2;  // the longer Connection field, the empty line

  const size_t start = out.size();
  out.resize(start + size);
  Cursor c{out.data() + start};
  c.put("HTTP/1.1 ");
  const char digits[3] = {char('0' + status / 100), char('0' + status / 10 % 10),
                          char('0' + status % 10)};
  c.put(std::string_view(digits, 3));
  c.put(" ");
  c.put(reason);
  c.put("\r\n");
  if (date) c.field("Date", facts.date);
  if (server) c.field("Server", facts.server);
  for (const ResponseHeader& h : response.headers) {
    if (classify(h.name) != Owned::framing) c.field(h.name, h.value);
  }
  if (facts.framing == Framing::length) {
    c.put("Content-Length: ");
    c.p = std::to_chars(c.p, c.p + 20, facts.length).ptr;
    c.put("\r\n");
  } else if (facts.framing == Framing::chunked) {
    c.put(kChunked);
  }
  if (facts.connection == ConnectionField::close) {
    c.put(kClose);
  } else if (facts.connection == ConnectionField::keep_alive) {
    c.put(kKeepAlive);
  }
  c.put("\r\n");
  out.resize(size_t(c.p - out.data()));
}

}  // namespace mpmd::http::detail
