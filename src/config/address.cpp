#include "config/address.hpp"

#include <arpa/inet.h>

#include "util/strings.hpp"

namespace mpmd::config {
namespace {

bool is_ipv4(const std::string& s) {
  in_addr a;
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a;
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

}  // namespace

std::string parse_listen_address(std::string_view arg, ListenAddress& out) {
  std::string host;
  std::string_view port_text = arg;
  if (!arg.empty() && arg.front() == '[') {
    size_t close = arg.find(']');
    if (close == std::string_view::npos)
      return "missing ']' in IPv6 address '" + std::string(arg) + "'";
    host = std::string(arg.substr(1, close - 1));
    if (!is_ipv6(host)) return "'" + host + "' is not an IPv6 address";
    std::string_view rest = arg.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return "port missing after '" + std::string(arg) + "'";
    port_text = rest.substr(1);
  } else if (size_t colon = arg.rfind(':'); colon != std::string_view::npos) {
    host = std::string(arg.substr(0, colon));
    port_text = arg.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return "IPv6 addresses need brackets: [" + host + "]:" + std::string(port_text);
    }
    if (host == "*" || host.empty()) {
      host.clear();
    } else if (util::iequals(host, "localhost")) {
      host = "127.0.0.1";
    } else if (!is_ipv4(host)) {
      return "'" + host + "' is not an IP address (host names are not resolved; use an address)";
    }
  }
  auto port = util::parse_u64(port_text);
  if (!port || *port < 1 || *port > 65535) {
    return "port must be from 1 to 65535, not '" + std::string(port_text) + "'";
  }
  out.host = host;
  out.port = uint16_t(*port);
  return "";
}

std::string parse_vhost_address(std::string_view arg, VhostAddress& out) {
  std::string_view host = arg;
  std::string_view port;
  bool has_port = false;
  if (!arg.empty() && arg.front() == '[') {
    size_t close = arg.find(']');
    if (close == std::string_view::npos) {
      return "missing ']' in IPv6 address '" + std::string(arg) + "'";
    }
    host = arg.substr(1, close - 1);
    std::string_view rest = arg.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "unexpected text after ']' in '" + std::string(arg) + "'";
      port = rest.substr(1);
      has_port = true;
    }
    if (!is_ipv6(std::string(host))) return "'" + std::string(host) + "' is not an IPv6 address";
  } else if (size_t colon = arg.rfind(':'); colon != std::string_view::npos) {
    host = arg.substr(0, colon);
    port = arg.substr(colon + 1);
    has_port = true;
    if (host.find(':') != std::string_view::npos) {
      return "IPv6 addresses need brackets: [" + std::string(host) + "]:" + std::string(port);
    }
  }
  std::string ip(host);
  if (ip == "*" || util::iequals(ip, "_default_")) {
    ip.clear();
  } else if (util::iequals(ip, "localhost")) {
    ip = "127.0.0.1";
  } else if (ip.empty() || (!is_ipv4(ip) && !is_ipv6(ip))) {
    return "'" + ip +
           "' is not an IP address, * or _default_ (host names are not resolved: name the "
           "address, and the host with ServerName)";
  }
  uint16_t number = 0;
  if (has_port && port != "*") {
    auto p = util::parse_u64(port);
    if (!p || *p < 1 || *p > 65535) {
      return "port must be from 1 to 65535 or *, not '" + std::string(port) + "'";
    }
    number = uint16_t(*p);
  }
  out.ip = ip;
  out.port = number;
  return "";
}

std::string check_ip_or_cidr(std::string_view arg) {
  std::string_view addr = arg;
  std::string_view prefix;
  if (size_t slash = arg.find('/'); slash != std::string_view::npos) {
    addr = arg.substr(0, slash);
    prefix = arg.substr(slash + 1);
  }
  std::string a(addr);
  int max_bits = is_ipv4(a) ? 32 : is_ipv6(a) ? 128 : 0;
  if (max_bits == 0) {
    return "'" + std::string(arg) + "' is not an IP address or network (like 10.0.0.0/8 or ::1)";
  }
  if (arg.find('/') != std::string_view::npos) {
    auto bits = util::parse_u64(prefix);
    if (!bits || *bits > uint64_t(max_bits)) {
      return "bad prefix length in '" + std::string(arg) + "' (0.." + std::to_string(max_bits) +
             ")";
    }
  }
  return "";
}

}  // namespace mpmd::config
