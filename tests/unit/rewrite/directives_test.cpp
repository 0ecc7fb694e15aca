#include "rewrite/directives.hpp"

#include <gtest/gtest.h>

#include "config/parser.hpp"
#include "rewrite/rules.hpp"

namespace mpmd::rewrite {
namespace {

config::ParseResult parse(const std::string& text) {
  config::Parser parser({directives()}, {"event"});
  return parser.parse_text(text, "/etc/mpmd/test.conf", "/etc/mpmd");
}

TEST(RewriteDirectives, ContextsGetTheirOwnRulesets) {
  auto r = parse(
      "RewriteEngine On\n"
      "RewriteCond %{HTTP_HOST} =a\n"
      "RewriteRule ^/x /y [L]\n"
      "<VirtualHost *:80>\n"
      "  ServerName v.test\n"
      "  RewriteEngine On\n"
      "  RewriteOptions Inherit\n"
      "  RewriteRule ^/v /w\n"
      "  <Directory /srv/www/blog>\n"
      "    RewriteBase /blog/\n"
      "    RewriteRule . index.php [L]\n"
      "  </Directory>\n"
      "</VirtualHost>\n"
      "LimitInternalRecursion 20\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  ASSERT_TRUE(r.config.rewrite);
  const Settings& s = *r.config.rewrite;
  ASSERT_EQ(s.server.rules.size(), 1u);
  EXPECT_EQ(s.server.rules[0].conditions.size(), 1u);
  EXPECT_EQ(s.server.rules[0].origin, "/etc/mpmd/test.conf:3");
  Ruleset vhost = s.for_host(0);  // its own rule, then the server's (Inherit)
  ASSERT_EQ(vhost.rules.size(), 2u);
  EXPECT_EQ(vhost.rules[0].pattern, "^/v");
  EXPECT_EQ(vhost.rules[1].pattern, "^/x");
  EXPECT_TRUE(s.for_host(-1).on());
  auto dirs = s.directories_of(0);
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0].dir, "/srv/www/blog");
  EXPECT_EQ(dirs[0].rules.base, "/blog/");
  EXPECT_TRUE(s.directories_of(-1).empty());
  EXPECT_EQ(s.limit_internal_recursion, 20);
}

TEST(RewriteDirectives, UnsupportedPartsAreErrorsAtFileAndLine) {
  auto r = parse("RewriteEngine On\nRewriteMap m txt:/etc/map.txt\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("test.conf:2"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("RewriteMap"), std::string::npos) << r.errors[0];
  r = parse("RewriteEngine On\n\nRewriteRule ^/p http://backend/ [P]\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("test.conf:3"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("[P]"), std::string::npos) << r.errors[0];
  r = parse("RewriteBase /x\n");  // only per directory
  EXPECT_FALSE(r.ok);
  r = parse("RewriteRule ^( /x\n");  // PCRE2's message
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("missing closing parenthesis"), std::string::npos) << r.errors[0];
}

}  // namespace
}  // namespace mpmd::rewrite
