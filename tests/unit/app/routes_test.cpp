// Route matching as applications rely on it: patterns with parameters,
// which pattern wins, 404 vs 405 (with Allow), OPTIONS and HEAD.
#include "mpmd/app_host.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mpmd::app {
namespace {

using Result = RouteTable::Match::Result;

std::string param(const RouteTable::Match& m, std::string_view name) {
  for (const Param& p : m.params) {
    if (p.name == name) return p.value;
  }
  return "<none>";
}

TEST(Pattern, RejectsWhatCannotBeMatched) {
  Pattern p;
  EXPECT_EQ(p.parse("/users/{id}"), "");
  EXPECT_EQ(p.parse("/"), "");
  EXPECT_NE(p.parse("users"), "");            // must start with '/'
  EXPECT_NE(p.parse("/users/{}"), "");        // empty name
  EXPECT_NE(p.parse("/users/{a-b}"), "");     // bad name
  EXPECT_NE(p.parse("/users/id{x}"), "");     // parameter inside a segment
  EXPECT_NE(p.parse("/{rest...}/more"), "");  // rest not last
  EXPECT_NE(p.parse("/{id}/{id}"), "");       // same name twice
  EXPECT_NE(p.parse("/search?q={q}"), "");    // query in a pattern
}

TEST(RouteTable, LiteralAndParameters) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/users/{id}", 0), "");
  ASSERT_EQ(t.add("GET", "/users/{id}/posts/{post}", 1), "");
  ASSERT_EQ(t.add("GET", "/", 2), "");

  auto m = t.match("GET", "/users/42");
  ASSERT_EQ(m.result, Result::found);
  EXPECT_EQ(m.index, 0u);
  EXPECT_EQ(param(m, "id"), "42");

  m = t.match("GET", "/users/7/posts/hello%20world");
  ASSERT_EQ(m.result, Result::found);
  EXPECT_EQ(m.index, 1u);
  EXPECT_EQ(param(m, "id"), "7");
  EXPECT_EQ(param(m, "post"), "hello world");  // decoded

  EXPECT_EQ(t.match("GET", "/").index, 2u);
  EXPECT_EQ(t.match("GET", "/users").result, Result::not_found);
  EXPECT_EQ(t.match("GET", "/users/").result, Result::not_found);  // {id} is never empty
  EXPECT_EQ(t.match("GET", "/users/1/2").result, Result::not_found);
}

TEST(RouteTable, EncodedSlashStaysInsideAParameter) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/files/{name}", 0), "");
  auto m = t.match("GET", "/files/a%2Fb");
  ASSERT_EQ(m.result, Result::found);
  EXPECT_EQ(param(m, "name"), "a/b");
}

TEST(RouteTable, RestParameterTakesTheRemainingPath) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/static/{path...}", 0), "");
  auto m = t.match("GET", "/static/css/site.css");
  ASSERT_EQ(m.result, Result::found);
  EXPECT_EQ(param(m, "path"), "css/site.css");
  m = t.match("GET", "/static/");
  ASSERT_EQ(m.result, Result::found);
  EXPECT_EQ(param(m, "path"), "");
  EXPECT_EQ(t.match("GET", "/static").result, Result::not_found);
}

TEST(RouteTable, MostSpecificPatternWinsWhateverTheOrder) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/{all...}", 0), "");
  ASSERT_EQ(t.add("GET", "/users/{id}", 1), "");
  ASSERT_EQ(t.add("GET", "/users/me", 2), "");
  EXPECT_EQ(t.match("GET", "/users/me").index, 2u);
  EXPECT_EQ(t.match("GET", "/users/5").index, 1u);
  EXPECT_EQ(t.match("GET", "/other/thing").index, 0u);
}

TEST(RouteTable, WrongMethodIs405WithAllow) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/items/{id}", 0), "");
  ASSERT_EQ(t.add("DELETE", "/items/{id}", 1), "");
  ASSERT_EQ(t.add("POST", "/items", 2), "");
  auto m = t.match("PUT", "/items/3");
  EXPECT_EQ(m.result, Result::method_not_allowed);
  EXPECT_EQ(m.allow, "GET, HEAD, DELETE, OPTIONS");
  m = t.match("GET", "/items");
  EXPECT_EQ(m.result, Result::method_not_allowed);
  EXPECT_EQ(m.allow, "POST, OPTIONS");
  EXPECT_EQ(t.match("PUT", "/nothing").result, Result::not_found);
}

TEST(RouteTable, OptionsIsAnsweredUnlessARouteTakesIt) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/a", 0), "");
  ASSERT_EQ(t.add("OPTIONS", "/b", 1), "");
  auto m = t.match("OPTIONS", "/a");
  EXPECT_EQ(m.result, Result::options);
  EXPECT_EQ(m.allow, "GET, HEAD, OPTIONS");
  EXPECT_EQ(t.match("OPTIONS", "/b").result, Result::found);
  EXPECT_EQ(t.match("OPTIONS", "/c").result, Result::not_found);
}

TEST(RouteTable, HeadUsesGetUnlessThereIsAHeadRoute) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/a", 0), "");
  ASSERT_EQ(t.add("GET", "/b", 1), "");
  ASSERT_EQ(t.add("HEAD", "/b", 2), "");
  EXPECT_EQ(t.match("HEAD", "/a").index, 0u);
  EXPECT_EQ(t.match("HEAD", "/b").index, 2u);
}

TEST(RouteTable, AnyMethodRoute) {
  RouteTable t;
  ASSERT_EQ(t.add("*", "/any", 0), "");
  ASSERT_EQ(t.add("POST", "/any", 1), "");
  EXPECT_EQ(t.match("PATCH", "/any").index, 0u);
  EXPECT_EQ(t.match("POST", "/any").index, 1u);  // the exact method beats "*"
}

TEST(RouteTable, RejectsDuplicatesAndBadMethods) {
  RouteTable t;
  ASSERT_EQ(t.add("GET", "/users/{id}", 0), "");
  EXPECT_NE(t.add("GET", "/users/{name}", 1), "");  // same shape
  EXPECT_EQ(t.add("POST", "/users/{name}", 2), "");
  EXPECT_NE(t.add("G T", "/x", 3), "");
  EXPECT_NE(t.add("", "/x", 4), "");
}

TEST(SplitPath, DecodesEachSegment) {
  EXPECT_EQ(split_path("/"), (std::vector<std::string>{""}));
  EXPECT_EQ(split_path(""), (std::vector<std::string>{""}));
  EXPECT_EQ(split_path("/a/b%20c/"), (std::vector<std::string>{"a", "b c", ""}));
  EXPECT_EQ(split_path("/bad%zz"), (std::vector<std::string>{"bad%zz"}));
}

}  // namespace
}  // namespace mpmd::app
