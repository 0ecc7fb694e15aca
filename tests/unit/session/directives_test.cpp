#include "session/directives.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/parser.hpp"

namespace mpmd::session {
namespace {

using namespace std::chrono_literals;

config::ParseResult parse(const std::string& text) {
  config::Parser parser({session::directives()});
  return parser.parse_text(text, "/srv/conf/test.conf", "/srv");
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

TEST(SessionDirectives, RowsHaveHelp) {
  for (const auto& row : directives()) {
    EXPECT_FALSE(row.help.empty()) << row.name;
    EXPECT_TRUE(bool(row.set)) << row.name;
  }
}

TEST(SessionDirectives, Defaults) {
  auto r = parse("");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  const config::Sessions& s = r.config.sessions;
  EXPECT_EQ(s.store, "shm");
  EXPECT_EQ(s.slots, 10000u);
  EXPECT_EQ(s.value_size, 4096u);
  EXPECT_EQ(s.redis_host, "127.0.0.1");
  EXPECT_EQ(s.redis_port, 6379);
  EXPECT_EQ(s.redis_timeout, 500ms);
  EXPECT_EQ(s.cookie_name, "MPMDSESSION");
  EXPECT_FALSE(s.cookie_secure);
  EXPECT_EQ(s.max_age, 1800s);
  EXPECT_EQ(s.origin, "");
}

TEST(SessionDirectives, AllSet) {
  auto r = parse(
      "SessionStore Redis\n"
      "SessionSlots 500\n"
      "SessionValueSize 1024\n"
      "SessionRedis 10.0.0.5:6380\n"
      "SessionRedisTimeout 250ms\n"
      "SessionRedisPrefix shop:sess:\n"
      "SessionCookieName sid\n"
      "SessionCookieSecure On\n"
      "SessionMaxAge 2h\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  const config::Sessions& s = r.config.sessions;
  EXPECT_EQ(s.store, "redis");
  EXPECT_EQ(s.origin, "/srv/conf/test.conf:1");
  EXPECT_EQ(s.slots, 500u);
  EXPECT_EQ(s.value_size, 1024u);
  EXPECT_EQ(s.redis_host, "10.0.0.5");
  EXPECT_EQ(s.redis_port, 6380);
  EXPECT_EQ(s.redis_timeout, 250ms);
  EXPECT_EQ(s.redis_prefix, "shop:sess:");
  EXPECT_EQ(s.cookie_name, "sid");
  EXPECT_TRUE(s.cookie_secure);
  EXPECT_EQ(s.max_age, 7200s);
}

TEST(SessionDirectives, RedisAddressForms) {
  auto r = parse("SessionRedis [::1]:7000\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.sessions.redis_host, "::1");
  EXPECT_EQ(r.config.sessions.redis_port, 7000);
  r = parse("SessionRedis /run/redis/redis.sock\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.sessions.redis_host, "/run/redis/redis.sock");
  EXPECT_EQ(r.config.sessions.redis_port, 0);
  r = parse("SessionRedis localhost:6379\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.sessions.redis_host, "127.0.0.1");
}

TEST(SessionDirectives, ErrorsNameFileLineAndTheRule) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"SessionStore files\n", "must be memory, shm or redis"},
      {"SessionSlots 0\n", "integer from 1"},
      {"SessionSlots many\n", "integer from 1"},
      {"SessionValueSize 10\n", "must be from 64"},
      {"SessionSlots 10000000\nSessionValueSize 16777216\n", "more than 64 GiB"},
      {"SessionRedis redis.example\n", "host:port"},
      {"SessionRedis 10.0.0.1:99999\n", "host:port"},
      {"SessionRedisTimeout 0\n", "from 1ms to 60s"},
      {"SessionRedisTimeout 2mi\n", "from 1ms to 60s"},
      {"SessionCookieName \"a b\"\n", "cookie name"},
      {"SessionCookieName a;b\n", "cookie name"},
      {"SessionCookieSecure yes\n", "On or Off"},
      {"SessionMaxAge 0\n", "whole seconds"},
      {"SessionMaxAge 1500ms\n", "whole seconds"},
      {"SessionRedisPrefix \"a b\"\n", "blanks"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.text);
    EXPECT_FALSE(r.ok) << c.text;
    std::string all = joined(r.errors);
    EXPECT_NE(all.find("/srv/conf/test.conf:"), std::string::npos) << all;
    EXPECT_NE(all.find(c.expect), std::string::npos) << c.text << " -> " << all;
  }
}

}  // namespace
}  // namespace mpmd::session
