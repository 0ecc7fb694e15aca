// Virtual host selection, by Apache's rules (server/vhost.c): the address a
// connection arrived on picks a set of <VirtualHost>s (the vhosts naming that
// IP first, else those naming * or _default_; port given or any), then the
// Host header picks one of them by ServerName/ServerAlias (case-insensitive,
// wildcards, port ignored); when no name matches, the first vhost listed for
// that address answers. A connection no vhost address covers is the main
// server's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace mpmd::site {

class VhostMap {
 public:
  static constexpr int kMainServer = -1;

  // `vhosts` must have parsed addresses (the parser checks them);
  // `main_name` is the main server's ServerName, which vhosts without one take.
  VhostMap(const std::vector<config::VirtualHost>& vhosts, std::string main_name);

  bool empty() const { return chains_.empty(); }

  // The vhost (index in Config::virtual_hosts) for a request on a connection
  // to `local_ip`:`local_port` with Host `host` (may carry a port; "" = none),
  // or kMainServer.
  int select(std::string_view local_ip, uint16_t local_port, std::string_view host) const;

  // The name a vhost answers by (its ServerName, else the main server's),
  // without scheme or port, as written: what %v logs. kMainServer: the main
  // server's.
  const std::string& name(int vhost) const;

  // `mpmd -S`: the map as `apache2ctl -S` prints it.
  std::string describe(const std::vector<config::VirtualHost>& vhosts) const;

 private:
  // The vhosts listing one address, in file order (Apache's ipaddr chain).
  struct Chain {
    std::string ip;  // "" = any address
    unsigned char ip_bytes[16] = {};
    uint16_t port = 0;  // 0 = any port
    std::vector<int> vhosts;
  };
  struct Names {
    std::string shown;                 // no scheme or port, as written
    std::string name;                  // lower case, for matching
    std::vector<std::string> aliases;  // lower case; may hold * and ?
  };

  const Chain* chain_for(std::string_view local_ip, uint16_t local_port) const;
  bool name_matches(int vhost, std::string_view host) const;

  std::vector<Chain> chains_;  // IP-specific ones first, then wildcards; each in file order
  bool any_specific_ = false;  // whether any chain names an IP
  std::vector<Names> names_;   // per vhost
  Names main_;
};

// The host part of a Host header or ServerName value: no scheme, no port, no
// trailing dot ("[::1]" keeps its brackets); as written.
std::string_view host_part(std::string_view value);
// host_part, lower case: what names are compared by.
std::string host_for_matching(std::string_view value);

// Apache's ap_strcasecmp_match: `pattern` with * and ? against `text`, ASCII
// case-insensitively.
bool wildcard_matches(std::string_view pattern, std::string_view text);

}  // namespace mpmd::site
