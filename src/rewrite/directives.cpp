#include "rewrite/directives.hpp"

#include <memory>

#include "rewrite/rules.hpp"
#include "util/strings.hpp"

namespace mpmd::rewrite {

namespace {

using config::Config;
using config::DirectiveCall;

Settings& settings(Config& cfg) {
  if (!cfg.rewrite) cfg.rewrite = std::make_shared<Settings>();
  return *cfg.rewrite;
}

Ruleset& context(Config& cfg, const DirectiveCall& c) {
  return settings(cfg).context(c.virtual_host, c.directory);
}

std::string origin(const DirectiveCall& c) {
  return c.file + ":" + std::to_string(c.line);
}

std::string set_engine(Config& cfg, const DirectiveCall& c) {
  bool on = false;
  if (std::string e = config::parse_flag(c.args[0], on); !e.empty()) return e;
  context(cfg, c).engine = on ? 1 : 0;
  return "";
}

std::string set_options(Config& cfg, const DirectiveCall& c) {
  Ruleset& r = context(cfg, c);
  for (const std::string& o : c.args) {
    if (util::iequals(o, "Inherit")) {
      r.inherit = true;
    } else if (util::iequals(o, "AllowNoSlash") || util::iequals(o, "AllowAnyURI") ||
               util::iequals(o, "IgnoreContextInfo")) {
      // Nothing to change: mpmd never hands rules a URL-path without its '/'.
    } else {
      return "option '" + o + "' is not supported by mpmd (supported: Inherit)";
    }
  }
  return "";
}

std::string set_base(Config& cfg, const DirectiveCall& c) {
  if (c.directory.empty()) return "only valid in <Directory> context (a per-directory setting)";
  if (!c.args[0].starts_with('/')) return "the base must be a URL-path starting with '/'";
  context(cfg, c).base = c.args[0];
  return "";
}

std::string set_condition(Config& cfg, const DirectiveCall& c) {
  return add_condition(context(cfg, c), c.args, origin(c));
}

std::string set_rule(Config& cfg, const DirectiveCall& c) {
  return add_rule(context(cfg, c), c.args, origin(c));
}

std::string refuse_map(Config&, const DirectiveCall&) {
  return "RewriteMap is not supported by mpmd (no txt:, rnd:, dbm:, int:, prg: or dbd: maps); "
         "write the mapping as RewriteRule lines";
}

std::string set_recursion(Config& cfg, const DirectiveCall& c) {
  int n = 0;
  if (std::string e = config::parse_int(c.args[0], 1, 1000, n); !e.empty()) return e;
  settings(cfg).limit_internal_recursion = n;
  return "";
}

}  // namespace

std::vector<config::Directive> directives() {
  constexpr unsigned kAny = config::kServer | config::kVhostAware | config::kDirectory;
  return {
      {"RewriteEngine", 1, 1, kAny, set_engine,
       "RewriteEngine On|Off - mod_rewrite in this context (server, <VirtualHost>, "
       "<Directory>); a <VirtualHost> takes the server's rules only with RewriteOptions Inherit"},
      {"RewriteOptions", 1, -1, kAny, set_options,
       "RewriteOptions Inherit - run the enclosing context's rules after this one's"},
      {"RewriteBase", 1, 1, kAny, set_base,
       "RewriteBase URL-PATH - in <Directory>: the URL-path that replaces the directory in "
       "relative substitutions"},
      {"RewriteCond", 2, 3, kAny, set_condition,
       "RewriteCond TestString CondPattern [NC,OR] - a condition of the next RewriteRule: "
       "regex, !, =, <, >, -f, -d, -s, -l, -F; %{VAR}, $N, %N expanded"},
      {"RewriteRule", 2, 3, kAny, set_rule,
       "RewriteRule Pattern Substitution [flags] - PCRE2 pattern on the URL-path (per "
       "directory: relative to it); flags L END R[=code] NE QSA QSD QSL NC F G PT S=n C "
       "E=var:val T=type CO= N B"},
      {"RewriteMap", 2, 3, kAny, refuse_map,
       "RewriteMap - not supported: a configuration error naming it"},
      {"LimitInternalRecursion", 1, 2, config::kServer, set_recursion,
       "LimitInternalRecursion N [N] - internal redirects (per-directory rewrites) a request may "
       "make before a 500 (default 10)"},
  };
}

}  // namespace mpmd::rewrite
