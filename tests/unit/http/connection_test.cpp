#include "http/connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "http/tls_session.hpp"
#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

using test::Driver;

constexpr std::string_view kGet = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n";
constexpr std::string_view kDate = "Sun, 06 Nov 1994 08:49:37 GMT";

TEST(Connection, SimpleGetGetsDateServerLength) {
  Driver d;
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(rs[0].header("Date"), kDate);
  EXPECT_EQ(rs[0].header("Server"), "mpmd");
  EXPECT_EQ(rs[0].header("Content-Length"), "2");
  EXPECT_EQ(rs[0].header("Content-Type"), "text/plain");
  EXPECT_FALSE(rs[0].has("Connection"));
  EXPECT_EQ(rs[0].body, "ok");
  ASSERT_EQ(d.handled().size(), 1u);
  const auto& r = d.handled()[0];
  EXPECT_EQ(r.method, Method::get);
  EXPECT_EQ(r.method_text, "GET");
  EXPECT_EQ(r.target, "/a?b=c");
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.query, "b=c");
  EXPECT_EQ(r.host, "example.com");
  EXPECT_EQ(r.request_line, "GET /a?b=c HTTP/1.1");
  EXPECT_EQ(r.peer, &d.peer());
  EXPECT_EQ(r.bytes_received, kGet.size());
  EXPECT_TRUE(d.connection().wants_read());
  EXPECT_TRUE(d.connection().idle());
  EXPECT_FALSE(d.connection().finished());
  EXPECT_EQ(d.connection().requests(), 1u);
}

TEST(Connection, EmptyServerHeaderIsOmitted) {
  Settings s;
  s.server_header = "";
  Driver d(s);
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_FALSE(rs[0].has("Server"));
}

TEST(Connection, DateIsTheClocksTime) {
  Driver d;
  d.clock().set(1700000000'000000);
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Date"), "Tue, 14 Nov 2023 22:13:20 GMT");
}

TEST(Connection, HandlerHeadersGoOutAsGivenButFramingIsTheCores) {
  Driver d({}, [](const Request&, Response& r) {
    r.add_header("X-One", "1");
    r.add_header("Set-Cookie", "a=1");
    r.add_header("Set-Cookie", "b=2");
    r.add_header("Content-Length", "999");
    r.add_header("Date", "Mon, 01 Jan 2001 00:00:00 GMT");
    r.body.append("abc");
  });
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("X-One"), "1");
  EXPECT_EQ(rs[0].count("Set-Cookie"), 2u);
  EXPECT_EQ(rs[0].count("Content-Length"), 1u);
  EXPECT_EQ(rs[0].header("Content-Length"), "3");
  EXPECT_EQ(rs[0].count("Date"), 1u);
  EXPECT_EQ(rs[0].header("Date"), "Mon, 01 Jan 2001 00:00:00 GMT");
  EXPECT_FALSE(rs[0].has("Content-Type"));
  EXPECT_EQ(rs[0].body, "abc");
}

TEST(Connection, NoLengthFor204And304AndNoBodyFor1xx) {
  for (int status : {204, 304, 101}) {
    Driver d({}, [status](const Request&, Response& r) {
      r.status = status;
      r.body.append("must not be sent");
    });
    d.feed(kGet);
    std::string out = d.take_output();
    auto rs = test::parse_responses(out);
    ASSERT_EQ(rs.size(), 1u) << status;
    EXPECT_EQ(rs[0].status, status);
    EXPECT_FALSE(rs[0].has("Content-Length")) << status;
    EXPECT_EQ(out.find("must not"), std::string::npos) << status;
  }
}

