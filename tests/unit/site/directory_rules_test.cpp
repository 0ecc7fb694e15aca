#include "site/directory_rules.hpp"

#include <gtest/gtest.h>

namespace mpmd::site {
namespace {

config::DirectoryRule rule(std::string dir, config::Access access) {
  config::DirectoryRule r{.dir = std::move(dir), .origin = "x.conf:1"};
  r.access.access = access;
  return r;
}

std::vector<std::string> paths(const std::vector<config::Location>& l) {
  std::vector<std::string> out;
  for (const auto& x : l) {
    out.push_back(x.path + (x.access == config::Access::denied ? " denied" : " granted"));
  }
  return out;
}

TEST(DirectoryRules, DebiansStockRulesBelowDocumentRootAndAlias) {
  config::StaticFiles files{.document_root = "/var/www/html/"};
  std::vector<config::AliasRule> aliases{
      {.url = "/icons/", .target = "/usr/share/apache2/icons/"},
      {.url = "/old", .target = "http://x/", .status = 302}};  // a Redirect: no tree
  // Written longest first: applied shortest first.
  std::vector<config::DirectoryRule> dirs{rule("/var/www/html/private", config::Access::denied),
                                          rule("/var/www", config::Access::granted),
                                          rule("/usr/share", config::Access::granted),
                                          rule("/", config::Access::denied)};
  std::vector<config::Location> locations{{.path = "/server-status", .handler = "server-status"}};
  auto l = effective_locations(files, aliases, dirs, locations);
  EXPECT_EQ(paths(l),
            (std::vector<std::string>{"/ denied", "/ granted", "/private denied", "/icons/ denied",
                                      "/icons/ granted", "/server-status granted"}));
  EXPECT_EQ(l.back().handler, "server-status");
}

TEST(DirectoryRules, TheFirstAliasWinsAndShadowedOnesAddNothing) {
  config::StaticFiles files{.document_root = "/srv/www"};
  std::vector<config::AliasRule> aliases{{.url = "/a", .target = "/srv/one"},
                                         {.url = "/a/b", .target = "/srv/two"}};
  std::vector<config::DirectoryRule> dirs{rule("/srv/two", config::Access::denied)};
  EXPECT_TRUE(effective_locations(files, aliases, dirs, {}).empty());
}

TEST(DirectoryRules, NoRulesLeaveTheLocationsAsTheyAre) {
  std::vector<config::Location> locations{{.path = "/x"}};
  auto l = effective_locations(config::StaticFiles{.document_root = "/srv"}, {}, {}, locations);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].path, "/x");
}

}  // namespace
}  // namespace mpmd::site
