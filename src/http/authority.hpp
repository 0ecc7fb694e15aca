// The authority a request names: its Host field, the host[:port] of an
// absolute-form target, a CONNECT target. RFC 9112 3.2 requires a server to
// answer 400 to a Host it cannot parse, so the core checks it before any
// handler (or virtual host) sees it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mpmd::http {

struct Authority {
  // As sent (case kept): a reg-name, an IPv4 address, or "[...]" with its
  // brackets. Views into the parsed text.
  std::string_view host;
  // Absent when there is no port, or an empty one ("host:"): both mean the
  // scheme's default (RFC 3986 3.2.3, RFC 9110 4.2.3).
  std::optional<uint16_t> port;
};

// Parses `uri-host [ ":" port ]` (RFC 3986 3.2.2, 3.2.3). Rejects (nullopt):
//  * a port that is not 1-65535 in digits ("h:80x", "h:80:80", "h:0", "h:+1");
//  * an IP-literal that is not "[IPv6address]" or "[IPvFuture]", or anything
//    after its "]" but a port ("[4712::abcd::]", "[::1", "[::1]x"); an
//    unbracketed IPv6 address ("4713::abcd:8001"); IPv6 zone ids;
//  * a reg-name byte outside unreserved / sub-delims / "%" HEXDIG HEXDIG
//    (spaces, "/", "@", "\", controls, obs-text), a ',' (Host fields merged
//    into one, as Apache's strict check reads it), an empty host (RFC 9110
//    4.2.1) or an empty label ("a..b", ".a": Apache refuses "..");
//  * a name whose labels all read as numbers but that is not a dotted-quad
//    IPv4 address ("127.1", "0x7f.1", "017700000001", "127.01.0.1", "8080"):
//    inet_aton() and resolvers take such names for addresses (RFC 3986 7.4),
//    so they could reach another host than a check of the text expects.
//    Apache's strict check (its default) refuses them too.
// A trailing dot ("example.com.") and punycode labels are accepted.
std::optional<Authority> parse_authority(std::string_view text);

}  // namespace mpmd::http
