#include "util/regex.hpp"

#include <gtest/gtest.h>

namespace mpmd::util {
namespace {

TEST(Regex, MatchesWithApachesDefaults) {
  auto re = Regex::compile("^/rm/(.*)\\.html$");
  ASSERT_TRUE(re);
  std::vector<std::string_view> g;
  ASSERT_TRUE(re->match("/rm/a\r\nb.html", g));  // DOTALL: '.' takes line breaks
  EXPECT_EQ(g.at(1), "a\r\nb");
  EXPECT_FALSE(re->search("/rm/a.html\n"));  // DOLLAR_ENDONLY
  EXPECT_TRUE(Regex::compile("abc", true)->search("xABCx"));
}

TEST(Regex, CompileErrorsSayWhereAndWhat) {
  auto re = Regex::compile("a(b");
  ASSERT_FALSE(re);
  EXPECT_NE(re.error().message.find("'a(b': missing closing parenthesis at offset 3"),
            std::string::npos)
      << re.error().message;
}

TEST(Regex, SubstituteAsApachesPregsub) {
  std::vector<std::string_view> g = {"/am/foo/bar", "foo", "bar"};
  EXPECT_EQ(substitute("/srv/$1-$2", g), "/srv/foo-bar");
  EXPECT_EQ(substitute("&|$0|\\$1|\\&|$9", g), "/am/foo/bar|/am/foo/bar|$1|&|");
  EXPECT_EQ(substitute("$", g), "$");
}

}  // namespace
}  // namespace mpmd::util
