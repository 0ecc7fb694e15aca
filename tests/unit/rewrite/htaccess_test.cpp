#include "rewrite/htaccess.hpp"

#include <gtest/gtest.h>

namespace mpmd::rewrite {
namespace {

using config::Overrides;

TEST(Htaccess, WordPressFileParsesUnderFileInfo) {
  Htaccess h = parse_htaccess(
      "# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteBase /\n"
      "RewriteRule ^index\\.php$ - [L]\nRewriteCond %{REQUEST_FILENAME} !-f\n"
      "RewriteCond %{REQUEST_FILENAME} !-d\nRewriteRule . /index.php [L]\n</IfModule>\n"
      "<IfModule mod_expires.c>\nExpiresActive On\n</IfModule>\n",
      "/srv/www/.htaccess", Overrides::kFileInfo);
  ASSERT_EQ(h.error, "");
  ASSERT_TRUE(h.rules);
  EXPECT_TRUE(h.rules->on());
  EXPECT_EQ(h.rules->base, "/");
  ASSERT_EQ(h.rules->rules.size(), 2u);
  EXPECT_EQ(h.rules->rules[1].conditions.size(), 2u);
  EXPECT_EQ(h.rules->rules[1].origin, "/srv/www/.htaccess:8");
}

TEST(Htaccess, ErrorsNameFileAndLine) {
  auto error = [](const char* text, unsigned classes) {
    return parse_htaccess(text, "/d/.htaccess", classes).error;
  };
  EXPECT_EQ(error("RewriteEngine On\n", Overrides::kIndexes),
            "/d/.htaccess:1: RewriteEngine not allowed here (AllowOverride does not give "
            "FileInfo)");
  EXPECT_NE(error("\nRewriteRule ^( /x\n", Overrides::kAll).find("/d/.htaccess:2: RewriteRule"),
            std::string::npos);
  EXPECT_NE(error("RewriteEngin On\n", Overrides::kAll).find(":1: Invalid command"),
            std::string::npos);
  EXPECT_NE(error("Options -Indexes\n", Overrides::kFileInfo).find("not allowed here"),
            std::string::npos);
  EXPECT_NE(error("Options -Indexes\n", Overrides::kAll).find("not supported"), std::string::npos);
  EXPECT_NE(
      error("<IfModule mod_rewrite.c>\nRewriteEngine On\n", Overrides::kAll).find("not closed"),
      std::string::npos);
  // Nothing of mod_rewrite: no rules, no error.
  Htaccess h = parse_htaccess("# only a comment\n", "/d/.htaccess", Overrides::kAll);
  EXPECT_EQ(h.error, "");
  EXPECT_FALSE(h.rules);
}

TEST(Htaccess, AllowOverrideOfTheDeepestDirectory) {
  Overrides o;
  o.allow = {{-1, "/srv/www", Overrides::kAll}, {-1, "/", 0}, {0, "/srv/www/x", 0}};
  HtaccessFiles main(o, -1);
  EXPECT_TRUE(main.enabled());
  EXPECT_EQ(main.classes("/srv"), 0u);
  EXPECT_EQ(main.classes("/srv/www/x"), unsigned(Overrides::kAll));  // vhost 0's rule only
  HtaccessFiles vhost(o, 0);
  EXPECT_EQ(vhost.classes("/srv/www/x/y"), 0u);
  EXPECT_FALSE(HtaccessFiles(Overrides{}, -1).enabled());
}

}  // namespace
}  // namespace mpmd::rewrite
