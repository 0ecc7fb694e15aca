#include "handlers/alias.hpp"

#include "handlers/static_files/path.hpp"
#include "handlers/static_files/responses.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers {

namespace {

using config::Config;
using config::DirectiveCall;

bool is_redirect_status(int status) {
  return status >= 300 && status < 400;
}

// The status a Redirect's first argument names, or 0 when it is a URL-path.
int status_word(const std::string& arg) {
  if (util::iequals(arg, "permanent")) return 301;
  if (util::iequals(arg, "temp")) return 302;
  if (util::iequals(arg, "seeother")) return 303;
  if (util::iequals(arg, "gone")) return 410;
  auto n = util::parse_u64(arg);
  return n && *n >= 100 && *n <= 599 ? int(*n) : 0;
}

std::string origin_of(const DirectiveCall& c) {
  return c.file + ":" + std::to_string(c.line);
}

std::string add_redirect(Config& cfg, const DirectiveCall& c, int status,
                         const std::vector<std::string>& rest) {
  if (rest.empty() || rest[0].empty() || rest[0][0] != '/') {
    return "the URL-path must start with '/'";
  }
  std::string url = rest.size() > 1 ? rest[1] : "";
  if (is_redirect_status(status)) {
    if (url.empty()) return "a " + std::to_string(status) + " redirect needs a URL";
    if (url[0] != '/' && url.find("://") == std::string::npos) {
      return "'" + url + "' is not a URL (scheme://host/... or /path): Redirect to non-URL";
    }
  } else if (!url.empty()) {
    return "status " + std::to_string(status) + " is not a redirect: give no URL";
  }
  if (rest.size() > 2) return "too many arguments";
  cfg.aliases.push_back(
      config::AliasRule{.url = rest[0], .target = url, .status = status, .origin = origin_of(c)});
  return "";
}

std::string set_redirect(Config& cfg, const DirectiveCall& c) {
  int status = status_word(c.args[0]);
  if (status == 0) return add_redirect(cfg, c, 302, c.args);
  return add_redirect(cfg, c, status, {c.args.begin() + 1, c.args.end()});
}

config::Setter fixed_redirect(int status) {
  return [status](Config& cfg, const DirectiveCall& c) {
    return add_redirect(cfg, c, status, c.args);
  };
}

std::string set_alias(Config& cfg, const DirectiveCall& c) {
  if (c.args[0].empty() || c.args[0][0] != '/') return "the URL-path must start with '/'";
  cfg.aliases.push_back(config::AliasRule{
      .url = c.args[0], .target = c.resolve(c.args[1]), .status = 0, .origin = origin_of(c)});
  return "";
}

// mpmd runs no CGI: the URL-path answers 403, so that neither the scripts nor
// whatever DocumentRoot holds at that path are ever served in their place.
std::string set_script_alias(Config& cfg, const DirectiveCall& c) {
  if (c.args[0].empty() || c.args[0][0] != '/') return "the URL-path must start with '/'";
  c.warn("CGI is not supported: requests below " + c.args[0] + " get 403");
  cfg.aliases.push_back(
      config::AliasRule{.url = c.args[0], .target = "", .status = 403, .origin = origin_of(c)});
  return "";
}

}  // namespace

std::vector<config::Directive> alias_directives() {
  constexpr unsigned kSite = config::kServer | config::kVirtualHost;
  return {
      {"Alias", 2, 2, kSite, set_alias,
       "Alias URL-PATH DIRECTORY - serve URL-PATH and below from DIRECTORY (relative to "
       "ServerRoot), outside DocumentRoot; the first matching Alias wins"},
      {"Redirect", 1, 3, kSite, set_redirect,
       "Redirect [permanent|temp|seeother|gone|STATUS] URL-PATH [URL] - redirect URL-PATH and "
       "below to URL (the rest of the path and the query appended; default 302); a status "
       "that is not 3xx takes no URL"},
      {"RedirectPermanent", 2, 2, kSite, fixed_redirect(301),
       "RedirectPermanent URL-PATH URL - Redirect permanent (301)"},
      {"RedirectTemp", 2, 2, kSite, fixed_redirect(302),
       "RedirectTemp URL-PATH URL - Redirect temp (302)"},
      {"ScriptAlias", 2, 2, kSite, set_script_alias,
       "ScriptAlias URL-PATH DIRECTORY - accepted with a warning: mpmd runs no CGI, requests "
       "below URL-PATH get 403"},
  };
}

void RedirectHandler::handle(const http::Request& request, http::Response& response) {
  if (!is_redirect_status(rule_.status)) return http::error_page(response, rule_.status);
  std::string storage;
  std::string_view path;
  if (static_files::section_path(request.path, storage, path) != static_files::PathError::none) {
    return http::error_page(response, 400);
  }
  std::string location = rule_.target;
  location += static_files::encode_path(path.substr(std::min(rule_.url.size(), path.size())));
  if (!request.query.empty()) {
    location += '?';
    location += request.query;
  }
  static_files::redirect(response, location, rule_.status);
}

}  // namespace mpmd::handlers
