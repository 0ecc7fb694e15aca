#include "handlers/router.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "handlers/static_files/path.hpp"
#include "http/error_page.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers {

bool location_matches(std::string_view location, std::string_view path) {
  if (path.size() < location.size() || path.compare(0, location.size(), location) != 0) {
    return false;
  }
  return path.size() == location.size() || location.ends_with('/') || path[location.size()] == '/';
}

namespace {

// Parses an IPv4 or IPv6 address into 16 bytes (IPv4 as IPv4-mapped IPv6).
bool parse_ip(std::string_view text, unsigned char out[16], bool& v4) {
  std::string s(text);
  unsigned char v4buf[4];
  if (inet_pton(AF_INET, s.c_str(), v4buf) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, v4buf, 4);
    v4 = true;
    return true;
  }
  v4 = false;
  return inet_pton(AF_INET6, s.c_str(), out) == 1;
}

}  // namespace

bool ip_matches(std::string_view rule, std::string_view client) {
  size_t slash = rule.find('/');
  std::string_view addr = rule.substr(0, slash);
  unsigned char want[16], have[16];
  bool want_v4 = false, have_v4 = false;
  if (!parse_ip(addr, want, want_v4) || !parse_ip(client, have, have_v4)) return false;
  uint64_t bits = want_v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    auto b = util::parse_u64(rule.substr(slash + 1));
    if (!b || *b > bits) return false;
    bits = *b;
  }
  if (want_v4) bits += 96;  // compare within the mapped form
  for (size_t i = 0; i < 16 && bits > 0; ++i) {
    unsigned take = bits >= 8 ? 8 : unsigned(bits);
    unsigned char mask = (unsigned char)(0xff << (8 - take));
    if ((want[i] & mask) != (have[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

Router::Router(const std::vector<config::Location>& locations, http::Handler& fallback)
    : locations_(locations), fallback_(fallback) {}

void Router::add(const std::string& name, http::Handler* handler) {
  named_[name] = handler;
}

void Router::mount(const std::string& prefix, http::Handler* handler) {
  mounts_.emplace_back(prefix, handler);
}

http::Handler& Router::mounted_or_fallback(std::string_view path) const {
  const std::pair<std::string, http::Handler*>* best = nullptr;
  for (const auto& m : mounts_) {
    if ((m.first == "/" || location_matches(m.first, path)) &&
        (!best || m.first.size() > best->first.size())) {
      best = &m;
    }
  }
  if (best) return *best->second;
  for (const auto& a : aliases_) {
    if (location_matches(a.first, path)) return *a.second;
  }
  return fallback_;
}

void Router::alias(const std::string& prefix, http::Handler* handler) {
  aliases_.emplace_back(prefix, handler);
}

std::vector<std::string> Router::unknown_handlers() const {
  std::vector<std::string> out;
  for (const auto& loc : locations_) {
    if (!loc.handler.empty() && loc.handler != "default-handler" && loc.handler != "none" &&
        !named_.count(loc.handler)) {
      out.push_back(loc.handler);
    }
  }
  return out;
}

const config::Location* Router::match(std::string_view path) const {
  // Later blocks win, as Apache merges <Location> sections in file order.
  for (auto it = locations_.rbegin(); it != locations_.rend(); ++it) {
    if (location_matches(it->path, path)) return &*it;
  }
  return nullptr;
}

void Router::handle(const http::Request& request, http::Response& response) {
  // Sections and mounts match the decoded, normalised path, as Apache's match
  // r->uri: /x/../private and /%70rivate fall in <Location /private> too. A
  // path that cannot be cleaned gets its error here, whatever the handler.
  std::string storage;
  std::string_view path;
  if (auto e = static_files::section_path(request.path, storage, path);
      e != static_files::PathError::none) {
    http::error_page(response, e == static_files::PathError::bad_request ? 400 : 404);
    return;
  }
  const config::Location* loc = locations_.empty() ? nullptr : match(path);
  if (!loc) {
    mounted_or_fallback(path).handle(request, response);
    return;
  }
  bool allowed = true;
  switch (loc->access) {
    case config::Access::denied:
      allowed = false;
      break;
    case config::Access::ip_list:
      allowed = false;
      for (const auto& rule : loc->require_ip) {
        if (request.peer && ip_matches(rule, request.peer->address)) allowed = true;
      }
      break;
    case config::Access::unset:
    case config::Access::granted:
      break;
  }
  if (!allowed) {
    response.status = 403;
    response.set_header("Content-Type", "text/html; charset=iso-8859-1");
    response.body.append(
        "<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body>\n"
        "<h1>Forbidden</h1>\n<p>You don't have permission to access this resource.</p>\n"
        "</body></html>\n");
    return;
  }
  auto named = named_.find(loc->handler);
  if (named != named_.end() && named->second) {
    named->second->handle(request, response);
  } else {
    mounted_or_fallback(path).handle(request, response);
  }
}

}  // namespace mpmd::handlers
