#include "proxy/message.hpp"

#include <gtest/gtest.h>

namespace mpmd::proxy {
namespace {

config::ProxyRoute route(std::string path, std::string url) {
  config::ProxyRoute r;
  r.path = std::move(path);
  EXPECT_EQ(parse_backend_url(url, r), "");
  return r;
}

TEST(ProxyUrl, TcpBackend) {
  config::ProxyRoute r = route("/app", "http://127.0.0.1:8000/x/");
  EXPECT_EQ(r.host, "127.0.0.1");
  EXPECT_EQ(r.port, 8000);
  EXPECT_EQ(r.base_path, "/x/");
  EXPECT_TRUE(r.unix_path.empty());
}

TEST(ProxyUrl, DefaultPortAndPath) {
  config::ProxyRoute r = route("/", "http://backend.test");
  EXPECT_EQ(r.host, "backend.test");
  EXPECT_EQ(r.port, 80);
  EXPECT_EQ(r.base_path, "/");
}

TEST(ProxyUrl, UnixSocketAndIpv6) {
  config::ProxyRoute r = route("/", "unix:/run/app.sock|http://localhost/");
  EXPECT_EQ(r.unix_path, "/run/app.sock");
  EXPECT_EQ(r.host, "localhost");
  config::ProxyRoute v6 = route("/", "http://[::1]:81/");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 81);
}

TEST(ProxyUrl, Rejected) {
  config::ProxyRoute r;
  EXPECT_NE(parse_backend_url("https://x/", r), "");
  EXPECT_NE(parse_backend_url("http://x:0/", r), "");
  EXPECT_NE(parse_backend_url("http://x:99999/", r), "");
  EXPECT_NE(parse_backend_url("unix:relative|http://x/", r), "");
  EXPECT_NE(parse_backend_url("unix:/s", r), "");
  EXPECT_NE(parse_backend_url("http:///path", r), "");
}

TEST(ProxyHopByHop, FixedAndNamedByConnection) {
  for (const char* n : {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                        "Proxy-Authorization", "proxy-connection"}) {
    EXPECT_TRUE(is_hop_by_hop(n, "")) << n;
  }
  EXPECT_FALSE(is_hop_by_hop("X-Private", ""));
  EXPECT_TRUE(is_hop_by_hop("X-Private", "close, x-private"));
  EXPECT_FALSE(is_hop_by_hop("Content-Type", "close, x-private"));
}

TEST(ProxyTarget, PrefixReplacedLikeApache) {
  EXPECT_EQ(backend_target(route("/app", "http://b/x"), "/app/y", ""), "/x/y");
  EXPECT_EQ(backend_target(route("/app/", "http://b/x/"), "/app/y", ""), "/x/y");
  EXPECT_EQ(backend_target(route("/app", "http://b/"), "/app/y", "q=1"), "/y?q=1");
  EXPECT_EQ(backend_target(route("/app", "http://b/x"), "/app", ""), "/x");
  EXPECT_EQ(backend_target(route("/", "http://b/"), "/a b", ""), "/a%20b");
  EXPECT_EQ(backend_target(route("/", "http://b"), "/", ""), "/");
}

TEST(ProxyTarget, MatchSubstitutesGroupsLikeApache) {
  std::vector<std::string_view> g = {"/m/ab/c d", "ab", "c d"};
  EXPECT_EQ(match_target(route("", "http://b/echo/$2/$1"), "/m/ab/c d", g, "x=1"),
            "/echo/c%20d/ab?x=1");
  // No $N: the whole path is appended (Apache's ProxyPassMatch \.gif$ http://b).
  EXPECT_EQ(match_target(route("", "http://b"), "/m/ab/c d", g, ""), "/m/ab/c%20d");
  EXPECT_EQ(match_target(route("", "http://b/x"), "/y", {"/y"}, "q"), "/x/y?q");
  // A '?' in the URL is a path character, as Apache's (checked in integration.proxy).
  EXPECT_EQ(match_target(route("", "http://b/e?v=$1"), "/m/ab/c d", g, "z"), "/e%3Fv=ab?z");
  EXPECT_EQ(match_target(route("", "unix:/s|http://h/u&"), "/p", {"/p"}, ""), "/u/p");
}

TEST(ProxyTarget, UrlPath) {
  EXPECT_EQ(url_path("http://h:8/x/$1"), "/x/$1");
  EXPECT_EQ(url_path("http://h"), "");
  EXPECT_EQ(url_path("unix:/run/s.sock|http://localhost/a"), "/a");
  EXPECT_EQ(url_path("balancer://app/shop"), "/shop");
}

TEST(ProxyRequestHead, FiltersAndForwards) {
  http::Request req;
  req.method = http::Method::post;
  req.method_text = "POST";
  req.headers.add("Host", "front.test");
  req.headers.add("Connection", "keep-alive, X-Drop");
  req.headers.add("X-Drop", "1");
  req.headers.add("TE", "trailers");
  req.headers.add("Content-Length", "5");
  req.headers.add("Expect", "100-continue");
  req.headers.add("X-Forwarded-For", "10.0.0.1");
  req.headers.add("Accept", "*/*");
  RequestFacts f;
  f.target = "/x";
  f.host = "b:8000";
  f.client = "127.0.0.1";
  f.server_name = "proxy.test";
  f.length = 5;
  EXPECT_EQ(request_head(req, f),
            "POST /x HTTP/1.1\r\nHost: b:8000\r\nAccept: */*\r\n"
            "X-Forwarded-For: 10.0.0.1, 127.0.0.1\r\nX-Forwarded-Host: front.test\r\n"
            "X-Forwarded-Server: proxy.test\r\nContent-Length: 5\r\n\r\n");
  f.add_forwarded = false;
  f.length.reset();
  f.chunked = true;
  EXPECT_EQ(request_head(req, f),
            "POST /x HTTP/1.1\r\nHost: b:8000\r\nX-Forwarded-For: 10.0.0.1\r\nAccept: */*\r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
}

TEST(ProxyResponseHead, ParsesSplitAnywhere) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\nConnection: close\r\n\r\nhello";
  for (size_t cut = 0; cut < text.size() - 5; ++cut) {
    ResponseHead head;
    size_t used = 0;
    EXPECT_EQ(parse_response_head(text.substr(0, cut), head, used), HeadParse::need_more) << cut;
  }
  ResponseHead head;
  size_t used = 0;
  ASSERT_EQ(parse_response_head(text, head, used), HeadParse::done);
  EXPECT_EQ(used, text.size() - 5);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.length, 5u);
  EXPECT_TRUE(head.close);
  EXPECT_EQ(head.fields.size(), 3u);
}