TEST(Connection, HeadSendsTheLengthButNoBody) {
  Driver d({}, [](const Request& req, Response& r) {
    EXPECT_TRUE(r.head_only);
    EXPECT_EQ(req.method, Method::head);
    r.body.append("0123456789");
  });
  d.feed("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string out = d.take_output();
  auto rs = test::parse_responses(out, {true});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Content-Length"), "10");
  EXPECT_EQ(out.size(), rs[0].raw_head.size());
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_EQ(d.exchanges()[0].exchange.body_bytes_sent, 0u);
}

TEST(Connection, FileSegmentsAreSlicesNotCopies) {
  char path[] = "/tmp/mpmd_http_testXXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  std::string content(5000, 'x');
  for (size_t i = 0; i < content.size(); ++i) content[i] = char('a' + i % 26);
  ASSERT_EQ(::write(fd, content.data(), content.size()), ssize_t(content.size()));
  auto file = std::make_shared<const OpenFile>(fd);
  Driver d({}, [&](const Request&, Response& r) {
    r.body.append("<");
    r.body.append_file(file, 100, 4096);
    r.body.append(">");
  });
  d.feed(kGet);
  auto slices = d.connection().output();
  EXPECT_TRUE(slices.empty());  // the driver wrote everything
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Content-Length"), "4098");
  EXPECT_EQ(rs[0].body, "<" + content.substr(100, 4096) + ">");
}

TEST(Connection, OutputListsHeadAndBodySlicesInOrder) {
  auto data = std::make_shared<const std::string>(4096, 'z');
  // Drive by hand to look at the slices.
  Settings s;
  util::ManualClock clock;
  util::DateCache dates;
  Peer peer;
  struct H : Handler {
    std::shared_ptr<const std::string> data;
    void handle(const Request&, Response& r) override { r.body.append_shared(data, 0, 4096); }
  } h;
  h.data = data;
  Connection c(s, h, nullptr, clock, dates, peer);
  auto buf = c.read_buffer();
  ASSERT_GE(buf.size(), kGet.size());
  std::copy(kGet.begin(), kGet.end(), buf.begin());
  c.on_read(kGet.size());
  ASSERT_TRUE(c.has_output());
  EXPECT_FALSE(c.wants_read());
  auto out = c.output();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].bytes.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(out[1].bytes.data(), data->data());  // no copy of body memory
  // A partial write advances within the slices.
  size_t head = out[0].size();
  c.on_written(head + 10);
  out = c.output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 4086u);
  EXPECT_EQ(out[0].bytes.data(), data->data() + 10);
  c.on_written(4086);
  EXPECT_FALSE(c.has_output());
  EXPECT_TRUE(c.wants_read());
  EXPECT_EQ(c.requests(), 1u);
}

TEST(Connection, PlainHttpOnATlsPortGetsA400ThatSaysSo) {
  Settings s;
  util::ManualClock clock;
  util::DateCache dates;
  TlsSession tls;
  tls.plain_http = true;  // what the TLS transport found in the first byte
  Peer peer;
  peer.tls = &tls;
  struct H : Handler {
    bool called = false;
    void handle(const Request&, Response& r) override {
      called = true;
      r.body.append("never");
    }
  } h;
  Connection c(s, h, nullptr, clock, dates, peer);
  auto buf = c.read_buffer();
  std::copy(kGet.begin(), kGet.end(), buf.begin());
  c.on_read(kGet.size());
  std::string out;
  for (const auto& slice : c.output()) out += slice.bytes;
  EXPECT_FALSE(h.called);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400 Bad Request\r\n")) << out;
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(out.find("You're speaking plain HTTP to an SSL-enabled server port"),
            std::string::npos);
  // A TLS connection (plain_http false) is served as usual.
  tls.plain_http = false;
  Connection ok(s, h, nullptr, clock, dates, peer);
  buf = ok.read_buffer();
  std::copy(kGet.begin(), kGet.end(), buf.begin());
  ok.on_read(kGet.size());
  EXPECT_TRUE(h.called);
}

TEST(Connection, KeepAliveRulesHttp11) {
  Driver d;
  d.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_FALSE(d.take_responses()[0].has("Connection"));
  EXPECT_FALSE(d.connection().finished());
  d.feed("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
  EXPECT_EQ(d.handled().size(), 2u);
  EXPECT_FALSE(d.handled()[1].keep_alive);
}

TEST(Connection, KeepAliveRulesHttp10) {
  {
    Driver d;
    d.feed("GET / HTTP/1.0\r\n\r\n");
    auto rs = d.take_responses();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(rs[0].header("Connection"), "close");
    EXPECT_TRUE(d.connection().finished());
    EXPECT_EQ(d.handled()[0].version, Version::http10);
    EXPECT_FALSE(d.handled()[0].keep_alive);
  }
  {
    Driver d;
    d.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    auto rs = d.take_responses();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].header("Connection"), "keep-alive");
    EXPECT_FALSE(d.connection().finished());
    d.feed("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    EXPECT_EQ(d.take_responses()[0].header("Connection"), "keep-alive");
    EXPECT_EQ(d.connection().requests(), 2u);
  }
}

