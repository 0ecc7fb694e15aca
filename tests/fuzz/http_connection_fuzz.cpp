// libFuzzer target: the request parser and the chunked decoder, driven through
// http::Connection the way an engine drives it.
//
// Input layout: byte 0 selects settings and how the stream ends, byte 1 the
// read sizes, byte 2 the write sizes; the rest is what the client sends.
// The handler echoes what of the body is buffered when it runs (at the head). After every call the
// target checks what an engine relies on: the read buffer is never empty while reading is wanted, a
// finished connection stays finished, output is bounded, and the bytes written
// are well-formed responses that match, in order, what the observer was told.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection.hpp"
#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/request_body.hpp"
#include "http/response.hpp"
#include "util/clock.hpp"

namespace {

using namespace mpmd;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "http_connection invariant violated: %s\n", what);
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok) fail(what);
}

struct Seen {
  int status = 0;
  bool head_only = false;
  bool completed = false;
};

class Echo final : public http::Handler, public http::ExchangeObserver {
 public:
  void handle(const http::Request& request, http::Response& response) override {
    ++handled;
    check(request.peer != nullptr, "handler called without a peer");
    check(!request.path.empty(), "handler called with an empty path");
    response.set_header("Content-Type", "text/plain");
    if (request.path == "/close") response.close = true;
    if (request.path == "/204") response.status = 204;
    if (request.path == "/304") response.status = 304;
    if (request.path == "/405") response.status = 405;  // a refusal: the body stays unread
    if (request.path == "/empty") return;
    // Handlers run at the head: echo what of the body is already buffered (at
    // most 64 bytes), without waiting; the core reads and judges the rest.
    char buf[64];
    size_t n = 0;
    if (request.body && request.path != "/405") {
      const http::RequestBody::Read r = request.body->read(buf);
      if (r.status == http::RequestBody::Status::data) n = r.size;
    }
    response.body.append(n == 0 ? std::string("ok") : std::string(buf, n));
  }
  void on_exchange(const http::Request&, const http::Response& response,
                   const http::Exchange& exchange) override {
    seen.push_back({response.status, response.head_only, exchange.completed});
  }

  size_t handled = 0;
  std::vector<Seen> seen;
};

// Every response head and body the core may produce stays below this.
constexpr size_t kMaxResponse = 8192;

// Checks that `out` is a sequence of responses matching `seen` (interim 100
// Continue responses may appear before any of them).
void check_responses(std::string_view out, const std::vector<Seen>& seen) {
  size_t index = 0;
  while (!out.empty()) {
    check(out.substr(0, 9) == "HTTP/1.1 ", "output does not start with HTTP/1.1");
    size_t head_end = out.find("\r\n\r\n");
    check(head_end != std::string_view::npos, "response head without an empty line");
    check(out.size() >= 12, "short status line");
    int status = 0;
    for (size_t i = 9; i < 12; ++i) {
      check(out[i] >= '0' && out[i] <= '9', "status is not three digits");
      status = status * 10 + (out[i] - '0');
    }
    std::string_view head = out.substr(0, head_end + 2);
    out.remove_prefix(head_end + 4);
    if (status == 100) {
      check(head == "HTTP/1.1 100 Continue\r\n", "100 Continue carries fields");
      continue;
    }
    check(index < seen.size(), "more responses written than exchanges observed");
    const Seen& s = seen[index++];
    check(s.status == status, "written status differs from the observed one");
    uint64_t length = 0;
    bool has_length = false;
    size_t at = head.find("\r\nContent-Length: ");
    if (at != std::string_view::npos) {
      has_length = true;
      for (size_t i = at + 18; i < head.size() && head[i] != '\r'; ++i) {
        check(head[i] >= '0' && head[i] <= '9', "Content-Length is not a number");
        length = length * 10 + uint64_t(head[i] - '0');
      }
      check(head.find("\r\nContent-Length: ", at + 1) == std::string_view::npos,
            "two Content-Length fields");
    }
    bool no_body = status < 200 || status == 204 || status == 304;
    check(has_length != no_body, "Content-Length presence does not match the status");
    if (!no_body && !s.head_only) {
      if (length > out.size()) {
        check(!s.completed, "completed response shorter than its Content-Length");
        return;
      }
      out.remove_prefix(size_t(length));
    }
  }
}

