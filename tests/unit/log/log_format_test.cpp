#include "log/log_format.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace mpmd::log {
namespace {

// Timestamps in these tests are rendered in UTC (the log uses the local zone).
const bool kUtc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();

constexpr util::Usec kStart = 1795412949'123456;  // 23/Nov/2026:05:49:09.123456 UTC

struct Fixture {
  http::Peer peer;
  http::Request req;
  http::Response resp;
  http::Exchange ex;

  Fixture() {
    (void)kUtc;
    peer.address = "192.0.2.7";
    peer.port = 51234;
    peer.local_address = "127.0.0.1";
    peer.local_port = 8080;
    req.method = http::Method::get;
    req.method_text = "GET";
    req.target = "/a/b.html?x=1&y=2";
    req.path = "/a/b.html";
    req.query = "x=1&y=2";
    req.host = "www.example.com:8080";
    req.request_line = "GET /a/b.html?x=1&y=2 HTTP/1.1";
    req.version = http::Version::http11;
    req.headers.add("Host", "www.example.com:8080");
    req.headers.add("User-Agent", "curl/7.88.1");
    req.headers.add("Referer", "http://ref.example/");
    req.headers.add("Cookie", "a=1; session=abc123; z=9");
    req.start = kStart;
    req.peer = &peer;
    req.bytes_received = 120;
    req.index_on_connection = 2;
    resp.status = 200;
    resp.headers.push_back({"Content-Type", "text/html"});
    ex.header_bytes_sent = 150;
    ex.body_bytes_sent = 1234;
    ex.end = kStart + 2'500'000;  // 2.5 s later
    ex.completed = true;
  }

