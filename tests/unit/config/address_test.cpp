#include "config/address.hpp"

#include <gtest/gtest.h>

namespace mpmd::config {
namespace {

ListenAddress listen_ok(std::string_view arg) {
  ListenAddress a;
  EXPECT_EQ(parse_listen_address(arg, a), "") << arg;
  return a;
}

TEST(ListenAddress, Forms) {
  auto a = listen_ok("8080");
  EXPECT_EQ(a.host, "");
  EXPECT_EQ(a.port, 8080);
  a = listen_ok("0.0.0.0:80");
  EXPECT_EQ(a.host, "0.0.0.0");
  EXPECT_EQ(a.port, 80);
  a = listen_ok("[::1]:8080");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 8080);
  a = listen_ok("*:81");
  EXPECT_EQ(a.host, "");
  a = listen_ok("localhost:82");
  EXPECT_EQ(a.host, "127.0.0.1");
  a = listen_ok("65535");
  EXPECT_EQ(a.port, 65535);
}

TEST(ListenAddress, Errors) {
  ListenAddress a;
  EXPECT_EQ(parse_listen_address("0", a), "port must be from 1 to 65535, not '0'");
  EXPECT_NE(parse_listen_address("65536", a), "");
  EXPECT_NE(parse_listen_address("127.0.0.1:", a), "");
  EXPECT_NE(parse_listen_address("http", a), "");
  EXPECT_NE(parse_listen_address("[::1]", a), "");
  EXPECT_NE(parse_listen_address("[::1:80", a), "");
  EXPECT_NE(parse_listen_address("[1.2.3.4]:80", a), "");
  EXPECT_NE(parse_listen_address("::1:80", a), "");
  EXPECT_NE(parse_listen_address("example.com:80", a), "");
  EXPECT_NE(parse_listen_address("300.1.1.1:80", a), "");
}

TEST(RequireIp, AddressesAndNetworks) {
  for (const char* ok :
       {"127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "2001:db8::/32", "::/128"}) {
    EXPECT_EQ(check_ip_or_cidr(ok), "") << ok;
  }
  for (const char* bad :
       {"10.1", "10.0.0.0/33", "::1/129", "10.0.0.0/", "host.example", "", "10.0.0.0/x"}) {
    EXPECT_NE(check_ip_or_cidr(bad), "") << bad;
  }
}

}  // namespace
}  // namespace mpmd::config
