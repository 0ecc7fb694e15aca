// Bodies that stream both ways through the sans-IO core: a request body
// reaches its handler through a bounded window while the connection reads
// on, and a response body is pulled from a source as the client takes it.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/body_pipe.hpp"
#include "http/request_body.hpp"
#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

using test::Driver;

std::string post(std::string_view path, size_t length) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

constexpr std::string_view kChunkedPost =
    "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

// ---- request bodies ---------------------------------------------------------

// A handler that counts the body as it arrives, from the connection's thread
// (on_ready), and answers with the count at the end.
struct CountingReader {
  uint64_t bytes = 0;
  int reads = 0;
  bool reading = true;  // false: stop reading (back-pressure)
  const Request* request = nullptr;
  Response* response = nullptr;

  void operator()(const Request& req, Response& res) {
    request = &req;
    response = &res;
    res.deferred = true;
    req.body->on_ready([this] { drain(); });
  }
  void drain() {
    char buf[8192];
    while (reading) {
      auto r = request->body->read(buf);
      if (r.status == RequestBody::Status::data) {
        bytes += r.size;
        ++reads;
        continue;
      }
      if (r.status == RequestBody::Status::again) return;
      response->status = r.status == RequestBody::Status::end ? 200 : 500;
      response->body.append(std::to_string(bytes));
      request->completion->complete();
      return;
    }
  }
};

TEST(RequestStreaming, LargeBodyPassesThroughABoundedWindow) {
  CountingReader h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.stream_body = true;
  d.read_size = 4096;
  const size_t size = 8 << 20;
  d.feed(post("/up", size) + std::string(size, 'u'));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, std::to_string(size));
  EXPECT_GT(h.reads, 100);  // it arrived in pieces, not as a whole
  EXPECT_LE(d.max_read_span, 32u * 1024);
  EXPECT_EQ(d.exchanges()[0].request.bytes_received, post("/up", size).size() + size);
}

TEST(RequestStreaming, AReaderThatStopsStopsTheConnectionReading) {
  CountingReader h;
  h.reading = false;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.stream_body = true;
  const size_t size = 1 << 20;
  d.feed(post("/up", size) + std::string(size, 'u'));
  // The window and the input buffer are full: the rest stays with the peer.
  EXPECT_FALSE(d.connection().wants_read());
  EXPECT_GT(d.unread(), size - RequestBody::kWindow - 32 * 1024);
  EXPECT_EQ(d.connection().phase(), Connection::Phase::handling);  // the handler's time
  h.reading = true;
  h.drain();  // reading frees the window: the connection is woken to read on
  EXPECT_GE(d.wakes, 1);
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, std::to_string(size));
  EXPECT_EQ(d.unread(), 0u);
}

TEST(RequestStreaming, BlockingReadInsideTheHandlerMovesBytesItself) {
  // prefork/worker: the handler reads on the connection's own thread and the
  // engine's pump_nested() reads the socket for it.
  std::string seen;
  Driver d({}, [&](const Request& q, Response& r) {
    auto got = q.body->read_all(seen, 0);
    r.status = got.status == RequestBody::Status::end ? 200 : 500;
    r.body.append(std::to_string(seen.size()));
  });
  d.stream_body = true;
  d.nested_pump = true;
  d.read_size = 1000;
  const size_t size = 300'000;
  d.feed(post("/up", size) + std::string(size, 'x'));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].body, std::to_string(size));
}

