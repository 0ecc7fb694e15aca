#include "http/authority.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace mpmd::http {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_unreserved(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}
bool is_sub_delim(char c) {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

// port = *DIGIT, and here 1-65535 when not empty. Leading zeros are digits
// like any other ("080" is 80), as Apache reads them.
bool parse_port(std::string_view s, std::optional<uint16_t>& out) {
  out.reset();
  if (s.empty()) return true;
  uint32_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + uint32_t(c - '0');
    if (v > 65535) return false;
  }
  if (v == 0) return false;
  out = uint16_t(v);
  return true;
}

// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
bool is_ipv_future(std::string_view s) {
  if (s.size() < 4 || (s[0] != 'v' && s[0] != 'V')) return false;
  size_t i = 1;
  while (i < s.size() && is_hex(s[i])) ++i;
  if (i == 1 || i >= s.size() - 1 || s[i] != '.') return false;
  for (++i; i < s.size(); ++i) {
    if (!is_unreserved(s[i]) && !is_sub_delim(s[i]) && s[i] != ':') return false;
  }
  return true;
}

bool is_ipv6(std::string_view s) {
  // The longest IPv6address is 45 characters ("ffff:...:255.255.255.255").
  char text[46];
  if (s.empty() || s.size() >= sizeof text) return false;
  std::memcpy(text, s.data(), s.size());
  text[s.size()] = '\0';
  unsigned char bytes[16];
  return inet_pton(AF_INET6, text, bytes) == 1;  // RFC 4291 2.2 text forms; no zone id
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet (RFC 3986 3.2.2): no
// leading zeros, each at most 255.
bool is_dotted_quad(std::string_view s) {
  int octets = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    uint32_t v = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 4) v = v * 10 + uint32_t(s[i++] - '0');
    const size_t len = i - start;
    if (len == 0 || len > 3 || v > 255 || (len > 1 && s[start] == '0')) return false;
    if (++octets == 4) return i == s.size();
    if (i == s.size() || s[i] != '.') return false;
    ++i;
  }
}

// A label inet_aton() reads as a number: decimal, octal ("0177") or hex ("0x7f").
bool is_numeric_label(std::string_view l) {
  size_t i = 0;
  if (l.size() >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X')) {
    for (i = 2; i < l.size(); ++i) {
      if (!is_hex(l[i])) return false;
    }
    return true;
  }
  for (; i < l.size(); ++i) {
    if (!is_digit(l[i])) return false;
  }
  return !l.empty();
}

// reg-name = *( unreserved / pct-encoded / sub-delims ) but ',', non-empty, made of
// non-empty labels (one trailing dot allowed), and not a number in disguise.
bool is_reg_name(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if ((!is_unreserved(c) && !is_sub_delim(c)) || c == ',') {
      // ',' is a sub-delim, but Host is a singleton field: a comma is two
      // Host fields merged into one (RFC 9110 5.3), which RFC 9112 3.2 refuses.
      return false;
    }
  }
  std::string_view name = s;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);  // the DNS root
  if (name.empty()) return false;
  bool all_numeric = true;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return false;
    all_numeric = all_numeric && is_numeric_label(label);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !all_numeric || is_dotted_quad(name);
}

}  // namespace

std::optional<Authority> parse_authority(std::string_view text) {
  Authority a;
  std::string_view rest;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inside = text.substr(1, close - 1);
    if (!is_ipv6(inside) && !is_ipv_future(inside)) return std::nullopt;
    a.host = text.substr(0, close + 1);
    rest = text.substr(close + 1);
  } else {
    // A reg-name or IPv4 address holds no ':'; the first one starts the port
    // (so an unbracketed IPv6 address fails as a bad port).
    const size_t colon = text.find(':');
    a.host = text.substr(0, colon);
    if (!is_reg_name(a.host)) return std::nullopt;
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (rest.empty()) return a;
  if (rest[0] != ':' || !parse_port(rest.substr(1), a.port)) return std::nullopt;
  return a;
}

}  // namespace mpmd::http
