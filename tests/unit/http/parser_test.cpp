#include "http/parser.hpp"

#include <gtest/gtest.h>

namespace mpmd::http::detail {
namespace {

TEST(HeadScanner, FindsTheEndIncrementally) {
  Limits limits;
  HeadScanner s;
  std::string data = "GET / HTTP/1.1\r\nHost: h\r\n";
  EXPECT_EQ(s.scan(data, limits), ScanResult::incomplete);
  data += "\r";
  EXPECT_EQ(s.scan(data, limits), ScanResult::incomplete);
  data += "\nBODY";
  ASSERT_EQ(s.scan(data, limits), ScanResult::complete);
  EXPECT_EQ(s.head_begin(), 0u);
  EXPECT_EQ(s.head_end(), data.size() - 4);
}

TEST(HeadScanner, SkipsLeadingEmptyLines) {
  Limits limits;
  HeadScanner s;
  std::string data = "\r\n\nGET / HTTP/1.1\n\n";
  ASSERT_EQ(s.scan(data, limits), ScanResult::complete);
  EXPECT_EQ(s.head_begin(), 3u);
  EXPECT_EQ(s.head_end(), data.size());
}

TEST(HeadScanner, LimitsGiveStatuses) {
  Limits limits;
  limits.request_line = 10;
  limits.request_field_size = 10;
  limits.request_fields = 1;
  HeadScanner s;
  EXPECT_EQ(s.scan("GET /12345678", limits), ScanResult::error);
  EXPECT_EQ(s.status(), 414);
  s.reset();
  EXPECT_EQ(s.scan("GET /1 H\r\nA: 123456789", limits), ScanResult::error);
  EXPECT_EQ(s.status(), 431);
  s.reset();
  EXPECT_EQ(s.scan("GET /1 H\r\nA: 1\r\nB: 2\r\n\r\n", limits), ScanResult::error);
  EXPECT_EQ(s.status(), 431);
}

TEST(ParseHead, FillsTheRequest) {
  Request r;
  HeadInfo info;
  std::string head =
      "POST /p/q?x=1&y HTTP/1.1\r\nHost: Example.com:80\r\nContent-Length: 7\r\n"
      "X-Pad:  \t spaced value \t \r\nConnection: foo, close\r\n\r\n";
  ASSERT_EQ(parse_head(head, r, info), 0);
  EXPECT_EQ(r.method, Method::post);
  EXPECT_EQ(r.path, "/p/q");
  EXPECT_EQ(r.query, "x=1&y");
  EXPECT_EQ(r.host, "Example.com:80");
  EXPECT_EQ(r.headers.get("x-pad"), "spaced value");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(info.content_length, 7u);
  EXPECT_FALSE(info.chunked);
}

TEST(ParseHead, ConnectUsesAuthorityForm) {
  Request r;
  HeadInfo info;
  ASSERT_EQ(parse_head("CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n", r, info),
            0);
  EXPECT_EQ(r.method, Method::connect);
  EXPECT_EQ(r.host, "h.example:443");
}

TEST(ParseHead, Http10ChunkedMustClose) {
  Request r;
  HeadInfo info;
  ASSERT_EQ(parse_head("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", r, info), 0);
  EXPECT_TRUE(info.chunked);
  EXPECT_TRUE(info.must_close);
}

// RFC 9110 2.5: every HTTP/1 minor version above 0 is served as HTTP/1.1;
// other majors are 505; the version's syntax is checked first (400).
TEST(ParseHead, VersionsMapToHttp10Http11Or505) {
  for (char minor = '0'; minor <= '9'; ++minor) {
    Request r;
    HeadInfo info;
    const std::string head = std::string("GET / HTTP/1.") + minor + "\r\nHost: h\r\n\r\n";
    ASSERT_EQ(parse_head(head, r, info), 0) << head;
    EXPECT_EQ(r.version, minor == '0' ? Version::http10 : Version::http11) << head;
    EXPECT_EQ(r.keep_alive, minor != '0') << head;  // persistent by default, as HTTP/1.1
  }
  for (std::string_view v :
       {"HTTP/0.9", "HTTP/0.0", "HTTP/2.0", "HTTP/2.1", "HTTP/3.0", "HTTP/9.9"}) {
    Request r;
    HeadInfo info;
    EXPECT_EQ(parse_head("GET / " + std::string(v) + "\r\nHost: h\r\n\r\n", r, info), 505) << v;
  }
  for (std::string_view v :
       {"HTTP/1.10", "HTTP/1", "HTTP/1.x", "HTTP/x.1", "http/1.2", "HTTP/1.1 "}) {
    Request r;
    HeadInfo info;
    EXPECT_EQ(parse_head("GET / " + std::string(v) + "\r\nHost: h\r\n\r\n", r, info), 400) << v;
  }
}

TEST(ParseFields, ParsesLinesUntilTheEnd) {
  Headers h;
  ASSERT_EQ(parse_fields("A: 1\nB:2\n", h), 0);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("b"), "2");
  Headers bad;
  EXPECT_EQ(parse_fields("A : 1\n", bad), 400);
}

TEST(CharClasses, Tokens) {
  EXPECT_TRUE(is_tchar('a'));
  EXPECT_TRUE(is_tchar('~'));
  EXPECT_FALSE(is_tchar(' '));
  EXPECT_FALSE(is_tchar(':'));
  EXPECT_FALSE(is_tchar('\0'));
  EXPECT_TRUE(is_field_char('\t'));
  EXPECT_TRUE(is_field_char(char(0xe9)));
  EXPECT_FALSE(is_field_char('\r'));
  EXPECT_FALSE(is_target_char(' '));
  EXPECT_TRUE(is_target_char('%'));
}

}  // namespace
}  // namespace mpmd::http::detail
