#include "site/vhosts.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "config/address.hpp"
#include "util/strings.hpp"

namespace mpmd::site {

namespace {

// An address as 16 bytes, IPv4 as IPv4-mapped IPv6 (so that a dual-stack
// socket's "::ffff:10.0.0.1" equals "10.0.0.1"). False if not an address.
bool to_bytes(std::string_view text, unsigned char out[16]) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char v4[4];
  if (inet_pton(AF_INET, buf, v4) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, buf, out) == 1;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

std::string shown_address(const std::string& ip, uint16_t port) {
  std::string host = ip.empty() ? "*" : ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return host + ":" + (port == 0 ? std::string("*") : std::to_string(port));
}

}  // namespace

std::string_view host_part(std::string_view value) {
  if (size_t scheme = value.find("://"); scheme != std::string_view::npos) {
    value.remove_prefix(scheme + 3);
  }
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close != std::string_view::npos) value = value.substr(0, close + 1);
  } else if (size_t colon = value.find(':'); colon != std::string_view::npos) {
    value = value.substr(0, colon);
  }
  if (size_t slash = value.find('/'); slash != std::string_view::npos) {
    value = value.substr(0, slash);
  }
  while (!value.empty() && value.back() == '.') value.remove_suffix(1);
  return value;
}

std::string host_for_matching(std::string_view value) {
  return util::to_lower(host_part(value));
}

bool wildcard_matches(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

VhostMap::VhostMap(const std::vector<config::VirtualHost>& vhosts, std::string main_name)
    : main_{.shown = std::string(host_part(main_name)), .name = host_for_matching(main_name)} {
  std::vector<Chain> specific, wildcard;
  for (size_t v = 0; v < vhosts.size(); ++v) {
    const config::VirtualHost& vh = vhosts[v];
    Names n = main_;
    if (!vh.server_name.empty()) {
      n.shown = std::string(host_part(vh.server_name));
      n.name = host_for_matching(vh.server_name);
    }
    for (const auto& a : vh.aliases) n.aliases.push_back(util::to_lower(a));
    names_.push_back(std::move(n));
    for (const auto& text : vh.addresses) {
      config::VhostAddress a;
      if (!config::parse_vhost_address(text, a).empty()) continue;  // reported by the parser
      auto& list = a.ip.empty() ? wildcard : specific;
      Chain* chain = nullptr;
      for (Chain& c : list) {
        if (c.ip == a.ip && c.port == a.port) chain = &c;
      }
      if (chain == nullptr) {
        list.push_back(Chain{.ip = a.ip, .port = a.port});
        chain = &list.back();
        if (!a.ip.empty()) to_bytes(a.ip, chain->ip_bytes);
      }
      if (chain->vhosts.empty() || chain->vhosts.back() != int(v)) chain->vhosts.push_back(int(v));
    }
  }
  any_specific_ = !specific.empty();
  chains_ = std::move(specific);
  chains_.insert(chains_.end(), wildcard.begin(), wildcard.end());
}

const VhostMap::Chain* VhostMap::chain_for(std::string_view local_ip, uint16_t local_port) const {
  // Apache: the chain for exactly this IP (this port, else any port), else
  // the wildcard chain for this port, else for any port.
  const Chain* any_port = nullptr;
  if (any_specific_) {
    unsigned char ip[16];
    if (to_bytes(local_ip, ip)) {
      for (const Chain& c : chains_) {
        if (c.ip.empty() || std::memcmp(c.ip_bytes, ip, 16) != 0) continue;
        if (c.port == local_port) return &c;
        if (c.port == 0 && any_port == nullptr) any_port = &c;
      }
      if (any_port) return any_port;
    }
  }
  for (const Chain& c : chains_) {
    if (!c.ip.empty()) continue;
    if (c.port == local_port) return &c;
    if (c.port == 0 && any_port == nullptr) any_port = &c;
  }
  return any_port;
}

bool VhostMap::name_matches(int vhost, std::string_view host) const {
  // No lower-case copy of the Host per request: names are compared ignoring case.
  const Names& n = names_[size_t(vhost)];
  if (util::iequals(n.name, host)) return true;
  for (const auto& a : n.aliases) {
    if (a.find_first_of("*?") == std::string::npos ? util::iequals(a, host)
                                                   : wildcard_matches(a, host)) {
      return true;
    }
  }
  return false;
}

int VhostMap::select(std::string_view local_ip, uint16_t local_port, std::string_view host) const {
  if (chains_.empty()) return kMainServer;
  const Chain* chain = chain_for(local_ip, local_port);
  if (chain == nullptr) return kMainServer;
  if (chain->vhosts.size() > 1 && !host.empty()) {
    std::string_view wanted = host_part(host);
    for (int v : chain->vhosts) {
      if (name_matches(v, wanted)) return v;
    }
  }
  return chain->vhosts.front();
}

const std::string& VhostMap::name(int vhost) const {
  return vhost < 0 ? main_.shown : names_[size_t(vhost)].shown;
}

std::string VhostMap::describe(const std::vector<config::VirtualHost>& vhosts) const {
  std::string out = "VirtualHost configuration:\n";
  char line[1024];
  for (const Chain& c : chains_) {
    std::string addr = shown_address(c.ip, c.port);
    const config::VirtualHost& first = vhosts[size_t(c.vhosts.front())];
    if (c.vhosts.size() == 1) {
      std::snprintf(line, sizeof line, "%-22s %s (%s)\n", addr.c_str(),
                    name(c.vhosts.front()).c_str(), first.origin.c_str());
      out += line;
      continue;
    }
    std::snprintf(line, sizeof line, "%-22s is a NameVirtualHost\n%8s default server %s (%s)\n",
                  addr.c_str(), "", name(c.vhosts.front()).c_str(), first.origin.c_str());
    out += line;
    std::string port = c.port == 0 ? "*" : std::to_string(c.port);
    for (int v : c.vhosts) {
      std::snprintf(line, sizeof line, "%8s port %s namevhost %s (%s)\n", "", port.c_str(),
                    name(v).c_str(), vhosts[size_t(v)].origin.c_str());
      out += line;
      // Apache lists the plain aliases, then the wildcard ones.
      for (bool wild : {false, true}) {
        for (const auto& a : vhosts[size_t(v)].aliases) {
          if ((a.find_first_of("*?") != std::string::npos) != wild) continue;
          std::snprintf(line, sizeof line, "%16s %salias %s\n", "", wild ? "wild " : "", a.c_str());
          out += line;
        }
      }
    }
  }
  return out;
}

}  // namespace mpmd::site
