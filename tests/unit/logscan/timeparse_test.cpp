#include "logscan/timeparse.hpp"

#include <gtest/gtest.h>

namespace mpmd::logscan {
namespace {

TEST(TimeParse, ClfTimesWithZones) {
  EXPECT_EQ(parse_clf_time("01/Mar/2024:00:00:00 +0000"), 1709251200);
  EXPECT_EQ(parse_clf_time("01/Mar/2024:01:00:00 +0100"), 1709251200);
  EXPECT_EQ(parse_clf_time("10/Oct/2000:13:55:36 -0700"), 971211336);
  EXPECT_EQ(parse_clf_time("29/Feb/2024:23:59:59 +0000"), 1709251199);
}

TEST(TimeParse, RejectsBadClfTimes) {
  EXPECT_FALSE(parse_clf_time(""));
  EXPECT_FALSE(parse_clf_time("01/Foo/2024:00:00:00 +0000"));
  EXPECT_FALSE(parse_clf_time("01/Mar/2024:25:00:00 +0000"));
  EXPECT_FALSE(parse_clf_time("01/Mar/2024:00:00:00 0000 "));
  EXPECT_FALSE(parse_clf_time("1/Mar/2024:00:00:00 +0000"));
}

TEST(TimeParse, UserTimes) {
  EXPECT_EQ(parse_user_time("2024-03-01"), 1709251200);
  EXPECT_EQ(parse_user_time("2024-03-01T10:00"), 1709251200 + 36000);
  EXPECT_EQ(parse_user_time("2024-03-01 10:00:30"), 1709251200 + 36030);
  EXPECT_EQ(parse_user_time("2024-03-01T10:00:00Z"), 1709251200 + 36000);
  EXPECT_EQ(parse_user_time("2024-03-01T10:00:00+02:00"), 1709251200 + 28800);
  EXPECT_EQ(parse_user_time("2024-03-01T10:00-0130"), 1709251200 + 36000 + 5400);
  EXPECT_EQ(parse_user_time("01/Mar/2024:10:00:00 +0000"), 1709251200 + 36000);
  EXPECT_EQ(parse_user_time("01/Mar/2024:10:00:00"), 1709251200 + 36000);
  EXPECT_EQ(parse_user_time("@1709251200"), 1709251200);
  EXPECT_FALSE(parse_user_time("yesterday"));
  EXPECT_FALSE(parse_user_time("2024-13-01"));
  EXPECT_FALSE(parse_user_time("2024-03-01T10"));
  EXPECT_FALSE(parse_user_time("@"));
}

TEST(TimeParse, FormatsUtc) {
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(1709251200 + 3661), "2024-03-01T01:01:01Z");
  EXPECT_EQ(format_utc(951782400), "2000-02-29T00:00:00Z");
}

}  // namespace
}  // namespace mpmd::logscan
