#include "handlers/alias.hpp"

#include "handlers/static_files/path.hpp"
#include "handlers/static_files/responses.hpp"
#include "handlers/static_files/static_files.hpp"
#include "util/regex.hpp"
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

// The rule for `url` (a URL-path, or a pattern for the *Match rows) with its
// regex compiled; "" or an error.
std::string make_rule(const DirectiveCall& c, bool regex, const std::string& url,
                      config::AliasRule& rule) {
  rule.url = url;
  rule.origin = origin_of(c);
  if (!regex) return url.empty() || url[0] != '/' ? "the URL-path must start with '/'" : "";
  auto re = util::Regex::compile(url);
  if (!re) return re.error().message;
  rule.regex = std::move(*re);
  return "";
}

std::string add_redirect(Config& cfg, const DirectiveCall& c, int status,
                         const std::vector<std::string>& rest, bool regex = false) {
  if (rest.empty()) return "a URL-path is needed";
  config::AliasRule rule;
  if (std::string e = make_rule(c, regex, rest[0], rule); !e.empty()) return e;
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
  rule.target = url;
  rule.status = status;
  cfg.aliases.push_back(std::move(rule));
  return "";
}

std::string set_redirect(Config& cfg, const DirectiveCall& c) {
  int status = status_word(c.args[0]);
  if (status == 0) return add_redirect(cfg, c, 302, c.args);
  return add_redirect(cfg, c, status, {c.args.begin() + 1, c.args.end()});
}

// RedirectMatch [STATUS] REGEX [URL]: a status word first only when three
// arguments are given or it is not a URL-ish pattern (Apache's rule: the
// first argument is a status if it names one).
std::string set_redirect_match(Config& cfg, const DirectiveCall& c) {
  int status = c.args.size() > 1 ? status_word(c.args[0]) : 0;
  if (status == 0) return add_redirect(cfg, c, 302, c.args, true);
  return add_redirect(cfg, c, status, {c.args.begin() + 1, c.args.end()}, true);
}

config::Setter fixed_redirect(int status) {
  return [status](Config& cfg, const DirectiveCall& c) {
    return add_redirect(cfg, c, status, c.args);
  };
}

config::Setter alias_setter(bool regex) {
  return [regex](Config& cfg, const DirectiveCall& c) -> std::string {
    config::AliasRule rule;
    if (std::string e = make_rule(c, regex, c.args[0], rule); !e.empty()) return e;
    rule.target = c.resolve(c.args[1]);
    if (regex && alias_match_root(rule.target).empty()) {
      return "the path must start with a directory before any $N (AliasMatch ^/x/(.*) "
             "/srv/x/$1)";
    }
    cfg.aliases.push_back(std::move(rule));
    return std::string();
  };
}

// mpmd runs no CGI: the URL-path answers 403, so that neither the scripts nor
// whatever DocumentRoot holds at that path are ever served in their place.
config::Setter script_alias_setter(bool regex) {
  return [regex](Config& cfg, const DirectiveCall& c) -> std::string {
    config::AliasRule rule;
    if (std::string e = make_rule(c, regex, c.args[0], rule); !e.empty()) return e;
    c.warn("CGI is not supported: requests " + std::string(regex ? "matching " : "below ") +
           c.args[0] + " get 403");
    rule.status = 403;
    cfg.aliases.push_back(std::move(rule));
    return std::string();
  };
}

}  // namespace

std::vector<config::Directive> alias_directives() {
  constexpr unsigned kSite = config::kServer | config::kVirtualHost;
  return {
      {"AliasMatch", 2, 2, kSite, alias_setter(true),
       "AliasMatch REGEX PATH - serve the URL-paths REGEX matches from PATH with $1..$9 "
       "replaced by its groups (PCRE2, as Apache's); PATH must start with a directory"},
      {"RedirectMatch", 1, 3, kSite, set_redirect_match,
       "RedirectMatch [STATUS] REGEX [URL] - redirect the URL-paths REGEX matches to URL with "
       "$1..$9 replaced (default 302); the query is appended unless URL has its own"},
      {"ScriptAliasMatch", 2, 2, kSite, script_alias_setter(true),
       "ScriptAliasMatch REGEX DIRECTORY - accepted with a warning: mpmd runs no CGI, matching "
       "requests get 403"},
      {"Alias", 2, 2, kSite, alias_setter(false),
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
      {"ScriptAlias", 2, 2, kSite, script_alias_setter(false),
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
  std::string location;
  if (rule_.regex) {
    std::vector<std::string_view> groups;
    if (!rule_.regex->match(path, groups)) return http::error_page(response, 404);
    // The groups are decoded: as Apache, controls and spaces are encoded
    // again (so that no request can put a line break into Location), the
    // rest is left as decoded ("%3F" gives "?").
    for (char c : util::substitute(rule_.target, groups)) {
      auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f) {
        static constexpr char kHex[] = "0123456789abcdef";
        location += '%';
        location += kHex[u >> 4];
        location += kHex[u & 15];
      } else {
        location += c;
      }
    }
  } else {
    location = rule_.target;
    location += static_files::encode_path(path.substr(std::min(rule_.url.size(), path.size())));
  }
  // Apache appends the request's query only when the target has none.
  if (!request.query.empty() && location.find('?') == std::string::npos) {
    location += '?';
    location += request.query;
  }
  static_files::redirect(response, location, rule_.status);
}

std::string alias_match_root(std::string_view target) {
  std::string_view fixed = target.substr(0, target.find_first_of("$&\\"));
  size_t slash = fixed.rfind('/');
  if (slash == std::string_view::npos || fixed.empty() || fixed[0] != '/') return "";
  return std::string(fixed.substr(0, slash + 1));
}

void AliasMatchHandler::handle(const http::Request& request, http::Response& response) {
  std::string storage;
  std::string_view path;
  if (static_files::section_path(request.path, storage, path) != static_files::PathError::none) {
    return http::error_page(response, 400);
  }
  std::vector<std::string_view> groups;
  if (!rule_.regex || !rule_.regex->match(path, groups)) return http::error_page(response, 404);
  std::string file = util::substitute(rule_.target, groups);
  // The file, relative to the rule's directory: static files open it beneath
  // that directory, so no group can lead outside it.
  if (file.compare(0, root_.size(), root_) != 0) return http::error_page(response, 404);
  files_.handle_at(request, response, "/" + file.substr(root_.size()));
}

}  // namespace mpmd::handlers