TEST(RequestStreaming, ChunkedOverLimitIsRefusedAsItArrives) {
  Settings s;
  s.limits.request_body = 100;
  Driver d(s);
  d.feed(std::string(kChunkedPost) + "40\r\n" + std::string(64, 'a') + "\r\n");
  EXPECT_TRUE(d.take_output().empty());  // 64 bytes: within the limit
  d.feed("40\r\n" + std::string(64, 'b') + "\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  ASSERT_EQ(d.handled().size(), 1u);
  EXPECT_EQ(d.handled()[0].body_error, 413);
  EXPECT_TRUE(d.connection().finished());
}

TEST(RequestStreaming, ReaderLimitAnswers413) {
  Driver d({}, [](const Request& q, Response& r) {
    std::string all;
    auto got = q.body->read_all(all, 10);
    EXPECT_EQ(got.status, RequestBody::Status::error);
    EXPECT_EQ(got.error, 413);
    r.body.append("handler's answer is replaced");
  });
  d.stream_body = true;
  d.nested_pump = true;
  d.feed(post("/p", 50) + std::string(50, 'z'));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
  EXPECT_EQ(rs[0].header("Connection"), "close");
}

TEST(RequestStreaming, TimeoutWhileTheHandlerWaitsForTheBodyIs408) {
  CountingReader h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.stream_body = true;
  d.feed(post("/up", 100) + std::string(10, 'x'));
  EXPECT_EQ(d.connection().phase(), Connection::Phase::body);  // the client's time
  d.timeout();
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 408);
  EXPECT_TRUE(d.connection().finished());
}

// ---- bodies nobody reads ----------------------------------------------------

Driver::HandlerFn answer_at_once(int status) {
  return [status](const Request&, Response& r) {
    r.status = status;
    r.body.append("no");
  };
}

TEST(UnreadBody, SmallIsReadAndDroppedBeforeTheAnswerAndTheConnectionKept) {
  Driver d({}, answer_at_once(405));
  d.stream_body = true;
  d.feed(post("/f", 5000) + std::string(3000, 'a'));
  // As Apache: the rest of the body is read (and judged) before the answer.
  EXPECT_EQ(d.take_output(), "");
  EXPECT_EQ(d.connection().phase(), Connection::Phase::body);
  d.feed(std::string(2000, 'a') + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 405);
  EXPECT_FALSE(rs[0].has("Connection"));
  ASSERT_EQ(d.handled().size(), 2u);
  EXPECT_EQ(d.handled()[1].path, "/next");
  EXPECT_EQ(d.exchanges()[0].request.bytes_received, post("/f", 5000).size() + 5000);
}

