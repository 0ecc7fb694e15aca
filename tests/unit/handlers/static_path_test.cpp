#include "handlers/static_files/path.hpp"

#include <gtest/gtest.h>

namespace mpmd::static_files {
namespace {

std::string clean(std::string_view raw, PathError expect = PathError::none) {
  std::string out;
  EXPECT_EQ(clean_path(raw, out), expect) << raw;
  return out;
}

TEST(CleanPath, KeepsPlainPaths) {
  EXPECT_EQ(clean("/"), "/");
  EXPECT_EQ(clean("/a/b.html"), "/a/b.html");
  EXPECT_EQ(clean("/dir/"), "/dir/");
}

TEST(CleanPath, DecodesPercentEscapes) {
  EXPECT_EQ(clean("/a%20b"), "/a b");
  EXPECT_EQ(clean("/%41%7e"), "/A~");
  EXPECT_EQ(clean("/%252e%252e/x"), "/%2e%2e/x");  // double encoding stays literal
}

TEST(CleanPath, RemovesDotSegments) {
  EXPECT_EQ(clean("/a/./b"), "/a/b");
  EXPECT_EQ(clean("/a/b/../c"), "/a/c");
  EXPECT_EQ(clean("/a/.."), "/");
  EXPECT_EQ(clean("/a/."), "/a/");
  EXPECT_EQ(clean("/a/%2e%2E/b"), "/b");
  EXPECT_EQ(clean("/a/%2e/b"), "/a/b");
  EXPECT_EQ(clean("/a/...b"), "/a/...b");
}

TEST(CleanPath, MergesSlashes) {
  EXPECT_EQ(clean("//a///b"), "/a/b");
  EXPECT_EQ(clean("//"), "/");
}

TEST(CleanPath, NeverGoesAboveTheRoot) {
  clean("/..", PathError::bad_request);
  clean("/../etc/passwd", PathError::bad_request);
  clean("/a/../../etc", PathError::bad_request);
  clean("/%2e%2e/etc/passwd", PathError::bad_request);
  clean("/a/%2E%2e/%2e%2e/x", PathError::bad_request);
}

TEST(CleanPath, RefusesEncodedSlashAndNul) {
  clean("/a%2fb", PathError::not_found);
  clean("/a%2Fb", PathError::not_found);
  clean("/..%2f..%2fetc", PathError::not_found);
  clean("/a%00.html", PathError::not_found);
}

TEST(CleanPath, RefusesMalformed) {
  clean("", PathError::bad_request);
  clean("a/b", PathError::bad_request);
  clean("*", PathError::bad_request);
  clean("/a%", PathError::bad_request);
  clean("/a%2", PathError::bad_request);
  clean("/a%zz", PathError::bad_request);
  clean("/a%g0/b", PathError::bad_request);
}

TEST(CleanPath, BackslashIsAnOrdinaryCharacter) {
  EXPECT_EQ(clean("/a\\..\\b"), "/a\\..\\b");
  EXPECT_EQ(clean("/%5c..%5cetc"), "/\\..\\etc");
}

TEST(EncodePath, EscapesWhatIsNotAllowedInAPath) {
  EXPECT_EQ(encode_path("/a b/c%d"), "/a%20b/c%25d");
  EXPECT_EQ(encode_path("/x?y#z"), "/x%3Fy%23z");
  EXPECT_EQ(encode_path("/a-b_c.d~e/f:g@h"), "/a-b_c.d~e/f:g@h");
  EXPECT_EQ(encode_path("/\xc3\xa9"), "/%C3%A9");
}

}  // namespace
}  // namespace mpmd::static_files
