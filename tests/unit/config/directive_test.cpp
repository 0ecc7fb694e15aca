#include "config/directive.hpp"

#include <gtest/gtest.h>

namespace mpmd::config {
namespace {

TEST(ParseFlag, OnOffAnyCase) {
  bool v = false;
  EXPECT_EQ(parse_flag("ON", v), "");
  EXPECT_TRUE(v);
  EXPECT_EQ(parse_flag("off", v), "");
  EXPECT_FALSE(v);
  EXPECT_NE(parse_flag("yes", v), "");
  EXPECT_FALSE(v);
}

TEST(ParseInt, RangeAndSign) {
  int v = 7;
  EXPECT_EQ(parse_int("-3", -5, 5, v), "");
  EXPECT_EQ(v, -3);
  EXPECT_EQ(parse_int("+4", -5, 5, v), "");
  EXPECT_EQ(v, 4);
  EXPECT_EQ(parse_int("6", -5, 5, v), "must be an integer from -5 to 5, not '6'");
  EXPECT_NE(parse_int("", 0, 5, v), "");
  EXPECT_NE(parse_int("3x", 0, 5, v), "");
  EXPECT_NE(parse_int("99999999999999999999", 0, 5, v), "");
  EXPECT_EQ(v, 4);
}

TEST(ParseSize, Bytes) {
  uint64_t v = 0;
  EXPECT_EQ(parse_size("1073741824", v), "");
  EXPECT_EQ(v, 1073741824u);
  EXPECT_EQ(parse_size("0", v), "");
  EXPECT_EQ(v, 0u);
  EXPECT_NE(parse_size("-1", v), "");
  EXPECT_NE(parse_size("10M", v), "");
}

TEST(ParseSeconds, UnitsLikeApache) {
  Millis v{0};
  EXPECT_EQ(parse_seconds("5", v), "");
  EXPECT_EQ(v, Millis(5000));
  EXPECT_EQ(parse_seconds("300ms", v), "");
  EXPECT_EQ(v, Millis(300));
  EXPECT_EQ(parse_seconds("7s", v), "");
  EXPECT_EQ(v, Millis(7000));
  EXPECT_EQ(parse_seconds("2mi", v), "");
  EXPECT_EQ(v, Millis(120000));
  EXPECT_EQ(parse_seconds("1h", v), "");
  EXPECT_EQ(v, Millis(3600000));
  EXPECT_EQ(parse_seconds("0", v), "");
  EXPECT_EQ(v, Millis(0));
  for (const char* bad : {"", "ms", "-1", "5x", "1.5", "5 ms", "99999999999999999999"}) {
    EXPECT_NE(parse_seconds(bad, v), "") << bad;
  }
}

TEST(DirectiveCall, ResolveAgainstServerRoot) {
  DirectiveCall c;
  c.server_root = "/srv/mpmd";
  EXPECT_EQ(c.resolve("logs/access.log"), "/srv/mpmd/logs/access.log");
  EXPECT_EQ(c.resolve("./run/mpmd.pid"), "/srv/mpmd/run/mpmd.pid");
  EXPECT_EQ(c.resolve("/var/log/x"), "/var/log/x");
  EXPECT_EQ(c.resolve("../shared/www"), "/srv/shared/www");
  EXPECT_EQ(c.resolve("www/"), "/srv/mpmd/www/");
  c.server_root = "/";
  EXPECT_EQ(c.resolve("x"), "/x");
}

}  // namespace
}  // namespace mpmd::config