TEST(UnreadBody, ChunkedOverTheLimitIs413EvenWhenUnread) {
  Settings s;
  s.limits.request_body = 100;
  Driver d(s, answer_at_once(200));
  d.stream_body = true;
  d.feed(std::string(kChunkedPost) + "c8\r\n" + std::string(200, 'x') + "\r\n0\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
}

TEST(UnreadBody, ExpectContinueForASuccessIsSentAndTheBodyDropped) {
  Driver d({}, answer_at_once(200));
  d.stream_body = true;
  d.feed("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(d.take_output(), "HTTP/1.1 100 Continue\r\n\r\n");
  d.feed("body");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_FALSE(rs[0].has("Connection"));
}

TEST(UnreadBody, LargeClosesTheConnectionWithoutReadingIt) {
  Driver d({}, answer_at_once(405));
  d.stream_body = true;
  const size_t size = size_t(1) << 30;  // announced, never sent: nothing holds it
  d.feed(post("/f", size) + std::string(1000, 'a'));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 405);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
}

TEST(UnreadBody, ExpectContinueWithoutReadingSendsNoContinueAndCloses) {
  Driver d({}, answer_at_once(403));
  d.stream_body = true;
  d.feed("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");
  const std::string out = d.take_output();
  EXPECT_EQ(out.find("100 Continue"), std::string::npos);
  auto rs = test::parse_responses(out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 403);
  EXPECT_EQ(rs[0].header("Connection"), "close");
}

TEST(UnreadBody, MalformedChunkedFramingIs400EvenWhenUnread) {
  for (std::string_view bad : {"3 \r\nabc\r\n0\r\n\r\n", "3\r\nabcX\r\n0\r\n\r\n", "zz\r\n"}) {
    Driver d({}, answer_at_once(405));
    d.stream_body = true;
    d.feed(std::string(kChunkedPost) + std::string(bad));
    auto rs = d.take_responses();
    ASSERT_EQ(rs.size(), 1u) << bad;
    EXPECT_EQ(rs[0].status, 400) << bad;
    EXPECT_EQ(rs[0].header("Connection"), "close") << bad;
  }
}

// ---- response streams ---------------------------------------------------------

// Produces `total` bytes in pieces of `piece`, only when pulled.
struct Generator final : BodySource {
  uint64_t left;
  size_t piece;
  std::optional<uint64_t> declared;
  int pulls = 0;
  Generator(uint64_t total, size_t p, bool known) : left(total), piece(p) {
    if (known) declared = total;
  }
  Pull pull(std::string& out, size_t max, const std::shared_ptr<Waker>&) override {
    ++pulls;
    size_t n = size_t(std::min<uint64_t>({left, piece, max}));
    out.append(n, char('a' + pulls % 26));
    left -= n;
    return left == 0 ? Pull::end : Pull::data;
  }
  std::optional<uint64_t> length() const override { return declared; }
};

TEST(ResponseStreaming, UnknownLengthGoesOutChunked) {
  auto gen = std::make_shared<Generator>(100'000, 7000, false);
  Driver d({}, [&](const Request&, Response& r) {
    r.body.append("head-");
    r.body.append_stream(gen);
  });
  d.feed("GET /g HTTP/1.1\r\nHost: h\r\n\r\nGET /g HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);  // the pipelined request follows the streamed one
  EXPECT_EQ(rs[0].header("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(rs[0].has("Content-Length"));
  EXPECT_EQ(rs[0].body.size(), 5u + 100'000u);
  EXPECT_EQ(rs[0].body.substr(0, 5), "head-");
  EXPECT_GE(rs[0].chunks, 15u);
  EXPECT_EQ(d.exchanges()[0].exchange.body_bytes_sent, 100'005u);  // framing not counted
}

TEST(ResponseStreaming, KnownLengthGoesOutWithContentLength) {
  auto gen = std::make_shared<Generator>(50'000, 4096, true);
  Driver d({}, [&](const Request&, Response& r) { r.body.append_stream(gen); });
  d.feed("GET /g HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Content-Length"), "50000");
  EXPECT_FALSE(rs[0].has("Transfer-Encoding"));
  EXPECT_EQ(rs[0].body.size(), 50'000u);
}

TEST(ResponseStreaming, Http10IsCloseDelimited) {
  auto gen = std::make_shared<Generator>(9000, 1000, false);
  Driver d({}, [&](const Request&, Response& r) { r.body.append_stream(gen); });
  d.feed("GET /g HTTP/1.0\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_FALSE(rs[0].has("Content-Length"));
  EXPECT_FALSE(rs[0].has("Transfer-Encoding"));
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_EQ(rs[0].body.size(), 9000u);
  EXPECT_TRUE(d.connection().finished());
}

TEST(ResponseStreaming, ASlowReaderMakesTheSourceWait) {
  auto gen = std::make_shared<Generator>(10 << 20, 64 * 1024, false);
  Driver d({}, [&](const Request&, Response& r) { r.body.append_stream(gen); });
  d.write_size = 0;  // the client reads nothing
  d.feed("GET /g HTTP/1.1\r\nHost: h\r\n\r\n");
  // Nothing more is produced than one pull while the socket takes nothing.
  EXPECT_LE(gen->pulls, 1);
  d.feed("");
  d.resume();
  EXPECT_LE(gen->pulls, 1);
  d.write_size = SIZE_MAX;
  d.feed("");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body.size(), size_t(10 << 20));
}

TEST(ResponseStreaming, HeadCancelsTheStream) {
  auto pipe = std::shared_ptr<BodyPipe>();
  Driver d({}, [&](const Request& q, Response& r) {
    pipe = std::make_shared<BodyPipe>(q.waker);
    r.body.append_stream(pipe);
    r.deferred = true;
    q.completion->complete();
  });
  d.feed("HEAD /g HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses({true});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_FALSE(rs[0].has("Content-Length"));
  EXPECT_FALSE(rs[0].has("Transfer-Encoding"));
  // The producer learns at its next write, and the request is kept until it ends.
  EXPECT_EQ(pipe->write("x"), BodyPipe::Write::closed);
  EXPECT_TRUE(d.connection().busy());
  pipe->end();
  d.resume();
  EXPECT_FALSE(d.connection().busy());
  EXPECT_TRUE(d.connection().idle());
}

TEST(ResponseStreaming, PipeWrittenLaterWakesTheConnection) {
  std::shared_ptr<BodyPipe> pipe;
  Driver d({}, [&](const Request& q, Response& r) {
    pipe = std::make_shared<BodyPipe>(q.waker);
    r.set_header("Content-Type", "text/event-stream");
    r.body.append_stream(pipe);
    r.deferred = true;
    q.completion->complete();  // the head goes out now
  });
  d.feed("GET /events HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string out = d.take_output();
  EXPECT_NE(out.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_TRUE(d.connection().busy());
  EXPECT_EQ(d.connection().phase(), Connection::Phase::handling);  // no socket timeout
  int wakes = d.wakes;
  ASSERT_EQ(pipe->write("data: 1\n\n"), BodyPipe::Write::ok);
  EXPECT_EQ(d.wakes, wakes + 1);  // the connection waited for it
  d.resume();
  EXPECT_EQ(d.take_output(), "9\r\ndata: 1\n\n\r\n");
  pipe->write("data: 2\n\n");
  pipe->end();
  d.resume();
  out = d.take_output();
  EXPECT_EQ(out.substr(0, 19), "9\r\ndata: 2\n\n\r\n0\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos);  // /after, once /events ended
  ASSERT_EQ(d.handled().size(), 2u);
}

TEST(ResponseStreaming, BlockingWriterInsideTheHandlerSendsItself) {
  // prefork/worker: the handler writes on the connection's own thread; a full
  // window makes pump_nested() write to the socket.
  const size_t total = 1 << 20;
  Driver d({}, [&](const Request& q, Response& r) {
    auto pipe = std::make_shared<BodyPipe>(q.waker);
    r.body.append_stream(pipe);
    r.deferred = true;
    q.completion->complete();
    std::string piece(10'000, 'p');
    for (size_t sent = 0; sent < total; sent += piece.size()) {
      ASSERT_EQ(pipe->write_wait(piece.substr(0, std::min(piece.size(), total - sent))),
                BodyPipe::Write::ok);
    }
    pipe->end();
  });
  d.nested_pump = true;
  d.write_size = 30'000;
  d.feed("GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body.size(), total);
}

TEST(ResponseStreaming, AFailedStreamClosesTheConnection) {
  std::shared_ptr<BodyPipe> pipe;
  Driver d({}, [&](const Request& q, Response& r) {
    pipe = std::make_shared<BodyPipe>(q.waker);
    r.body.append_stream(pipe);
    r.deferred = true;
    q.completion->complete();
  });
  d.feed("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  pipe->write("partial");
  d.resume();
  pipe->fail();
  d.resume();
  EXPECT_TRUE(d.connection().finished());
  EXPECT_FALSE(d.connection().busy());
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_FALSE(d.exchanges()[0].exchange.completed);
}

TEST(ResponseStreaming, AKnownLengthThatIsNotMetClosesTheConnection) {
  std::shared_ptr<BodyPipe> pipe;
  Driver d({}, [&](const Request& q, Response& r) {
    pipe = std::make_shared<BodyPipe>(q.waker, 100);
    r.body.append_stream(pipe);
    r.deferred = true;
    q.completion->complete();
  });
  d.feed("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  pipe->write("only ten b");
  pipe->end();
  d.resume();
  EXPECT_TRUE(d.connection().finished());  // a Content-Length that lied must not be reused
}

}  // namespace
}  // namespace mpmd::http
