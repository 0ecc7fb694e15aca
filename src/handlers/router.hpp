// Routes a request to the handler of the <Location> it falls in (SetHandler),
// after checking that block's Require rules; everything else goes to the
// default handler (static files).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/handler.hpp"

namespace mpmd::handlers {

class Router final : public http::Handler {
 public:
  Router(const std::vector<config::Location>& locations, http::Handler& fallback);

  // Makes `handler` answer for SetHandler `name` (not owned).
  void add(const std::string& name, http::Handler* handler);
  // Makes `handler` answer below URL `prefix` (WSGIScriptAlias) where no
  // <Location> sets a handler of its own; the longest prefix wins. Not owned.
  // With `claims`, the mount counts only for the (decoded, normalised) paths
  // it returns true for (ProxyPassMatch, ProxyPass ... !); the others go on
  // to shorter mounts, Alias and the fallback.
  void mount(const std::string& prefix, http::Handler* handler,
             std::function<bool(std::string_view)> claims = {});
  // Makes `handler` answer below URL-path `prefix` (Alias, Redirect) where no
  // mount or SetHandler does; these are tried in the order added, the first
  // that matches wins. Not owned.
  void alias(const config::AliasRule& rule, http::Handler* handler);
  // The SetHandler names used in the config that have no handler.
  std::vector<std::string> unknown_handlers() const;

  void handle(const http::Request& request, http::Response& response) override;

 private:
  struct Route {
    const config::Location* location;
    http::Handler* handler = nullptr;  // null = fallback
  };
  const config::Location* match(std::string_view path) const;
  // Whether the Require lines of `loc` let the request in; if not, fills
  // `response` with 403, 401 (a login is asked for) or 500.
  bool admitted(const config::Location& loc, const http::Request& request, std::string_view path,
                http::Response& response) const;
  // The mounted handler for `path`, else its Alias or Redirect, else the fallback.
  http::Handler& mounted_or_fallback(std::string_view path) const;

  const std::vector<config::Location>& locations_;
  http::Handler& fallback_;
  std::map<std::string, http::Handler*, std::less<>> named_;
  struct Mount {
    std::string prefix;
    http::Handler* handler;
    std::function<bool(std::string_view)> claims;  // empty: every path below prefix
  };
  std::vector<Mount> mounts_;
  std::vector<std::pair<const config::AliasRule*, http::Handler*>> aliases_;
};

// Apache's <Location> rule: "/a" matches "/a", "/a/", "/a/b" but not "/ab".
bool location_matches(std::string_view location, std::string_view path);

// Require ip: does `client` match ADDR or ADDR/BITS (IPv4 or IPv6)?
bool ip_matches(std::string_view rule, std::string_view client);

}  // namespace mpmd::handlers
