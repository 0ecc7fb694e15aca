// SSLProtocol's keywords (mod_ssl's ssl_cmd_protocol_parse): "all -SSLv3",
// "-all +TLSv1.2 +TLSv1.3", "TLSv1.2" (a keyword without a sign sets exactly
// that protocol).
#pragma once

#include <string>
#include <string_view>

namespace mpmd::tls {

enum ProtocolBit : unsigned {
  kTls10 = 1u << 0,
  kTls11 = 1u << 1,
  kTls12 = 1u << 2,
  kTls13 = 1u << 3,
  kAllProtocols = kTls10 | kTls11 | kTls12 | kTls13,
};

// Parses a space-separated SSLProtocol value into `mask`; "" or an error.
// SSLv2 and SSLv3 may only be removed (OpenSSL 3 has neither).
std::string parse_protocols(std::string_view text, unsigned& mask);

}  // namespace mpmd::tls
