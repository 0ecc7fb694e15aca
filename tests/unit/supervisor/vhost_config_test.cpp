// What a <VirtualHost> gives its requests, as the parser leaves it with the
// server's real directive tables (config::VhostSite).
#include <gtest/gtest.h>

#include "config/parser.hpp"
#include "supervisor/load_config.hpp"

namespace mpmd::supervisor {
namespace {

class VhostConfig : public ::testing::Test {
 protected:
  config::ParseResult parse(const std::string& text) {
    return make_parser().parse_text(text, "/srv/conf/mpmd.conf", "/srv");
  }
  static std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
  }
};

TEST_F(VhostConfig, VhostSettingsMergeOverTheServersWhereverTheyAreWritten) {
  auto r = parse(
      "Listen 80\n"
      "<VirtualHost *:80>\n"
      "  ServerName a.example\n"
      "  DocumentRoot /srv/a\n"
      "  CustomLog logs/a.log common\n"
      "  <Location /status>\n"
      "    SetHandler server-status\n"
      "  </Location>\n"
      "</VirtualHost>\n"
      "<VirtualHost *:80>\n"
      "  ServerName b.example\n"
      "  ServerAlias *.b.example\n"
      "  Options Indexes\n"
      "</VirtualHost>\n"
      "DocumentRoot /srv/main\n"  // after the vhosts: still the default of b
      "DirectoryIndex home.html\n"
      "CustomLog logs/main.log combined\n"
      "<Location /private>\n"
      "  Require all denied\n"
      "</Location>\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  const config::Config& c = r.config;
  EXPECT_EQ(c.server_name, "");  // a vhost's ServerName is its own
  EXPECT_EQ(c.files.document_root, "/srv/main");
  ASSERT_EQ(c.locations.size(), 1u);  // the vhost's <Location> is not the server's
  ASSERT_EQ(c.virtual_hosts.size(), 2u);
  const config::VhostSite& a = c.virtual_hosts[0].site;
  EXPECT_EQ(a.files.document_root, "/srv/a");
  EXPECT_EQ(a.files.directory_index, std::vector<std::string>{"home.html"});
  ASSERT_EQ(a.locations.size(), 2u);  // the server's first, then its own
  EXPECT_EQ(a.locations[0].path, "/private");
  EXPECT_EQ(a.locations[1].path, "/status");
  EXPECT_EQ(a.locations[1].handler, "server-status");
  ASSERT_EQ(a.custom_logs.size(), 1u);  // its own log replaces the server's
  EXPECT_EQ(a.custom_logs[0].path, "/srv/logs/a.log");
  const config::VhostSite& b = c.virtual_hosts[1].site;
  EXPECT_EQ(b.files.document_root, "/srv/main");
  EXPECT_TRUE(b.files.indexes);
  EXPECT_FALSE(c.files.indexes);
  ASSERT_EQ(b.custom_logs.size(), 1u);  // none of its own: the server's
  EXPECT_EQ(b.custom_logs[0].path, "/srv/logs/main.log");
  EXPECT_EQ(c.virtual_hosts[1].aliases, std::vector<std::string>{"*.b.example"});
}

TEST_F(VhostConfig, ErrorsInsideAVhostNameFileAndLine) {
  auto r = parse(
      "Listen 80\n"
      "<VirtualHost *:80>\n"
      "  DirectoryIndex\n"
      "  FileETag Sometimes\n"
      "</VirtualHost>\n"
      "<VirtualHost example.com:80>\n"
      "</VirtualHost>\n");
  ASSERT_FALSE(r.ok);
  std::string all = joined(r.errors);
  EXPECT_NE(all.find("/srv/conf/mpmd.conf:3: DirectoryIndex"), std::string::npos) << all;
  EXPECT_NE(all.find("/srv/conf/mpmd.conf:4: FileETag"), std::string::npos) << all;
  EXPECT_NE(all.find("/srv/conf/mpmd.conf:6: <VirtualHost>: 'example.com' is not an IP"),
            std::string::npos)
      << all;
}

TEST_F(VhostConfig, ServerWideDirectivesInsideAVhostWarnOncePerName) {
  auto r = parse(
      "Listen 80\n"
      "<VirtualHost *:80>\n"
      "  KeepAliveTimeout 3\n"
      "</VirtualHost>\n"
      "<VirtualHost *:80>\n"
      "  KeepAliveTimeout 4\n"
      "</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.http.keep_alive_timeout, std::chrono::seconds(4));
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_NE(r.warnings[0].find(":3: KeepAliveTimeout: inside <VirtualHost> applies to the whole"),
            std::string::npos)
      << r.warnings[0];
}

TEST_F(VhostConfig, AVhostWithoutDocumentRootTakesTheServersDefault) {
  auto r = parse("Listen 80\n<VirtualHost *:80>\n  ServerName a.example\n</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  apply_defaults(r.config);
  EXPECT_EQ(r.config.files.document_root, "/srv/www");
  EXPECT_EQ(r.config.virtual_hosts[0].site.files.document_root, "/srv/www");
}

}  // namespace
}  // namespace mpmd::supervisor
