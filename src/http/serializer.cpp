#include "http/serializer.hpp"

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

void append_status(std::string& out, int status) {
  if (status < 100 || status > 999) status = 500;
  char digits[3] = {char('0' + status / 100), char('0' + status / 10 % 10),
                    char('0' + status % 10)};
  out.append("HTTP/1.1 ");
  out.append(digits, 3);
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");
}

}  // namespace

void serialize_head(std::string& out, const Response& response, const HeadFacts& facts) {
  append_status(out, response.status);
  bool own_date = false;
  bool own_server = false;
  for (const ResponseHeader& h : response.headers) {
    Owned o = classify(h.name);
    own_date |= o == Owned::date;
    own_server |= o == Owned::server;
  }
  if (!own_date) {
    out.append("Date: ");
    out.append(facts.date);
    out.append("\r\n");
  }
  if (!own_server && !facts.server.empty()) {
    out.append("Server: ");
    out.append(facts.server);
    out.append("\r\n");
  }
  for (const ResponseHeader& h : response.headers) {
    if (classify(h.name) == Owned::framing) continue;
    out.append(h.name);
    out.append(": ");
    out.append(h.value);
    out.append("\r\n");
  }
  if (facts.send_length) {
    out.append("Content-Length: ");
    util::append_u64(out, facts.length);
    out.append("\r\n");
  }
  if (facts.connection == ConnectionField::close) {
    out.append("Connection: close\r\n");
  } else if (facts.connection == ConnectionField::keep_alive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

std::string error_body(int status) {
  std::string_view reason = reason_phrase(status);
  std::string_view detail;
  switch (status) {
    case 400:
      detail = "Your browser sent a request that this server could not understand.";
      break;
    case 408:
      detail = "Server timeout waiting for the HTTP request from the client.";
      break;
    case 413:
      detail = "The request body is larger than this server allows.";
      break;
    case 414:
      detail = "The requested URL's length exceeds the capacity limit for this server.";
      break;
    case 417:
      detail = "The expectation given in the Expect request-header could not be met.";
      break;
    case 431:
      detail = "The request's header fields exceed the limits of this server.";
      break;
    case 501:
      detail = "The request method or transfer coding is not supported.";
      break;
    case 505:
      detail = "The HTTP version of the request is not supported.";
      break;
    default:
      detail = reason;
      break;
  }
  std::string code = std::to_string(status);
  std::string body;
  body.reserve(256);
  body.append("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>");
  body.append(code).append(" ").append(reason);
  body.append("</title>\n</head><body>\n<h1>").append(reason).append("</h1>\n<p>");
  body.append(detail);
  body.append("</p>\n</body></html>\n");
  return body;
}

}  // namespace mpmd::http::detail
