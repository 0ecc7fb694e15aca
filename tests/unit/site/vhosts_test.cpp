#include "site/vhosts.hpp"

#include <gtest/gtest.h>

namespace mpmd::site {
namespace {

config::VirtualHost vhost(std::vector<std::string> addresses, std::string name,
                          std::vector<std::string> aliases = {}) {
  return config::VirtualHost{.addresses = std::move(addresses),
                             .server_name = std::move(name),
                             .aliases = std::move(aliases),
                             .origin = "sites.conf:1"};
}

TEST(Vhosts, NoVhostsIsTheMainServer) {
  VhostMap map({}, "main.example");
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.select("127.0.0.1", 80, "a.example"), VhostMap::kMainServer);
  EXPECT_EQ(map.name(VhostMap::kMainServer), "main.example");
}

TEST(Vhosts, NameBasedByHostFirstListedIsTheDefault) {
  VhostMap map({vhost({"*:80"}, "www.example.com", {"example.com"}),
                vhost({"*:80"}, "other.org", {"*.other.org", "o?.test"})},
               "main");
  EXPECT_EQ(map.select("127.0.0.1", 80, "www.example.com"), 0);
  EXPECT_EQ(map.select("127.0.0.1", 80, "other.org"), 1);
  EXPECT_EQ(map.select("127.0.0.1", 80, "OTHER.ORG:80"), 1);   // case and port ignored
  EXPECT_EQ(map.select("127.0.0.1", 80, "other.org."), 1);     // trailing dot
  EXPECT_EQ(map.select("127.0.0.1", 80, "a.b.other.org"), 1);  // wildcard alias
  EXPECT_EQ(map.select("127.0.0.1", 80, "ok.test"), 1);
  EXPECT_EQ(map.select("127.0.0.1", 80, "okk.test"), 0);
  EXPECT_EQ(map.select("127.0.0.1", 80, "example.com"), 0);
  EXPECT_EQ(map.select("127.0.0.1", 80, "nobody.net"), 0);  // no match: the first
  EXPECT_EQ(map.select("127.0.0.1", 80, ""), 0);            // HTTP/1.0 without Host
  EXPECT_EQ(map.select("127.0.0.1", 8080, "other.org"), VhostMap::kMainServer);  // no vhost
}

TEST(Vhosts, IpBasedBeforeNameBased) {
  VhostMap map({vhost({"*:80"}, "wild.example"), vhost({"127.0.0.2:80"}, "two.example"),
                vhost({"127.0.0.2:80"}, "named.example"), vhost({"[::1]:80"}, "six.example")},
               "main");
  // The address names vhosts: only those are candidates, even for a name
  // that a wildcard vhost has.
  EXPECT_EQ(map.select("127.0.0.2", 80, "wild.example"), 1);
  EXPECT_EQ(map.select("127.0.0.2", 80, "named.example"), 2);
  EXPECT_EQ(map.select("::ffff:127.0.0.2", 80, "named.example"), 2);  // dual-stack socket
  EXPECT_EQ(map.select("127.0.0.1", 80, "two.example"), 0);
  EXPECT_EQ(map.select("::1", 80, "x"), 3);
}

TEST(Vhosts, PortsAnyPortAndDefault) {
  VhostMap map({vhost({"*"}, "any.example"), vhost({"_default_:443"}, "tls.example"),
                vhost({"10.0.0.1:*"}, "ten.example"), vhost({"*:8080", "*:8081"}, "multi")},
               "main");
  EXPECT_EQ(map.select("127.0.0.1", 443, "x"), 1);
  EXPECT_EQ(map.select("127.0.0.1", 1234, "x"), 0);  // "*": any port
  EXPECT_EQ(map.select("10.0.0.1", 9, "x"), 2);
  EXPECT_EQ(map.select("127.0.0.1", 8081, "x"), 3);
  EXPECT_EQ(map.select("127.0.0.1", 8080, "x"), 3);
}

TEST(Vhosts, VhostWithoutServerNameTakesTheMainOne) {
  VhostMap map({vhost({"*:80"}, ""), vhost({"*:80"}, "https://Named.Example:443")}, "Main.Host");
  EXPECT_EQ(map.name(0), "Main.Host");
  EXPECT_EQ(map.name(1), "Named.Example");  // %v: as written, no scheme or port
  EXPECT_EQ(map.select("127.0.0.1", 80, "main.host"), 0);
  EXPECT_EQ(map.select("127.0.0.1", 80, "named.example"), 1);
}

TEST(Vhosts, DescribeLooksLikeApache2ctlS) {
  std::vector<config::VirtualHost> v{vhost({"*:80"}, "www.example.com", {"example.com"}),
                                     vhost({"*:80"}, "other.org", {"*.other.org"}),
                                     vhost({"127.0.0.1:443"}, "tls.example")};
  v[1].origin = "b.conf:3";
  std::string out = VhostMap(v, "main").describe(v);
  EXPECT_EQ(out,
            "VirtualHost configuration:\n"
            "127.0.0.1:443          tls.example (sites.conf:1)\n"
            "*:80                   is a NameVirtualHost\n"
            "         default server www.example.com (sites.conf:1)\n"
            "         port 80 namevhost www.example.com (sites.conf:1)\n"
            "                 alias example.com\n"
            "         port 80 namevhost other.org (b.conf:3)\n"
            "                 wild alias *.other.org\n");
}

TEST(Vhosts, WildcardMatching) {
  EXPECT_TRUE(wildcard_matches("*.example.org", "a.example.org"));
  EXPECT_TRUE(wildcard_matches("*.Example.org", "A.EXAMPLE.ORG"));
  EXPECT_FALSE(wildcard_matches("*.example.org", "example.org"));
  EXPECT_TRUE(wildcard_matches("w?w.*", "www.x"));
  EXPECT_TRUE(wildcard_matches("*", ""));
  EXPECT_FALSE(wildcard_matches("a*b", "acbd"));
  EXPECT_TRUE(wildcard_matches("a*b*c", "aXbYbZc"));
}

TEST(Vhosts, HostForMatching) {
  EXPECT_EQ(host_for_matching("WWW.Example.com:8080"), "www.example.com");
  EXPECT_EQ(host_for_matching("[::1]:80"), "[::1]");
  EXPECT_EQ(host_for_matching("https://a.b:443"), "a.b");
  EXPECT_EQ(host_for_matching("a.b."), "a.b");
}

}  // namespace
}  // namespace mpmd::site