TEST(Connection, KeepAliveOffClosesAfterEachResponse) {
  Settings s;
  s.keep_alive = false;
  Driver d(s);
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
}

TEST(Connection, MaxKeepAliveRequests) {
  Settings s;
  s.max_keepalive_requests = 3;
  Driver d(s);
  std::string three;
  for (int i = 0; i < 4; ++i) three += kGet;
  d.feed(three);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_FALSE(rs[0].has("Connection"));
  EXPECT_FALSE(rs[1].has("Connection"));
  EXPECT_EQ(rs[2].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
  EXPECT_EQ(d.handled().size(), 3u);
}

TEST(Connection, MaxKeepAliveRequestsZeroIsUnlimited) {
  Settings s;
  s.max_keepalive_requests = 0;
  Driver d(s);
  for (int i = 0; i < 300; ++i) d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 300u);
  EXPECT_FALSE(rs.back().has("Connection"));
  EXPECT_FALSE(d.connection().finished());
}

TEST(Connection, HandlerCloseIsHonoured) {
  Driver d({}, [](const Request&, Response& r) { r.close = true; });
  d.feed(kGet);
  EXPECT_EQ(d.take_responses()[0].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
}

TEST(Connection, PipelinedRequestsAnsweredInOrderOneAtATime) {
  Driver d({}, [](const Request& req, Response& r) { r.body.append(std::string(req.path)); });
  d.write_size = 7;  // force many partial writes
  std::string in =
      "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /three HTTP/1.1\r\nHost: h\r\n\r\n";
  d.feed(in);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].body, "/one");
  EXPECT_EQ(rs[1].body, "/two");
  EXPECT_EQ(rs[2].body, "/three");
  ASSERT_EQ(d.handled().size(), 3u);
  EXPECT_EQ(d.handled()[1].body, "abc");
  EXPECT_EQ(d.handled()[2].index_on_connection, 2u);
  ASSERT_EQ(d.exchanges().size(), 3u);
  // Views stayed valid until each exchange was logged.
  EXPECT_EQ(d.exchanges()[0].request.path, "/one");
  EXPECT_EQ(d.exchanges()[2].request.request_line, "GET /three HTTP/1.1");
}

TEST(Connection, DoesNotReadWhileAResponseIsPending) {
  Driver d;
  d.write_size = 0;  // the peer does not read
  std::string two = std::string(kGet) + std::string(kGet);
  d.read_size = kGet.size();
  d.feed(two);
  EXPECT_TRUE(d.connection().has_output());
  EXPECT_FALSE(d.connection().wants_read());
  EXPECT_EQ(d.unread(), kGet.size());
  d.write_size = SIZE_MAX;
  d.feed("");
  EXPECT_EQ(d.take_responses().size(), 2u);
}

TEST(Connection, ContentLengthBodyAcrossReads) {
  Driver d;
  d.feed("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234");
  // The handler has the request once its head is here; its body follows.
  ASSERT_EQ(d.handled().size(), 1u);
  EXPECT_EQ(d.handled()[0].body, "01234");
  EXPECT_EQ(d.take_output(), "");
  EXPECT_FALSE(d.connection().idle());
  d.feed("56789");
  ASSERT_EQ(d.handled().size(), 1u);
  EXPECT_EQ(d.handled()[0].body, "0123456789");
  EXPECT_EQ(d.take_responses()[0].body, "0123456789");
}

