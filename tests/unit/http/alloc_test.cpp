// Steady state on a keep-alive connection allocates nothing per request: the
// input buffer, header vectors, response object (with its header fields'
// strings) and serialised head are reused.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

// GCC pairs these replacements with the sanitizers' own operators and warns
// (-Wmismatched-new-delete) although new and delete here match each other.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace mpmd::http {
namespace {

struct StaticHandler : Handler {
  std::shared_ptr<const std::string> data = std::make_shared<const std::string>(4096, 'x');
  void handle(const Request& request, Response& response) override {
    response.set_header("Content-Type", "text/html");
    // Values too long for std::string's inline buffer, as the static-file
    // handler adds them: they reuse the strings of the previous response.
    response.add_header_copy("Last-Modified", "Mon, 23 Nov 2026 16:31:40 GMT");
    response.add_header_copy("ETag", "\"1000-5e4f3c2b1a0c8\"");
    response.add_header_copy("X-Content-Type-Options", "nosniff; and some more text");
    response.body.append_shared(data, 0, data->size());
    if (request.path.empty()) response.status = 500;
  }
};

struct CountingObserver : ExchangeObserver {
  uint64_t bytes = 0;
  void on_exchange(const Request&, const Response&, const Exchange& e) override {
    bytes += e.header_bytes_sent + e.body_bytes_sent;
  }
};

// One request in, all output written.
size_t serve(Connection& c, std::string_view request) {
  auto buf = c.read_buffer();
  std::copy(request.begin(), request.end(), buf.begin());
  c.on_read(request.size());
  size_t total = 0;
  while (c.has_output()) {
    size_t n = 0;
    for (const OutputSlice& s : c.output()) n += s.size();
    c.on_written(n);
    total += n;
  }
  return total;
}

TEST(Allocations, NonePerRequestOnAKeepAliveConnection) {
  BufferPool pool;
  Settings settings;
  settings.max_keepalive_requests = 0;
  settings.buffers = &pool;  // as every engine sets it
  util::ManualClock clock;
  util::DateCache dates;
  Peer peer;
  StaticHandler handler;
  CountingObserver observer;
  Connection c(settings, handler, &observer, clock, dates, peer);
  const std::string_view get =
      "GET /index.html HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\n"
      "Accept: */*\r\nConnection: keep-alive\r\n\r\n";
  const std::string_view post =
      "POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello";
  for (int i = 0; i < 10; ++i) {
    serve(c, get);
    serve(c, post);
  }
  size_t before = g_allocations.load();
  size_t out = 0;
  for (int i = 0; i < 1000; ++i) {
    clock.advance(1000);
    out += serve(c, get);
    out += serve(c, post);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_GT(out, 2000u * 4096);
  EXPECT_EQ(c.requests(), 2020u);
}

}  // namespace
}  // namespace mpmd::http
