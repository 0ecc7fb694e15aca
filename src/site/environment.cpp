#include "site/environment.hpp"

#include <cstdlib>

#include "util/strings.hpp"

namespace mpmd::site {

namespace {

using config::Config;
using config::DirectiveCall;
using config::EnvRule;
using Env = std::vector<std::pair<std::string, std::string>>;

void set(Env& env, std::string_view name, std::string value) {
  for (auto& [k, v] : env) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  env.emplace_back(std::string(name), std::move(value));
}

void unset(Env& env, std::string_view name) {
  std::erase_if(env, [&](const auto& kv) { return kv.first == name; });
}

// The value SetEnvIf tests: one of Apache's special attributes, else the
// request header of that name, else a variable an earlier rule set.
bool attribute(const http::Request& r, const Env& env, std::string_view name, std::string& out) {
  if (util::iequals(name, "Remote_Addr") || util::iequals(name, "Remote_Host")) {
    out = r.peer ? r.peer->address : "";  // HostnameLookups Off: the address
    return true;
  }
  if (util::iequals(name, "Server_Addr")) {
    out = r.peer ? r.peer->local_address : "";
    return true;
  }
  if (util::iequals(name, "Request_Method")) {
    out = std::string(r.method_text);
    return true;
  }
  if (util::iequals(name, "Request_Protocol")) {
    out = r.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1";
    return true;
  }
  if (util::iequals(name, "Request_URI")) {
    out = std::string(r.path);  // as received, before decoding (post-read-request)
    return true;
  }
  for (const http::Header& h : r.headers.fields()) {
    if (util::iequals(h.name, name)) {
      out = std::string(h.value);
      return true;
    }
  }
  for (const auto& [k, v] : env) {
    if (k == name) {
      out = v;
      return true;
    }
  }
  return false;
}

std::string set_env_if(Config& cfg, const DirectiveCall& c, std::string attr, bool nocase,
                       size_t first_assignment) {
  EnvRule rule;
  rule.attribute = std::move(attr);
  const std::string& pattern = c.args[first_assignment - 1];
  auto re = util::Regex::compile(pattern, nocase);
  if (!re) return re.error().message;
  rule.regex = std::move(*re);
  for (size_t i = first_assignment; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    if (a.empty() || a == "!" || a.starts_with('=')) return "'" + a + "' is not [!]VAR[=VALUE]";
    rule.assignments.push_back(a);
  }
  if (rule.assignments.empty()) return "no variable to set";
  cfg.env_rules.push_back(std::move(rule));
  return "";
}

config::Setter setenvif(bool nocase) {
  return [nocase](Config& cfg, const DirectiveCall& c) {
    if (c.args.size() < 3) return std::string("usage: SetEnvIf ATTRIBUTE REGEX [!]VAR[=VALUE]...");
    return set_env_if(cfg, c, c.args[0], nocase, 2);
  };
}

config::Setter browsermatch(bool nocase) {
  return [nocase](Config& cfg, const DirectiveCall& c) {
    if (c.args.size() < 2) return std::string("usage: BrowserMatch REGEX [!]VAR[=VALUE]...");
    return set_env_if(cfg, c, "User-Agent", nocase, 1);
  };
}

std::string set_env(Config& cfg, const DirectiveCall& c) {
  cfg.env_rules.push_back(EnvRule{.kind = EnvRule::Kind::set,
                                  .assignments = {c.args[0]},
                                  .value = c.args.size() > 1 ? c.args[1] : ""});
  return "";
}

std::string unset_env(Config& cfg, const DirectiveCall& c) {
  cfg.env_rules.push_back(EnvRule{.kind = EnvRule::Kind::unset, .assignments = c.args});
  return "";
}

// PassEnv: the value mpmd itself was started with, read now.
std::string pass_env(Config& cfg, const DirectiveCall& c) {
  for (const std::string& name : c.args) {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) {
      c.warn("PassEnv variable " + name + " is not set in mpmd's environment");
      continue;
    }
    cfg.env_rules.push_back(EnvRule{.kind = EnvRule::Kind::set, .assignments = {name}, .value = v});
  }
  return "";
}

constexpr unsigned kWhere = config::kServer | config::kVirtualHost | config::kDirectory;

const std::vector<config::Directive> kDirectives = {
    {"SetEnvIf", 3, -1, kWhere, setenvif(false),
     "SetEnvIf ATTRIBUTE REGEX [!]VAR[=VALUE]... - set (or !unset) variables when ATTRIBUTE "
     "(Remote_Addr, Server_Addr, Request_Method, Request_Protocol, Request_URI, a request "
     "header, or a variable set before) matches REGEX; VALUE may use $1..$9"},
    {"SetEnvIfNoCase", 3, -1, kWhere, setenvif(true),
     "SetEnvIfNoCase ATTRIBUTE REGEX [!]VAR[=VALUE]... - SetEnvIf, ignoring case"},
    {"BrowserMatch", 2, -1, kWhere, browsermatch(false),
     "BrowserMatch REGEX [!]VAR[=VALUE]... - SetEnvIf User-Agent REGEX ..."},
    {"BrowserMatchNoCase", 2, -1, kWhere, browsermatch(true),
     "BrowserMatchNoCase REGEX [!]VAR[=VALUE]... - BrowserMatch, ignoring case"},
    {"SetEnv", 1, 2, kWhere, set_env,
     "SetEnv VAR [VALUE] - set VAR for every request, unless a SetEnvIf rule set it"},
    {"UnsetEnv", 1, -1, kWhere, unset_env,
     "UnsetEnv VAR... - take back what SetEnv or PassEnv set before (not SetEnvIf's)"},
    {"PassEnv", 1, -1, kWhere, pass_env,
     "PassEnv VAR... - give requests the value mpmd was started with"},
};

}  // namespace

config::DirectiveTable environment_directives() {
  return kDirectives;
}

void apply_environment(const std::vector<EnvRule>& rules, const http::Request& request, Env& env) {
  std::string value;
  std::vector<std::string_view> groups;
  for (const EnvRule& rule : rules) {
    if (rule.kind != EnvRule::Kind::set_if) continue;
    if (!attribute(request, env, rule.attribute, value)) continue;
    if (!rule.regex || !rule.regex->match(value, groups)) continue;
    for (const std::string& a : rule.assignments) {
      if (a.starts_with('!')) {
        unset(env, std::string_view(a).substr(1));
        continue;
      }
      size_t eq = a.find('=');
      if (eq == std::string::npos) {
        set(env, a, "1");
      } else {
        set(env, std::string_view(a).substr(0, eq),
            util::substitute(std::string_view(a).substr(eq + 1), groups));
      }
    }
  }
  // mod_env's table: SetEnv and PassEnv, less what UnsetEnv names after
  // them; added under the variables SetEnvIf set, which keep their values
  // (Apache overlays the two tables, the request's first).
  Env fixed;
  for (const EnvRule& rule : rules) {
    if (rule.kind == EnvRule::Kind::set) set(fixed, rule.assignments[0], rule.value);
    if (rule.kind == EnvRule::Kind::unset) {
      for (const std::string& name : rule.assignments) unset(fixed, name);
    }
  }
  for (auto& [name, value] : fixed) {
    bool taken = false;
    for (const auto& kv : env) taken |= kv.first == name;
    if (!taken) env.emplace_back(std::move(name), std::move(value));
  }
}

}  // namespace mpmd::site
