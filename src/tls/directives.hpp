// mod_ssl's directives as table rows (SSLEngine, SSLCertificateFile, ...),
// and the step after parsing that merges each <VirtualHost>'s SSL settings
// with the server level's and decides which ports speak TLS.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"

namespace mpmd::tls {

std::vector<config::Directive> directives();

// One TLS site after mod_ssl's merge: every optional filled in.
struct Site {
  config::TlsSite settings;        // merged; engine is true
  std::vector<std::string> names;  // ServerName and ServerAliases (lower case), for SNI
  std::vector<uint16_t> ports;     // from the <VirtualHost> addresses
  bool any_port = false;           // server level, or an address without a port
  std::string origin;              // where to point errors: SSLEngine, else the first SSL line
};

struct Plan {
  std::vector<Site> sites;  // SNI order: vhosts in file order, then the server level
  // Whether connections to `port` are TLS.
  bool tls_port(uint16_t port) const;
  // The sites that answer on `port`, in the order SNI falls back through.
  std::vector<const Site*> sites_for(uint16_t port) const;
};

// Merges and checks (an https Listen without a TLS site, a TLS site without a
// certificate). Errors and warnings are "FILE:LINE: Directive: message".
Plan plan(const config::Config& config, std::vector<std::string>& errors,
          std::vector<std::string>& warnings);

}  // namespace mpmd::tls
