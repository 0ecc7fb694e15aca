#include "handlers/auth/directives.hpp"

#include <vector>

#include "util/strings.hpp"

namespace mpmd::auth {

namespace {

using config::Auth;
using config::Config;
using config::DirectiveCall;

// Runs `set` on the Auth of the line's <Location> or <Directory>.
template <typename Set>
std::string on_section(Config& cfg, const DirectiveCall& c, Set set) {
  config::Location* loc = config::section_access(cfg, c, false);
  if (loc == nullptr) {
    return "not supported inside a <Directory> with wildcards (it would not be enforced); use a "
           "plain path or <Location>";
  }
  return set(loc->auth);
}

std::string set_type(Config& cfg, const DirectiveCall& c) {
  const std::string& t = c.args[0];
  if (!util::iequals(t, "Basic") && !util::iequals(t, "None")) {
    return "AuthType " + t + " is not supported (Basic or None; Digest and Form are not)";
  }
  return on_section(cfg, c, [&](Auth& a) {
    a.type = util::iequals(t, "Basic") ? "Basic" : "None";
    return std::string();
  });
}

std::string set_name(Config& cfg, const DirectiveCall& c) {
  return on_section(cfg, c, [&](Auth& a) {
    a.name = c.args[0];
    return std::string();
  });
}

std::string set_user_file(Config& cfg, const DirectiveCall& c) {
  return on_section(cfg, c, [&](Auth& a) {
    a.user_file = c.resolve(c.args[0]);
    return std::string();
  });
}

std::string set_group_file(Config& cfg, const DirectiveCall& c) {
  return on_section(cfg, c, [&](Auth& a) {
    a.group_file = c.resolve(c.args[0]);
    return std::string();
  });
}

std::string set_basic_provider(Config&, const DirectiveCall& c) {
  for (const std::string& p : c.args) {
    if (!util::iequals(p, "file")) {
      return "AuthBasicProvider " + p + " is not supported (only file: AuthUserFile)";
    }
  }
  return "";
}

constexpr unsigned kSections =
    config::kLocation | config::kDirectory | config::kVirtualHost | config::kFiles;

const std::vector<config::Directive> kDirectives = {
    {"AuthType", 1, 1, kSections, set_type,
     "AuthType Basic|None - ask for a user name and password (RFC 7617) where Require names "
     "users"},
    {"AuthName", 1, 1, kSections, set_name,
     "AuthName REALM - the realm the browser shows when it asks for a password"},
    {"AuthUserFile", 1, 1, kSections, set_user_file,
     "AuthUserFile PATH - users and password hashes as htpasswd writes them (apr1 MD5, bcrypt, "
     "SHA1, crypt); read at each login, so edits apply at once"},
    {"AuthGroupFile", 1, 1, kSections, set_group_file,
     "AuthGroupFile PATH - 'group: user user ...' lines for Require group"},
    {"AuthBasicProvider", 1, -1, kSections, set_basic_provider,
     "AuthBasicProvider file - where Basic logins are checked (file: AuthUserFile)"},
};

}  // namespace

config::DirectiveTable directives() {
  return kDirectives;
}

}  // namespace mpmd::auth
