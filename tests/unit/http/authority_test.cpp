#include "http/authority.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mpmd::http {
namespace {

struct Valid {
  std::string text;
  std::string host;
  std::optional<uint16_t> port;
};

TEST(Authority, ValidFormsParseIntoHostAndPort) {
  const std::vector<Valid> cases = {
      {"localhost", "localhost", std::nullopt},
      {"localhost:80", "localhost", 80},
      {"LocalHost:8080", "LocalHost", 8080},
      {"localhost:1", "localhost", 1},
      {"localhost:65535", "localhost", 65535},
      {"localhost:080", "localhost", 80},  // leading zeros are digits
      // RFC 3986 3.2.3, RFC 9110 4.2.3: an empty port means the default one.
      {"localhost:", "localhost", std::nullopt},
      {"example.com.", "example.com.", std::nullopt},  // trailing dot (the DNS root)
      {"example.com.:443", "example.com.", 443},
      {"xn--bcher-kva.example", "xn--bcher-kva.example", std::nullopt},  // IDN in punycode
      {"foo_bar.example.com", "foo_bar.example.com", std::nullopt},
      {"a-b.c~d", "a-b.c~d", std::nullopt},
      {"sub!$&'()*+;=delims", "sub!$&'()*+;=delims", std::nullopt},
      {"caf%C3%A9.example", "caf%C3%A9.example", std::nullopt},  // pct-encoded
      {"3com.com", "3com.com", std::nullopt},
      {"1host", "1host", std::nullopt},
      {"0x7f.example", "0x7f.example", std::nullopt},
      {"h", "h", std::nullopt},
      {"127.0.0.1", "127.0.0.1", std::nullopt},
      {"127.0.0.1:8080", "127.0.0.1", 8080},
      {"0.0.0.0", "0.0.0.0", std::nullopt},
      {"255.255.255.255.", "255.255.255.255.", std::nullopt},
      {"[::1]", "[::1]", std::nullopt},
      {"[::1:2]", "[::1:2]", std::nullopt},
      {"[::]", "[::]", std::nullopt},
      {"[4712::abcd]", "[4712::abcd]", std::nullopt},
      {"[4712::abcd]:8000", "[4712::abcd]", 8000},
      {"[4712::abcd]:", "[4712::abcd]", std::nullopt},
      {"[2001:DB8:0:0:8:800:200C:417A]", "[2001:DB8:0:0:8:800:200C:417A]", std::nullopt},
      {"[::ffff:192.0.2.1]:1", "[::ffff:192.0.2.1]", 1},
      {"[1:2:3:4:5:6:7::]", "[1:2:3:4:5:6:7::]", std::nullopt},
      {"[v1.fe80::a+en1]", "[v1.fe80::a+en1]", std::nullopt},  // IPvFuture
      {"[VF.x]:9", "[VF.x]", 9},
  };
  for (const Valid& c : cases) {
    const std::optional<Authority> a = parse_authority(c.text);
    ASSERT_TRUE(a.has_value()) << c.text;
    EXPECT_EQ(a->host, c.host) << c.text;
    EXPECT_EQ(a->port, c.port) << c.text;
  }
}

struct Invalid {
  const char* why;
  std::vector<std::string> texts;
};

TEST(Authority, InvalidFormsAreRejected) {
  // A table: one group of texts per reason.
  // clang-format off
  const std::vector<Invalid> groups = {
      {"a port is 1-65535 in digits, once",
       {"localhost:80x", "localhost:80:80", "localhost:99999", "localhost:65536", "localhost:0",
        "localhost:00", "localhost:+80", "localhost:-1", "localhost: 80", "localhost:8 0",
        "localhost:0x50", "localhost:99999999999999999999999", "localhost::"}},
      {"IPv6: bracketed, well formed, nothing after ']' but a port",
       {"4713::abcd:8001", "::1", "[4712::abcd::]", "[::1", "::1]", "[::1]x", "[::1]:bad",
        "[::1]:80x", "[::1]]", "[[::1]]", "[]", "[:]", "[1:2:3:4:5:6:7:8:9]", "[12345::]",
        "[::g]", "[::1%25eth0]", "[fe80::1%eth0]", "[127.0.0.1]", "[::1] ", "[ ::1]",
        "[::ffff:1.2.3]", "[::ffff:1.2.3.04]", "[v.x]", "[v1.]", "[v1x]", "[vg.x]", "[v1.a b]"}},
      {"longer than any IPv6 address", {"[" + std::string(60, '1') + "]"}},
      {"reg-name: unreserved, sub-delims, '%' HEXDIG HEXDIG",
       {"local host", "localhost/../x", "localhost/", "a\\b", "user@localhost", "localhost#f",
        "localhost?q", "abc\xa0", "caf\xc3\xa9", "a\tb", "a\x7f", "a\"b", "a<b", "a{b}",
        "a|b", "a^b", "a`b", "%", "%4", "%zz", "a%4g", "%%41"}},
      {"a NUL", {std::string("a\0b", 3), std::string("\0", 1)}},
      {"a comma: two Host fields merged into one",
       {"a,b", "localhost,localhost", "localhost, localhost"}},
      {"an empty host or label",
       {"", ":80", ":", ".", "..", ".localhost", "local..host", "localhost.."}},
      {"numbers that are not a dotted-quad IPv4 address (RFC 3986 7.4)",
       {"8080", "017700000001", "0x7f.1", "0x7f000001", "0X7F", "127.1", "127.0.1", "127.01.0.1",
        "0127.0.0.1", "127.0.0.256", "127.0.0.1.1", "1.2.3.4.5", "999.0.0.1", "1.2.3.0x4",
        "0x.0x.0x.0x"}},
  };
  // clang-format on
  for (const Invalid& g : groups) {
    for (const std::string& text : g.texts) {
      EXPECT_FALSE(parse_authority(text).has_value()) << '"' << text << "\": " << g.why;
    }
  }
}

// Every byte outside unreserved, sub-delims (but ',') and '%' is refused
// in a reg-name, between letters.
TEST(Authority, EveryOtherByteIsRefusedInAName) {
  const std::string allowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+;=";
  for (int b = 0; b < 256; ++b) {
    const char c = char(b);
    const std::string name = std::string("a") + c + "b";
    const bool ok = allowed.find(c) != std::string::npos;
    if (c == ':') {
      EXPECT_FALSE(parse_authority(name).has_value());  // "b" is no port
      continue;
    }
    EXPECT_EQ(parse_authority(name).has_value(), ok) << "byte " << b;
  }
}

// The port is checked over its whole range, not only at the edges.
TEST(Authority, EveryPortValueAndItsNeighbours) {
  for (uint32_t p = 0; p <= 70000; ++p) {
    const std::optional<Authority> a = parse_authority("h:" + std::to_string(p));
    ASSERT_EQ(a.has_value(), p >= 1 && p <= 65535) << p;
    if (a) {
      EXPECT_EQ(a->port, p);
    }
  }
}

}  // namespace
}  // namespace mpmd::http
