#include "proxy/directives.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "config/parser.hpp"

namespace mpmd::proxy {
namespace {

config::ParseResult parse(std::string_view text) {
  config::Parser parser({directives()});
  return parser.parse_text(text, "conf/mpmd.conf", "/srv/mpmd");
}

bool has(const std::vector<std::string>& v, std::string_view needle) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

TEST(ProxyDirectives, ServerLocationAndVirtualHost) {
  auto r = parse(
      "ProxyPass /static !\n"
      "ProxyPass /app/ http://127.0.0.1:8000/ timeout=5 retry=0 ttl=500ms max=4 "
      "disablereuse=On keepalive=On connectiontimeout=2\n"
      "ProxyPassReverse /app/ http://127.0.0.1:8000/\n"
      "<Location /loc>\n  ProxyPass unix:/run/a.sock|http://localhost/x\n"
      "  ProxyPassReverse http://localhost/x\n</Location>\n"
      "<VirtualHost *:80>\n  ServerName v.test\n  ProxyPass /v http://b/\n"
      "  ProxyPreserveHost On\n</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  const config::Proxy& p = r.config.proxy;
  ASSERT_EQ(p.routes.size(), 3u);
  EXPECT_TRUE(p.routes[0].excluded);
  const config::ProxyRoute& app = p.routes[1];
  EXPECT_EQ(app.timeout, config::Millis(5000));
  EXPECT_EQ(app.retry, config::Millis(0));
  EXPECT_EQ(app.ttl, config::Millis(500));
  EXPECT_EQ(app.max, 4u);
  EXPECT_TRUE(app.disable_reuse && app.keepalive);
  EXPECT_EQ(app.connection_timeout, config::Millis(2000));
  EXPECT_EQ(p.routes[2].path, "/loc");
  EXPECT_EQ(p.routes[2].unix_path, "/run/a.sock");
  ASSERT_EQ(p.reverse.size(), 2u);
  EXPECT_EQ(p.reverse[1].path, "/loc");
  EXPECT_FALSE(p.preserve_host);
  // The vhost: the server's routes, then its own; its own settings.
  const config::Proxy& v = r.config.virtual_hosts.at(0).site.proxy;
  ASSERT_EQ(v.routes.size(), 4u);
  EXPECT_EQ(v.routes[3].path, "/v");
  EXPECT_TRUE(v.preserve_host);
}

TEST(ProxyDirectives, Balancer) {
  auto r = parse(
      "<Proxy \"balancer://app\">\n"
      "  BalancerMember http://127.0.0.1:8001 loadfactor=3 route=a\n"
      "  BalancerMember http://127.0.0.1:8002 status=+H retry=5\n"
      "  ProxySet lbmethod=bybusyness\n"
      "  Require all granted\n"
      "</Proxy>\n"
      "BalancerMember balancer://other http://127.0.0.1:8003\n"
      "ProxyPass /shop balancer://app/shop\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  const auto& b = r.config.proxy.balancers;
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].name, "app");
  EXPECT_EQ(b[0].lbmethod, "bybusyness");
  ASSERT_EQ(b[0].members.size(), 2u);
  EXPECT_EQ(b[0].members[0].loadfactor, 3);
  EXPECT_EQ(b[0].members[0].member_route, "a");
  EXPECT_TRUE(b[0].members[1].hot_standby);
  EXPECT_EQ(b[0].members[1].retry, config::Millis(5000));
  EXPECT_EQ(b[1].members.size(), 1u);
  EXPECT_EQ(r.config.proxy.routes.at(0).balancer, "app");
  EXPECT_EQ(r.config.proxy.routes.at(0).base_path, "/shop");
}

TEST(ProxyDirectives, ProxyPassMatch) {
  auto r = parse(
      "ProxyPassMatch ^/img/.*\\.svg$ !\n"
      "ProxyPassMatch ^/img/(\\w+)/(.*)$ http://127.0.0.1:8000/i/$2?s=$1 retry=0\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  const config::Proxy& p = r.config.proxy;
  ASSERT_EQ(p.routes.size(), 2u);
  EXPECT_TRUE(p.routes[0].excluded);
  ASSERT_TRUE(p.routes[0].regex);
  EXPECT_TRUE(p.routes[0].regex->search("/img/a/b.svg"));
  ASSERT_TRUE(p.routes[1].regex);
  EXPECT_EQ(p.routes[1].port, 8000);
  EXPECT_EQ(p.routes[1].retry, config::Millis(0));
  EXPECT_TRUE(has(parse("ProxyPassMatch ^/(a http://b/\n").errors, "ProxyPassMatch"));
  EXPECT_TRUE(has(parse("ProxyPassMatch ^/(\\w+) http://$1/\n").errors, "not in its host"));
  EXPECT_TRUE(has(parse("ProxyPassMatch ^/a\n").errors, "ProxyPassMatch"));
}

TEST(ProxyDirectives, Errors) {
  EXPECT_TRUE(has(parse("ProxyPass /a https://b/\n").errors, "only http://"));
  EXPECT_TRUE(has(parse("ProxyPass /a http://b/ bogus=1\n").errors, "unknown key 'bogus'"));
  EXPECT_TRUE(has(parse("ProxyPass a http://b/\n").errors, "must start with '/'"));
  EXPECT_TRUE(has(parse("ProxyRequests On\n").errors, "not supported"));
  EXPECT_TRUE(has(parse("ProxySet balancer://x lbmethod=bytraffic\n").errors, "bytraffic"));
  EXPECT_TRUE(has(parse("<Proxy balancer://x>\nProxyPass /a http://b/\n</Proxy>\n").errors,
                  "not allowed inside <Proxy>"));
  EXPECT_TRUE(has(parse("<Proxy balancer://x>\nRequire ip 10.0.0.1\n</Proxy>\n").errors,
                  "not allowed inside <Proxy>"));
  EXPECT_TRUE(has(parse("<Proxy http://x>\n</Proxy>\n").warnings, "only <Proxy balancer://"));
  EXPECT_TRUE(
      has(parse("BalancerMember balancer://x balancer://y\n").errors, "cannot be a balancer"));
}

}  // namespace
}  // namespace mpmd::proxy
