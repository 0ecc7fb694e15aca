// Address arguments of Listen and `Require ip`.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace mpmd::config {

// Parses Listen's address: "80", "127.0.0.1:8080", "[::1]:8080", "*:80",
// "localhost:80" (as 127.0.0.1). Sets host ("" = all addresses, IPv6 without
// brackets) and port (1..65535). Returns "" or an error message.
std::string parse_listen_address(std::string_view arg, ListenAddress& out);

// One address of <VirtualHost ADDR...>.
struct VhostAddress {
  std::string ip;     // "" = any address ("*", "_default_"); else numeric, IPv6 without brackets
  uint16_t port = 0;  // 0 = any port (none given, or "*")
};

// Parses a <VirtualHost> address: "*", "*:80", "_default_:443", "10.0.0.1",
// "10.0.0.1:8080", "[::1]:8443", "[2001:db8::1]", "localhost:80" (as
// 127.0.0.1), "*:*". Returns "" or an error message.
std::string parse_vhost_address(std::string_view arg, VhostAddress& out);

// Checks an address or network for `Require ip`: "10.1.2.3", "10.0.0.0/8",
// "::1", "2001:db8::/32". Returns "" or an error message.
std::string check_ip_or_cidr(std::string_view arg);

}  // namespace mpmd::config
