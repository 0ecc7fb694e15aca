// Apache's LimitRequest* directives as enforced by the Connection.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

using test::Driver;

int status_of(const Settings& s, const std::string& input, size_t read_size = SIZE_MAX) {
  Driver d(s);
  d.read_size = read_size;
  d.feed(input);
  d.eof();
  auto rs = d.take_responses();
  return rs.empty() ? 0 : rs[0].status;
}

std::string line_of(size_t len) {  // "GET /aaa... HTTP/1.1" of exactly `len` bytes
  std::string line = "GET /";
  line += std::string(len - line.size() - 9, 'a');
  line += " HTTP/1.1";
  return line;
}

TEST(Limits, RequestLine) {
  Settings s;
  s.limits.request_line = 100;
  for (size_t rs : {SIZE_MAX, size_t(1), size_t(7)}) {
    EXPECT_EQ(status_of(s, line_of(100) + "\r\nHost: h\r\n\r\n", rs), 200);
    EXPECT_EQ(status_of(s, line_of(101) + "\r\nHost: h\r\n\r\n", rs), 414);
    EXPECT_EQ(status_of(s, line_of(101) + "\nHost: h\n\n", rs), 414);
  }
}

TEST(Limits, RequestLineRejectedBeforeItEnds) {
  Settings s;
  s.limits.request_line = 100;
  Driver d(s);
  d.feed("GET /" + std::string(200, 'a'));  // no line end yet
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 414);
  EXPECT_TRUE(d.connection().finished());
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_TRUE(d.exchanges()[0].request.request_line.starts_with("GET /aaa"));
}

TEST(Limits, DefaultRequestLineIs8190) {
  Settings s;
  EXPECT_EQ(s.limits.request_line, 8190u);
  EXPECT_EQ(status_of(s, line_of(8190) + "\r\nHost: h\r\n\r\n"), 200);
  EXPECT_EQ(status_of(s, line_of(8191) + "\r\nHost: h\r\n\r\n"), 414);
}

TEST(Limits, FieldSize) {
  Settings s;
  s.limits.request_field_size = 50;
  std::string exact = "X-Long: " + std::string(50 - 8, 'v');
  for (size_t rs : {SIZE_MAX, size_t(1), size_t(5)}) {
    EXPECT_EQ(status_of(s, "GET / HTTP/1.1\r\nHost: h\r\n" + exact + "\r\n\r\n", rs), 200);
    EXPECT_EQ(status_of(s, "GET / HTTP/1.1\r\nHost: h\r\n" + exact + "v\r\n\r\n", rs), 431);
  }
  // Rejected before the line ends.
  EXPECT_EQ(status_of(s, "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100, 'v')), 431);
}

TEST(Limits, FieldCount) {
  Settings s;
  s.limits.request_fields = 5;
  auto request = [](int fields) {
    std::string r = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 1; i < fields; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
    return r + "\r\n";
  };
  EXPECT_EQ(status_of(s, request(5)), 200);
  EXPECT_EQ(status_of(s, request(6)), 431);
  EXPECT_EQ(status_of(s, request(6), 3), 431);
  s.limits.request_fields = 0;  // unlimited
  EXPECT_EQ(status_of(s, request(1000)), 200);
}

TEST(Limits, ContentLengthOverLimitRejectedAtOnce) {
  Settings s;
  s.limits.request_body = 10;
  Driver d(s);
  d.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n");  // no body sent
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
  EXPECT_EQ(rs[0].header("Connection"), "close");
  EXPECT_TRUE(d.handled().empty());
  EXPECT_EQ(status_of(s, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"),
            200);
}

TEST(Limits, ChunkedBodyRejectedWhenTheSumPassesTheLimit) {
  Settings s;
  s.limits.request_body = 10;
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(status_of(s, head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"), 200);
  for (size_t rs : {SIZE_MAX, size_t(1)}) {
    EXPECT_EQ(status_of(s, head + "5\r\n01234\r\n6\r\n567890\r\n0\r\n\r\n", rs), 413);
  }
  // Rejected when the size line arrives, before the data.
  Driver d(s);
  d.feed(head + "5\r\n01234\r\n6\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 413);
}

TEST(Limits, BodyLimitZeroIsUnlimited) {
  Settings s;
  s.limits.request_body = 0;
  std::string body(3 << 20, 'x');
  EXPECT_EQ(status_of(s,
                      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body,
                      65536),
            200);
}

TEST(Limits, ChunkedTrailersObeyFieldLimits) {
  Settings s;
  s.limits.request_field_size = 30;
  s.limits.request_fields = 3;
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  EXPECT_EQ(status_of(s, head + "X: " + std::string(40, 'v') + "\r\n\r\n"), 431);
  EXPECT_EQ(status_of(s, head + "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), 431);
  EXPECT_EQ(status_of(s, head + "A: 1\r\n\r\n"), 200);
}

TEST(Limits, InputBufferStaysBoundedUnderAFlood) {
  Settings s;
  s.limits.request_line = 1000;
  s.limits.request_field_size = 1000;
  s.limits.request_fields = 10;
  Driver d(s);
  d.read_size = 1 << 20;
  // Fields within limits, one after another, never ending the head.
  std::string flood = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 50; ++i)
    flood += "X-" + std::to_string(i) + ": " + std::string(900, 'f') + "\r\n";
  d.feed(flood);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 431);
  // Longest head the limits allow (~11 KB here) plus one read's slack.
  EXPECT_LE(d.max_read_span, 16u * 1024 + 16u * 1024);
}

TEST(Limits, HugeHeadWithinDefaultLimitsGrowsTheBuffer) {
  Settings s;
  std::string req = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 90; ++i)
    req += "X-" + std::to_string(i) + ": " + std::string(8000, 'f') + "\r\n";
  req += "\r\n";
  Driver d(s);
  d.read_size = 4096;
  d.feed(req);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  ASSERT_EQ(d.handled().size(), 1u);
  EXPECT_EQ(d.handled()[0].headers.size(), 91u);
  EXPECT_EQ(d.handled()[0].headers.back().second, std::string(8000, 'f'));
}

}  // namespace
}  // namespace mpmd::http