  std::string render(std::string_view format, std::string server_name = "") {
    CompiledFormat f;
    std::string error;
    EXPECT_TRUE(CompiledFormat::compile(format, f, error)) << format << ": " << error;
    if (!server_name.empty()) f.set_server_name(server_name);
    std::string out;
    f.render(req, resp, ex, out);
    EXPECT_FALSE(out.empty());
    if (!out.empty()) {
      EXPECT_EQ(out.back(), '\n');
      out.pop_back();
    }
    return out;
  }
};

TEST(LogFormat, CombinedEndToEnd) {
  Fixture f;
  EXPECT_EQ(f.render(predefined_format("combined")),
            "192.0.2.7 - - [23/Nov/2026:05:49:09 +0000] \"GET /a/b.html?x=1&y=2 HTTP/1.1\" 200 "
            "1234 \"http://ref.example/\" \"curl/7.88.1\"");
}

TEST(LogFormat, CommonAndOtherNicknames) {
  Fixture f;
  EXPECT_EQ(f.render(predefined_format("common")),
            "192.0.2.7 - - [23/Nov/2026:05:49:09 +0000] \"GET /a/b.html?x=1&y=2 HTTP/1.1\" 200 "
            "1234");
  EXPECT_EQ(f.render(predefined_format("vhost_combined"), "srv.example"),
            "srv.example:8080 192.0.2.7 - - [23/Nov/2026:05:49:09 +0000] \"GET "
            "/a/b.html?x=1&y=2 HTTP/1.1\" 200 1384 \"http://ref.example/\" \"curl/7.88.1\"");
  EXPECT_EQ(f.render(predefined_format("referer")), "http://ref.example/ -> /a/b.html");
  EXPECT_EQ(f.render(predefined_format("agent")), "curl/7.88.1");
  EXPECT_EQ(predefined_format("nosuch"), "");
}

TEST(LogFormat, EnvironmentVariables) {
  Fixture f;
  f.resp.environment = {{"image", "1"}, {"who", "a b\n"}};
  EXPECT_EQ(f.render("%{image}e|%{who}e|%{none}e|%e"), "1|a b\\n|-|-");
}

TEST(LogFormat, EveryLetter) {
  Fixture f;
  EXPECT_EQ(f.render("%h|%a|%{c}a|%A|%l|%u"), "192.0.2.7|192.0.2.7|192.0.2.7|127.0.0.1|-|-");
  EXPECT_EQ(f.render("%s|%>s|%<s|%b|%B|%I|%O|%S"), "200|200|200|1234|1234|120|1384|1504");
  EXPECT_EQ(f.render("%D|%T|%{s}T|%{ms}T|%{us}T"), "2500000|2|2|2500|2500000");
  EXPECT_EQ(f.render("%v|%V|%p|%{canonical}p|%{local}p|%{remote}p", "srv.example"),
            "srv.example|www.example.com|8080|8080|8080|51234");
  EXPECT_EQ(f.render("%P|%{pid}P"), std::to_string(getpid()) + "|" + std::to_string(getpid()));
  EXPECT_EQ(f.render("%U|%q|%m|%H|%r"),
            "/a/b.html|?x=1&y=2|GET|HTTP/1.1|GET /a/b.html?x=1&y=2 HTTP/1.1");
  EXPECT_EQ(f.render("%k|%X"), "2|+");
  EXPECT_EQ(f.render("%{User-Agent}i|%{user-agent}i|%{X-None}i"), "curl/7.88.1|curl/7.88.1|-");
  EXPECT_EQ(f.render("%{Content-Type}o|%{X-None}o"), "text/html|-");
  EXPECT_EQ(f.render("%{session}C|%{z}C|%{nope}C"), "abc123|9|-");
  EXPECT_EQ(f.render("%e|%f|%L|%n|%R"), "-|-|-|-|-");
  EXPECT_EQ(f.render("100%% sure"), "100% sure");
  std::string tid = f.render("%{tid}P|%{hextid}P");
  size_t bar = tid.find('|');
  ASSERT_NE(bar, std::string::npos);
  EXPECT_EQ(std::stoull(tid.substr(0, bar)), std::stoull(tid.substr(bar + 1), nullptr, 16));
}

TEST(LogFormat, TimeForms) {
  Fixture f;
  EXPECT_EQ(f.render("%t"), "[23/Nov/2026:05:49:09 +0000]");
  EXPECT_EQ(f.render("%{end:}t %{end:sec}t"), "[23/Nov/2026:05:49:11 +0000] 1795412951");
  EXPECT_EQ(f.render("%{sec}t|%{msec}t|%{usec}t|%{msec_frac}t|%{usec_frac}t"),
            "1795412949|1795412949123|1795412949123456|123|123456");
  EXPECT_EQ(f.render("%{begin:usec_frac}t|%{end:usec_frac}t"), "123456|623456");
  EXPECT_EQ(f.render("%{%Y-%m-%d %H:%M:%S}t|%{end:%H:%M:%S}t"), "2026-11-23 05:49:09|05:49:11");
  // Cached per second: the same second with other microseconds gives the same text.
  f.req.start = kStart + 500'000;
  EXPECT_EQ(f.render("%t %{%H:%M:%S}t %{usec_frac}t"),
            "[23/Nov/2026:05:49:09 +0000] 05:49:09 623456");
  f.req.start = kStart + 1'000'000;
  EXPECT_EQ(f.render("%t %{%H:%M:%S}t"), "[23/Nov/2026:05:49:10 +0000] 05:49:10");
}

TEST(LogFormat, TimeUsesLocalZone) {
  Fixture f;
  setenv("TZ", "EST5", 1);
  tzset();
  f.req.start = kStart + 3600'000'000;  // a second no other test renders
  std::string line = f.render("%t");
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(line, "[23/Nov/2026:01:49:09 -0500]");
}

TEST(LogFormat, EscapesRequestDerivedText) {
  Fixture f;
  f.req.request_line = "GET /\"q\"\\\n\x01\xff HTTP/1.1";
  f.req.headers.add("X-Evil", "a\tb\"c");
  f.resp.headers.push_back({"X-Out", "v\r\n"});
  EXPECT_EQ(f.render("\"%r\" %{X-Evil}i %{X-Out}o"),
            "\"GET /\\\"q\\\"\\\\\\n\\x01\\xff HTTP/1.1\" a\\tb\\\"c v\\r\\n");
}

TEST(LogFormat, DashRules) {
  Fixture f;
  f.ex.body_bytes_sent = 0;
  f.req.query = "";
  f.req.request_line = "";
  f.req.method_text = "";
  f.req.headers.add("X-Empty", "");
  EXPECT_EQ(f.render("%b|%B|%q|%r|%m|%{X-Empty}i|%v"), "-|0||-|-|-|-");
  f.req.peer = nullptr;
  EXPECT_EQ(f.render("%h|%a|%p"), "-|-|-");
}

TEST(LogFormat, ConnectionStatusAndHostFallback) {
  Fixture f;
  f.resp.close = true;
  EXPECT_EQ(f.render("%X"), "-");
  f.ex.completed = false;
  EXPECT_EQ(f.render("%X"), "X");
  f.req.host = "";
  EXPECT_EQ(f.render("%V", "canon.example"), "canon.example");
  f.req.host = "[::1]:8080";
  EXPECT_EQ(f.render("%V"), "::1");
}

TEST(LogFormat, DurationWithoutStartIsZero) {
  Fixture f;
  f.req.start = 0;
  EXPECT_EQ(f.render("%D %T"), "0 0");
}

TEST(LogFormat, StatusConditions) {
  Fixture f;
  EXPECT_EQ(f.render("%200{User-Agent}i %400,501{User-Agent}i %!200,304{Referer}i"),
            "curl/7.88.1 - -");
  f.resp.status = 501;
  EXPECT_EQ(f.render("%200{User-Agent}i %400,501{User-Agent}i %!200,304{Referer}i"),
            "- curl/7.88.1 http://ref.example/");
  CompiledFormat c;
  std::string error;
  ASSERT_TRUE(CompiledFormat::compile("%!400,501{X}i", c, error));
  ASSERT_EQ(c.items().size(), 1u);
  EXPECT_TRUE(c.condition(0).negate);
  EXPECT_EQ(c.condition(0).statuses, (std::vector<int>{400, 501}));
}

TEST(LogFormat, LiteralEscapesInFormat) {
  Fixture f;
  EXPECT_EQ(f.render("a\\tb\\\"c\\\\d\\qe"), "a\tb\"c\\d\\qe");
  CompiledFormat c;
  std::string error;
  ASSERT_TRUE(CompiledFormat::compile("%s\\n", c, error));
  std::string out;
  c.render(f.req, f.resp, f.ex, out);
  EXPECT_EQ(out, "200\n\n");
}

TEST(LogFormat, ItemsForLogscan) {
  CompiledFormat c;
  std::string error;
  ASSERT_TRUE(CompiledFormat::compile("%h \"%r\" %>s %{Referer}i%%", c, error));
  const auto& items = c.items();
  ASSERT_EQ(items.size(), 8u);
  EXPECT_EQ(items[0].directive.letter, 'h');
  EXPECT_TRUE(items[1].literal);
  EXPECT_EQ(items[1].text, " \"");
  EXPECT_EQ(items[2].directive.letter, 'r');
  EXPECT_EQ(items[3].text, "\" ");
  EXPECT_EQ(items[4].directive.letter, 's');
  EXPECT_TRUE(items[4].directive.final_status);
  EXPECT_EQ(items[6].directive.letter, 'i');
  EXPECT_EQ(items[6].directive.arg, "Referer");
  EXPECT_EQ(items[7].text, "%");
  EXPECT_EQ(c.source(), "%h \"%r\" %>s %{Referer}i%%");
}

TEST(LogFormat, CompileErrorsNamePosition) {
  CompiledFormat c;
  std::string error;
  EXPECT_FALSE(CompiledFormat::compile("%h %Z", c, error));
  EXPECT_EQ(error, "unknown directive %Z at 4");
  EXPECT_FALSE(CompiledFormat::compile("%h %{User-Agent", c, error));
  EXPECT_NE(error.find("unterminated"), std::string::npos) << error;
  EXPECT_NE(error.find("at 4"), std::string::npos) << error;
  EXPECT_FALSE(CompiledFormat::compile("abc %", c, error));
  EXPECT_NE(error.find("at 5"), std::string::npos) << error;
  EXPECT_FALSE(CompiledFormat::compile("%i", c, error));
  EXPECT_FALSE(CompiledFormat::compile("%{h}T", c, error));
  EXPECT_FALSE(CompiledFormat::compile("%{foo}p", c, error));
  EXPECT_FALSE(CompiledFormat::compile("%^ti", c, error));
  EXPECT_FALSE(CompiledFormat::compile("%99{X}i", c, error));
}

TEST(LogFormat, AllNicknamesCompile) {
  for (auto name : {"common", "combined", "vhost_combined", "combinedio", "referer", "agent"}) {
    CompiledFormat c;
    std::string error;
    EXPECT_TRUE(CompiledFormat::compile(predefined_format(name), c, error)) << name << error;
  }
}

TEST(LogFormat, RenderAppends) {
  Fixture f;
  CompiledFormat c;
  std::string error;
  ASSERT_TRUE(CompiledFormat::compile("%s", c, error));
  std::string out = "x\n";
  c.render(f.req, f.resp, f.ex, out);
  c.render(f.req, f.resp, f.ex, out);
  EXPECT_EQ(out, "x\n200\n200\n");
}

}  // namespace
}  // namespace mpmd::log