struct Pattern {
  uint8_t seed;
  size_t next(size_t at_most) {
    // Small, varied sizes: 1..16 mostly, sometimes everything.
    seed = uint8_t(seed * 37 + 11);
    if ((seed & 7) == 0) return at_most;
    size_t n = (seed >> 3) % 16 + 1;
    return n < at_most ? n : at_most;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t flags = data[0];
  Pattern reads{data[1]};
  Pattern writes{data[2]};
  std::string_view input(reinterpret_cast<const char*>(data) + 3, size - 3);

  http::Settings settings;
  settings.keep_alive = (flags & 1) == 0;
  settings.max_keepalive_requests = (flags & 2) ? 3 : 100;
  if (flags & 4) {  // small limits reach every limit's error path
    settings.limits.request_line = 64;
    settings.limits.request_field_size = 48;
    settings.limits.request_fields = 4;
    settings.limits.request_body = 100;
  }
  const int ending = (flags >> 3) & 3;  // eof, timeout, error, nothing
  const bool graceful = (flags & 32) != 0;

  util::ManualClock clock;
  util::DateCache dates;
  http::Peer peer{"127.0.0.1", 40000, 8080, "127.0.0.1"};
  Echo echo;
  http::Connection conn(settings, echo, &echo, clock, dates, peer);

  std::string out;
  size_t pos = 0;
  uint32_t last_requests = 0;
  bool was_finished = false;

  auto invariants = [&] {
    if (was_finished) {
      check(conn.finished(), "finished connection became unfinished");
      check(!conn.has_output(), "finished connection has output");
      check(!conn.wants_read(), "finished connection wants to read");
    }
    was_finished = conn.finished();
    check(conn.requests() >= last_requests, "requests() went backwards");
    last_requests = conn.requests();
    check(echo.seen.size() <= echo.handled + 1, "more exchanges than handled requests + 1");
    check(out.size() <= kMaxResponse * (echo.seen.size() + 1), "unbounded output");
  };

  auto drain = [&] {
    while (conn.has_output()) {
      auto slices = conn.output(4);
      check(!slices.empty(), "has_output() but no slices");
      size_t budget = writes.next(SIZE_MAX);
      size_t n = 0;
      for (const http::OutputSlice& s : slices) {
        check(s.fd < 0, "file slice from a memory-only handler");
        size_t take = s.bytes.size() < budget - n ? s.bytes.size() : budget - n;
        out.append(s.bytes.data(), take);
        n += take;
        if (n == budget) break;
      }
      check(n > 0, "output slices are all empty");
      conn.on_written(n);
      invariants();
    }
  };

  size_t steps = 0;
  while (!conn.finished()) {
    drain();
    if (conn.finished() || !conn.wants_read() || pos == input.size()) break;
    auto span = conn.read_buffer();
    check(!span.empty(), "read_buffer() is empty while reading is wanted");
    check(span.size() <= (64u << 20), "read buffer grew beyond 64 MiB");
    size_t n = reads.next(span.size());
    if (n > input.size() - pos) n = input.size() - pos;
    std::memcpy(span.data(), input.data() + pos, n);
    pos += n;
    conn.on_read(n);
    clock.advance(1000);
    invariants();
    if (graceful && ++steps == 3) conn.close_after_response();
  }
  drain();
  if (!conn.finished()) {
    if (ending == 0 && conn.wants_read()) conn.on_eof();
    if (ending == 1) conn.on_timeout();
    if (ending == 2) conn.on_error();
    invariants();
    drain();
    if (ending == 0 && !conn.finished() && conn.wants_read()) {
      conn.on_eof();
      invariants();
      drain();
    }
  }
  invariants();
  if (std::getenv("MPMD_FUZZ_DEBUG")) {  // reproducing: show what was written
    std::fprintf(stderr, "output (%zu bytes, %zu exchanges):\n%s\n", out.size(), echo.seen.size(),
                 out.c_str());
  }
  check_responses(out, echo.seen);
  return 0;
}
