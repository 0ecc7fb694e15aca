// libFuzzer target: the LogFormat compiler (log::CompiledFormat::compile) and,
// when a format compiles, the renderer against a fixed exchange.
//
// Input layout: byte 0 picks the response status and a few request details;
// the rest is the format string.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "log/log_format.hpp"

namespace {

using namespace mpmd;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "log_format invariant violated: %s\n", what);
    std::abort();
  }
}

constexpr int kStatuses[] = {200, 204, 206, 301, 304, 400, 404, 408, 413, 500, 501, 503};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t pick = data[0];
  std::string_view format(reinterpret_cast<const char*>(data) + 1, size - 1);

  log::CompiledFormat compiled;
  std::string error;
  if (!log::CompiledFormat::compile(format, compiled, error)) {
    check(!error.empty(), "compile failed without an error message");
    return 0;
  }
  if (pick & 0x80) compiled.set_server_name("www.example.com");

  http::Peer peer{"192.0.2.7", 51234, 8080, "127.0.0.1"};
  http::Request request;
  const bool partial = (pick & 0x40) != 0;  // a request rejected while parsing
  if (!partial) {
    request.method = (pick & 0x20) ? http::Method::head : http::Method::get;
    request.method_text = (pick & 0x20) ? "HEAD" : "GET";
    request.target = "/a%20b/c\"d?x=1&y=\x01\xff";
    request.path = "/a%20b/c\"d";
    request.query = "x=1&y=\x01\xff";
    request.host = (pick & 0x10) ? "" : "example.org";
    request.request_line = "GET /a%20b/c\"d?x=1&y=\x01\xff HTTP/1.1";
    request.headers.add("Host", "example.org");
    request.headers.add("User-Agent", "fuzz/1.0 \"quoted\" \\ \t\n");
    request.headers.add("Referer", "");
    request.headers.add("Cookie", "a=1; session=xyz; b=\x7f");
  }
  request.peer = &peer;
  request.start = 784111777'123456;
  request.bytes_received = 321;
  request.index_on_connection = pick & 3;

  http::Response response;
  response.status = kStatuses[(pick >> 2) % (sizeof kStatuses / sizeof kStatuses[0])];
  response.set_header("Content-Type", "text/plain");
  response.set_header("X-Odd", "\r\n\x1b[31m");
  response.body.append("ok");
  response.head_only = request.method == http::Method::head;

  http::Exchange exchange;
  exchange.header_bytes_sent = 120;
  exchange.body_bytes_sent = (pick & 1) ? 0 : 2;
  exchange.end = request.start + 1500;
  exchange.completed = (pick & 2) == 0;

  std::string line;
  compiled.render(request, response, exchange, line);
  check(!line.empty() && line.back() == '\n', "rendered line does not end with a newline");
  std::string again = "prefix";
  compiled.render(request, response, exchange, again);
  check(again.substr(6) == line, "rendering is not deterministic or depends on `out`");
  return 0;
}
