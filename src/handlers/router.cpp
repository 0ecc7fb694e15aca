#include "handlers/router.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "handlers/auth/basic.hpp"
#include "handlers/static_files/path.hpp"
#include "http/error_page.hpp"
#include "util/error_log.hpp"
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

void Router::mount(const std::string& prefix, http::Handler* handler,
                   std::function<bool(std::string_view)> claims) {
  mounts_.push_back({prefix, handler, std::move(claims)});
}

http::Handler& Router::mounted_or_fallback(std::string_view path) const {
  const Mount* best = nullptr;
  for (const Mount& m : mounts_) {
    if ((m.prefix == "/" || location_matches(m.prefix, path)) &&
        (!best || m.prefix.size() > best->prefix.size()) && (!m.claims || m.claims(path))) {
      best = &m;
    }
  }
  if (best) return *best->handler;
  for (const auto& [rule, handler] : aliases_) {
    if (rule->regex ? rule->regex->search(path) : location_matches(rule->url, path)) {
      return *handler;
    }
  }
  return fallback_;
}

void Router::alias(const config::AliasRule& rule, http::Handler* handler) {
  aliases_.emplace_back(&rule, handler);
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
    if (!location_matches(it->path, path)) continue;
    if (it->files && !it->files->matches(path.substr(path.rfind('/') + 1))) continue;
    return &*it;
  }
  return nullptr;
}

bool Router::admitted(const config::Location& loc, const http::Request& request,
                      std::string_view path, http::Response& response) const {
  // The Require lines of a section: any one that grants admits (Apache's
  // implicit <RequireAny>); those naming users are tried last, as they may
  // need a login.
  bool granted = false;
  switch (loc.access) {
    case config::Access::granted:
      granted = true;
      break;
    case config::Access::ip_list:
      for (const auto& rule : loc.require_ip) {
        if (request.peer && ip_matches(rule, request.peer->address)) granted = true;
      }
      break;
    case config::Access::unset:
      granted = !loc.auth.requires_login();
      break;
    case config::Access::denied:
      break;
  }
  if (granted) return true;
  if (!loc.auth.requires_login()) {
    http::error_page(response, 403);
    return false;
  }
  auth::Decision d = auth::authorize(loc.auth, request.headers.get("Authorization"), path);
  if (d.user) response.remote_user = std::move(*d.user);
  switch (d.verdict) {
    case auth::Verdict::allowed:
      return true;
    case auth::Verdict::challenge:
      if (!d.problem.empty()) log::emit(log::LogLevel::error, log::ids::kAuthFailed, d.problem);
      http::error_page(response, 401);
      response.add_header("WWW-Authenticate", auth::challenge(loc.auth));
      return false;
    case auth::Verdict::misconfigured:
      log::emit(log::LogLevel::error, log::ids::kAuthMisconfigured, d.problem);
      http::error_page(response, 500);
      return false;
  }
  return false;
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
  if (!admitted(*loc, request, path, response)) return;
  auto named = named_.find(loc->handler);
  if (named != named_.end() && named->second) {
    named->second->handle(request, response);
  } else {
    mounted_or_fallback(path).handle(request, response);
  }
}

}  // namespace mpmd::handlers