TEST(ProxyResponseHead, Framing) {
  ResponseHead head;
  size_t used = 0;
  ASSERT_EQ(
      parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", head, used),
      HeadParse::done);
  EXPECT_TRUE(head.chunked);
  EXPECT_FALSE(head.close);
  ASSERT_EQ(parse_response_head("HTTP/1.0 200 OK\r\n\r\n", head, used), HeadParse::done);
  EXPECT_TRUE(head.close);
  EXPECT_FALSE(head.length);
}

TEST(ProxyResponseHead, Garbage) {
  ResponseHead head;
  size_t used = 0;
  EXPECT_EQ(parse_response_head("this is not HTTP\r\n\r\n", head, used), HeadParse::bad);
  EXPECT_EQ(parse_response_head("garbage", head, used), HeadParse::bad);
  EXPECT_EQ(parse_response_head("HTTP/1.1 2x0 OK\r\n\r\n", head, used), HeadParse::bad);
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", head, used),
            HeadParse::bad);
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                                head, used),
            HeadParse::bad);
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", head, used),
            HeadParse::bad);
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\n" + std::string(70000, 'a'), head, used),
            HeadParse::bad);
}

TEST(ProxyReverse, RewritesBackendUrls) {
  std::vector<config::ProxyReverse> rules{{"/app/", "http://b:8000/"}, {"/x", "http://c/y"}};
  EXPECT_EQ(reverse_map("http://b:8000/there?q", rules), "/app/there?q");
  EXPECT_EQ(reverse_map("http://c/y/z", rules), "/x/z");
  EXPECT_FALSE(reverse_map("http://elsewhere/", rules));
  EXPECT_FALSE(reverse_map("/relative", rules));
}

TEST(ProxyMethods, Idempotent) {
  EXPECT_TRUE(idempotent(http::Method::get));
  EXPECT_TRUE(idempotent(http::Method::put));
  EXPECT_FALSE(idempotent(http::Method::post));
  EXPECT_FALSE(idempotent(http::Method::patch));
}

}  // namespace
}  // namespace mpmd::proxy