TEST(Connection, LargeBodyDoesNotGrowTheInputBuffer) {
  Driver d;
  std::string body(1 << 20, 'b');
  d.read_size = 4096;
  d.feed("PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body);
  ASSERT_EQ(d.handled().size(), 1u);
  EXPECT_EQ(d.handled()[0].body.size(), body.size());
  EXPECT_LE(d.max_read_span, 16u * 1024);
}

TEST(Connection, ChunkedBodyWithTrailers) {
  Driver d;
  d.feed(
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n");
  ASSERT_EQ(d.handled().size(), 1u);
  const auto& r = d.handled()[0];
  EXPECT_EQ(r.body, "hello world");
  ASSERT_EQ(r.trailers.size(), 2u);
  EXPECT_EQ(r.trailers[0], (std::pair<std::string, std::string>("X-Sum", "42")));
  EXPECT_EQ(r.trailers[1].second, "y");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "hello world");
  EXPECT_FALSE(d.connection().finished());
}

TEST(Connection, ExpectContinueSendsInterimBeforeBody) {
  Driver d;
  d.feed("POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  // Sent because the handler asked for the body (an answer without reading it
  // would have been sent without 100 Continue).
  EXPECT_EQ(d.take_output(), "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(d.handled().size(), 1u);
  EXPECT_TRUE(d.connection().wants_read());
  d.feed("data");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].body, "data");
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_EQ(d.exchanges()[0].exchange.header_bytes_sent, 25u + rs[0].raw_head.size());
}

TEST(Connection, ExpectContinueNotSentWhenBodyAlreadyHereOrHttp10OrNoBody) {
  for (std::string_view in :
       {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab",
        "POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nab",
        "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n"}) {
    Driver d;
    d.feed(in);
    auto rs = d.take_responses();
    ASSERT_EQ(rs.size(), 1u) << in;
    EXPECT_EQ(rs[0].status, 200) << in;
  }
}

TEST(Connection, ExpectContinueWithTooLargeBodyGets413WithoutInterim) {
  Settings s;
  s.limits.request_body = 10;
  Driver d(s);
  d.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
}

TEST(Connection, UnknownExpectationIs417) {
  Driver d;
  d.feed("GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 417);
}

TEST(Connection, AbsoluteFormTarget) {
  Driver d;
  d.feed("GET http://Example.org:8080/x/y?z=1 HTTP/1.1\r\nHost: other\r\n\r\n");
  ASSERT_EQ(d.handled().size(), 1u);
  const auto& r = d.handled()[0];
  EXPECT_EQ(r.host, "Example.org:8080");
  EXPECT_EQ(r.path, "/x/y");
  EXPECT_EQ(r.query, "z=1");
  EXPECT_EQ(r.target, "http://Example.org:8080/x/y?z=1");
  d.feed("GET https://h2 HTTP/1.1\r\nHost: h2\r\n\r\n");
  ASSERT_EQ(d.handled().size(), 2u);
  EXPECT_EQ(d.handled()[1].path, "/");
  EXPECT_EQ(d.handled()[1].host, "h2");
}

TEST(Connection, OptionsAsterisk) {
  Driver d;
  d.feed("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(d.handled().size(), 1u);
  EXPECT_EQ(d.handled()[0].method, Method::options);
  EXPECT_EQ(d.handled()[0].path, "*");
  d.feed("GET * HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].status, 400);
}

TEST(Connection, LeadingEmptyLinesAreIgnored) {
  Driver d;
  d.feed("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(d.handled()[0].request_line, "GET / HTTP/1.1");
}

TEST(Connection, BareLfLineEndingsAcceptedInTheHead) {
  Driver d;
  d.feed("GET / HTTP/1.1\nHost: h\n\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
}

TEST(Connection, ObserverGetsByteCountsStartAndEnd) {
  Driver d({}, [](const Request&, Response& r) { r.body.append("12345"); });
  d.clock().set(1000'000000);
  d.feed("GET / HTTP/1.1\r\n");
  d.clock().set(1002'000000);
  d.feed("Host: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(d.exchanges().size(), 1u);
  const auto& e = d.exchanges()[0];
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.request.start, 1000'000000);
  EXPECT_EQ(e.exchange.end, 1002'000000);
  EXPECT_EQ(e.exchange.header_bytes_sent, rs[0].raw_head.size());
  EXPECT_EQ(e.exchange.body_bytes_sent, 5u);
  EXPECT_TRUE(e.exchange.completed);
  // Idle keep-alive: the next request starts when its first byte arrives.
  d.clock().set(1010'000000);
  d.feed("G");
  d.clock().set(1011'000000);
  d.feed("ET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(d.exchanges().size(), 2u);
  EXPECT_EQ(d.exchanges()[1].request.start, 1010'000000);
  EXPECT_EQ(d.exchanges()[1].request.index_on_connection, 1u);
}

TEST(Connection, TimeoutWhenIdleClosesQuietly) {
  Driver d;
  d.feed(kGet);
  d.take_output();
  EXPECT_TRUE(d.connection().idle());
  d.timeout();
  EXPECT_TRUE(d.connection().finished());
  EXPECT_EQ(d.take_output(), "");
  EXPECT_EQ(d.exchanges().size(), 1u);
}

TEST(Connection, TimeoutBeforeAnyByteClosesQuietly) {
  Driver d;
  EXPECT_FALSE(d.connection().idle());  // not between requests yet
  d.timeout();
  EXPECT_TRUE(d.connection().finished());
  EXPECT_EQ(d.take_output(), "");
  EXPECT_TRUE(d.exchanges().empty());
}

TEST(Connection, TimeoutMidRequestIs408) {
  for (std::string_view partial :
       {"GET / HT", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab"}) {
    Driver d;
    d.feed(partial);
    d.timeout();
    auto rs = d.take_responses();
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].status, 408);
    EXPECT_EQ(rs[0].header("Connection"), "close");
    EXPECT_TRUE(d.connection().finished());
    ASSERT_EQ(d.exchanges().size(), 1u);
    EXPECT_EQ(d.exchanges()[0].status, 408);
  }
}

TEST(Connection, TimeoutWhileWritingAbandons) {
  Driver d;
  d.write_size = 0;
  d.feed(kGet);
  EXPECT_TRUE(d.connection().has_output());
  d.timeout();
  EXPECT_TRUE(d.connection().finished());
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_FALSE(d.exchanges()[0].exchange.completed);
  EXPECT_EQ(d.exchanges()[0].exchange.header_bytes_sent, 0u);
}

TEST(Connection, ErrorMidResponseLogsIncompleteExchange) {
  Driver d({}, [](const Request&, Response& r) { r.body.append(std::string(100, 'x')); });
  d.write_size = 0;
  d.feed(kGet);
  d.write_size = 1;
  d.connection().on_written(0);
  auto out = d.connection().output();
  size_t head = out[0].size();
  d.connection().on_written(head + 10);
  d.error();
  EXPECT_TRUE(d.connection().finished());
  EXPECT_FALSE(d.connection().has_output());
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_FALSE(d.exchanges()[0].exchange.completed);
  EXPECT_EQ(d.exchanges()[0].exchange.header_bytes_sent, head);
  EXPECT_EQ(d.exchanges()[0].exchange.body_bytes_sent, 10u);
}

TEST(Connection, EofAfterFullRequestStillWritesTheResponse) {
  Driver d;
  d.write_size = 0;
  d.feed(kGet);
  d.connection().on_eof();
  EXPECT_FALSE(d.connection().finished());
  d.write_size = SIZE_MAX;
  d.feed("");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_TRUE(d.connection().finished());
}

TEST(Connection, EofWithPipelinedRequestsAnswersAllThenCloses) {
  Driver d;
  d.feed(std::string(kGet) + std::string(kGet));
  d.eof();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].status, 200);
  EXPECT_TRUE(d.connection().finished());
}

TEST(Connection, EofMidRequestIs400) {
  for (std::string_view partial :
       {"GET / HTTP/1.1\r\nHost:", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"}) {
    Driver d;
    d.feed(partial);
    d.eof();
    auto rs = d.take_responses();
    ASSERT_EQ(rs.size(), 1u) << partial;
    EXPECT_EQ(rs[0].status, 400) << partial;
    EXPECT_TRUE(d.connection().finished());
  }
}

TEST(Connection, EofWhenIdleClosesQuietly) {
  Driver d;
  d.feed(kGet);
  d.take_output();
  d.eof();
  EXPECT_TRUE(d.connection().finished());
  EXPECT_EQ(d.take_output(), "");
}

TEST(Connection, ErrorResponsesAreSmallHtmlAndClose) {
  Driver d;
  d.feed("GET / HTTP/1.1\r\n\r\n");  // no Host
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status_line, "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_EQ(rs[0].header("Content-Type"), "text/html; charset=iso-8859-1");
  EXPECT_EQ(rs[0].header("Date"), kDate);
  EXPECT_NE(rs[0].body.find("<h1>Bad Request</h1>"), std::string::npos);
  EXPECT_EQ(rs[0].header("Content-Length"), std::to_string(rs[0].body.size()));
  EXPECT_TRUE(d.handled().empty());
  ASSERT_EQ(d.exchanges().size(), 1u);
  const auto& e = d.exchanges()[0];
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.request.request_line, "GET / HTTP/1.1");
  EXPECT_EQ(e.request.method_text, "GET");
  EXPECT_EQ(e.request.start, d.clock().now());
  EXPECT_EQ(e.request.peer, &d.peer());
}

TEST(Connection, NothingAfterARejectedRequestIsParsed) {
  Driver d;
  d.feed("GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 400);
  EXPECT_TRUE(d.connection().finished());
  EXPECT_TRUE(d.handled().empty());
}

TEST(Connection, HeadRequestRejectedGetsNoBody) {
  Driver d;
  d.feed("HEAD / HTTP/1.1\r\n\r\n");
  std::string out = d.take_output();
  auto rs = test::parse_responses(out, {true});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 400);
  EXPECT_EQ(out.size(), rs[0].raw_head.size());
}

TEST(Connection, IdleConnectionGivesItsBuffersBackAndServesTheNextRequest) {
  Driver d;
  d.feed(kGet);
  ASSERT_EQ(d.take_responses().size(), 1u);
  ASSERT_TRUE(d.connection().idle());
  d.connection().release_idle_memory();
  EXPECT_TRUE(d.connection().idle());
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "ok");
  EXPECT_EQ(d.handled().size(), 2u);
  EXPECT_EQ(d.handled()[1].path, "/a");
}

TEST(Connection, ReleasingMemoryMidRequestChangesNothing) {
  Driver d;
  d.feed("GET /a HTTP/1.1\r\nHo");
  d.connection().release_idle_memory();  // not idle: must keep the partial head
  d.feed("st: x\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status_line, "HTTP/1.1 200 OK");
}

TEST(Connection, CloseAfterResponseEndsTheConnectionWithConnectionClose) {
  Driver d;
  d.feed(kGet);
  auto first = d.take_responses();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].has("Connection"));
  d.connection().close_after_response();
  EXPECT_FALSE(d.connection().finished());  // waits for a request already on its way
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_TRUE(d.connection().finished());
}

TEST(Connection, PhaseFollowsTheRequest) {
  Driver d;
  using Phase = Connection::Phase;
  EXPECT_EQ(d.connection().phase(), Phase::waiting);
  d.feed("POST / HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(d.connection().phase(), Phase::head);
  d.feed("Content-Length: 4\r\n\r\nab");
  EXPECT_EQ(d.connection().phase(), Phase::body);
  d.feed("cd");
  EXPECT_EQ(d.connection().phase(), Phase::waiting);
  EXPECT_EQ(d.connection().bytes_read(), 51u);  // 17 + 9 + 21 + 2 + 2
}

TEST(Connection, IdleConnectionReturnsItsBufferToThePool) {
  BufferPool pool;
  Settings settings;
  settings.buffers = &pool;
  Driver d(settings);
  d.feed(kGet);
  ASSERT_EQ(d.take_responses().size(), 1u);
  EXPECT_TRUE(d.connection().idle());
  EXPECT_EQ(pool.kept(), 1u);  // back in the pool while idle
  d.feed(kGet);
  EXPECT_EQ(d.take_responses().size(), 1u);
  EXPECT_EQ(pool.kept(), 1u);  // the same buffer, taken and given back
}

}  // namespace
}  // namespace mpmd::http
