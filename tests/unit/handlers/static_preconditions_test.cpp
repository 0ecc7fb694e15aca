#include "handlers/static_files/preconditions.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mpmd::static_files {
namespace {

constexpr std::string_view kTag = "\"1a-5f3c\"";

TEST(EtagMatches, StarMatchesAnyExistingRepresentation) {
  EXPECT_TRUE(etag_matches("*", kTag, true));
  EXPECT_TRUE(etag_matches(" * ", kTag, false));
  EXPECT_TRUE(etag_matches("*", "", false));
}

TEST(EtagMatches, Lists) {
  EXPECT_TRUE(etag_matches("\"1a-5f3c\"", kTag, false));
  EXPECT_TRUE(etag_matches("\"x\", \"1a-5f3c\"", kTag, false));
  EXPECT_TRUE(etag_matches("\"x\",\"y\" ,  \"1a-5f3c\"", kTag, true));
  EXPECT_FALSE(etag_matches("\"x\", \"y\"", kTag, true));
  EXPECT_FALSE(etag_matches("\"1a-5f3\"", kTag, true));
  EXPECT_TRUE(etag_matches("\"a,b\", \"1a-5f3c\"", kTag, true));  // ',' is an etagc
}

TEST(EtagMatches, WeakComparisonOnlyForIfNoneMatch) {
  EXPECT_TRUE(etag_matches("W/\"1a-5f3c\"", kTag, true));
  EXPECT_FALSE(etag_matches("W/\"1a-5f3c\"", kTag, false));
}

TEST(EtagMatches, MalformedOrNoEtag) {
  EXPECT_FALSE(etag_matches("1a-5f3c", kTag, true));
  EXPECT_FALSE(etag_matches("\"1a-5f3c", kTag, true));
  EXPECT_FALSE(etag_matches("\"1a-5f3c\"", "", true));
  EXPECT_FALSE(etag_matches("", kTag, true));
}

std::vector<ByteRange> ranges(std::string_view field, uint64_t size,
                              RangeResult expect = RangeResult::satisfiable) {
  std::vector<ByteRange> out;
  EXPECT_EQ(parse_range(field, size, out), expect) << field;
  return out;
}

TEST(ParseRange, SingleRanges) {
  auto r = ranges("bytes=0-9", 100);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, 0u);
  EXPECT_EQ(r[0].last, 9u);
  r = ranges("bytes=90-", 100);
  EXPECT_EQ(r[0].first, 90u);
  EXPECT_EQ(r[0].last, 99u);
  r = ranges("bytes=-10", 100);
  EXPECT_EQ(r[0].first, 90u);
  EXPECT_EQ(r[0].last, 99u);
  r = ranges("bytes=-1000", 100);  // suffix longer than the file: all of it
  EXPECT_EQ(r[0].first, 0u);
  r = ranges("bytes=50-1000", 100);  // clipped
  EXPECT_EQ(r[0].last, 99u);
  r = ranges("BYTES = 1-1", 100, RangeResult::ignore);  // no spaces around '='
  r = ranges("Bytes=1-1", 100);
  EXPECT_EQ(r[0].length(), 1u);
}

TEST(ParseRange, SeveralRangesMergeWhenOverlapping) {
  auto r = ranges("bytes=0-9, 20-29", 100);
  ASSERT_EQ(r.size(), 2u);
  r = ranges("bytes=0-9,5-19", 100);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].last, 19u);
  r = ranges("bytes=0-9,10-19", 100);  // adjacent
  ASSERT_EQ(r.size(), 1u);
  r = ranges("bytes=0-9,200-300,50-59", 100);  // unsatisfiable one dropped
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].first, 50u);
}

TEST(ParseRange, Unsatisfiable) {
  ranges("bytes=100-", 100, RangeResult::unsatisfiable);
  ranges("bytes=100-200", 100, RangeResult::unsatisfiable);
  ranges("bytes=-0", 100, RangeResult::unsatisfiable);
  ranges("bytes=500-600, 700-", 100, RangeResult::unsatisfiable);
}

TEST(ParseRange, InvalidSyntaxIsIgnored) {
  ranges("items=0-9", 100, RangeResult::ignore);
  ranges("bytes=", 100, RangeResult::ignore);
  ranges("bytes=9-0", 100, RangeResult::ignore);
  ranges("bytes=a-b", 100, RangeResult::ignore);
  ranges("bytes=0-9,x", 100, RangeResult::ignore);
  ranges("bytes=-", 100, RangeResult::ignore);
  ranges("bytes=+1-2", 100, RangeResult::ignore);
  ranges("bytes=0-99999999999999999999999", 100, RangeResult::ignore);
  ranges("bytes=0-1", 0, RangeResult::ignore);  // empty file: plain 200
}

TEST(ParseRange, TooManyRangesAreIgnored) {
  std::string field = "bytes=";
  for (size_t i = 0; i <= kMaxRanges; ++i)
    field += std::to_string(i * 3) + "-" + std::to_string(i * 3) + ",";
  ranges(field, 10000, RangeResult::ignore);
}

}  // namespace
}  // namespace mpmd::static_files
