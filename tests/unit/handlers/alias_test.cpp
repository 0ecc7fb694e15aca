#include "handlers/alias.hpp"

#include <gtest/gtest.h>

#include "config/parser.hpp"

namespace mpmd::handlers {
namespace {

config::ParseResult parse(const std::string& text) {
  config::Parser parser({alias_directives()});
  return parser.parse_text(text, "/srv/conf/t.conf", "/srv");
}

TEST(AliasDirectives, RulesInFileOrderWithTheirStatus) {
  auto r = parse(
      "Alias /icons/ share/icons/\n"
      "Redirect /a http://x.test/b\n"
      "Redirect permanent /p /q\n"
      "Redirect seeother /s http://x.test/\n"
      "Redirect gone /g\n"
      "Redirect 307 /t http://x.test/t\n"
      "RedirectPermanent /rp http://x.test/rp\n"
      "RedirectTemp /rt http://x.test/rt\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  const auto& a = r.config.aliases;
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a[0].url, "/icons/");
  EXPECT_EQ(a[0].target, "/srv/share/icons/");
  EXPECT_EQ(a[0].status, 0);
  EXPECT_EQ(a[0].origin, "/srv/conf/t.conf:1");
  EXPECT_EQ(a[1].status, 302);
  EXPECT_EQ(a[1].target, "http://x.test/b");
  EXPECT_EQ(a[2].status, 301);
  EXPECT_EQ(a[2].target, "/q");
  EXPECT_EQ(a[3].status, 303);
  EXPECT_EQ(a[4].status, 410);
  EXPECT_EQ(a[4].target, "");
  EXPECT_EQ(a[5].status, 307);
  EXPECT_EQ(a[6].status, 301);
  EXPECT_EQ(a[7].status, 302);
}

TEST(AliasDirectives, BadRedirectsAreConfigErrors) {
  for (const char* line : {"Redirect /a not-a-url\n", "Redirect gone /g http://x.test/\n",
                           "Redirect permanent /p\n", "Redirect a http://x.test/\n",
                           "Alias relative /srv\n", "Redirect /a http://x.test/ extra\n"}) {
    auto r = parse(line);
    EXPECT_FALSE(r.ok) << line;
    ASSERT_FALSE(r.errors.empty()) << line;
    EXPECT_NE(r.errors[0].find("t.conf:1:"), std::string::npos) << r.errors[0];
  }
}

TEST(AliasDirectives, ScriptAliasAnswers403WithAWarning) {
  // mpmd runs no CGI: neither the scripts nor DocumentRoot's files are served there.
  auto r = parse("ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  ASSERT_EQ(r.config.aliases.size(), 1u);
  EXPECT_EQ(r.config.aliases[0].status, 403);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("CGI is not supported"), std::string::npos);
}

TEST(AliasMatch, RootIsTheDirectoryBeforeAnyGroup) {
  EXPECT_EQ(alias_match_root("/srv/x/$1"), "/srv/x/");
  EXPECT_EQ(alias_match_root("/srv/x/a$1b/c"), "/srv/x/");
  EXPECT_EQ(alias_match_root("/srv/file.txt"), "/srv/");
  EXPECT_EQ(alias_match_root("$1/x"), "");
}

}  // namespace
}  // namespace mpmd::handlers
