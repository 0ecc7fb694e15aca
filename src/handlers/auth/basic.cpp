#include "handlers/auth/basic.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "handlers/auth/htpasswd.hpp"
#include "util/strings.hpp"

namespace mpmd::auth {

namespace {

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

bool parse_basic(std::string_view authorization, std::string& user, std::string& password) {
  std::string_view v = util::trim_ows(authorization);
  size_t sp = v.find_first_of(" \t");
  if (sp == std::string_view::npos || !util::iequals(v.substr(0, sp), "Basic")) return false;
  std::string_view encoded = util::trim_ows(v.substr(sp + 1));
  std::string decoded;
  uint32_t bits = 0;
  int held = 0;
  for (char c : encoded) {
    int six = base64_value(c);
    if (six < 0) break;
    bits = (bits << 6) | uint32_t(six);
    held += 6;
    if (held >= 8) {
      held -= 8;
      decoded.push_back(char((bits >> held) & 0xff));
    }
  }
  size_t colon = decoded.find(':');
  user = decoded.substr(0, colon);
  password = colon == std::string::npos ? "" : decoded.substr(colon + 1);
  return true;
}

std::string challenge(const config::Auth& auth) {
  return "Basic realm=" + quoted(auth.name);
}

Decision authorize(const config::Auth& auth, std::string_view authorization,
                   std::string_view path) {
  Decision d;
  if (auth.type.empty() || util::iequals(auth.type, "None")) {
    d.verdict = Verdict::misconfigured;
    d.problem = "AuthType not set for " + std::string(path) + " (Require names users)";
    return d;
  }
  if (auth.name.empty()) {
    d.verdict = Verdict::misconfigured;
    d.problem = "AuthName not set for " + std::string(path) + " (AuthType Basic needs a realm)";
    return d;
  }
  if (auth.user_file.empty()) {
    d.verdict = Verdict::misconfigured;
    d.problem = "AuthUserFile not set for " + std::string(path);
    return d;
  }
  if (authorization.empty()) return d;  // the first request: just the challenge
  std::string user, password;
  if (!parse_basic(authorization, user, password)) {
    d.problem = "client used wrong authentication scheme: " + std::string(path);
    return d;
  }
  d.user = user;
  switch (check_password(auth.user_file, user, password)) {
    case Lookup::unreadable:
      d.verdict = Verdict::misconfigured;
      d.problem = "could not open password file " + auth.user_file;
      return d;
    case Lookup::unknown_user:
      d.problem = "user " + user + " not found: " + std::string(path);
      return d;
    case Lookup::mismatch:
      d.problem =
          "user " + user + ": authentication failure for " + quoted(path) + ": Password Mismatch";
      return d;
    case Lookup::matched:
      break;
  }
  bool admitted =
      auth.valid_user || std::find(auth.users.begin(), auth.users.end(), user) != auth.users.end();
  if (!admitted && !auth.groups.empty()) {
    std::vector<std::string> groups;
    if (auth.group_file.empty() || !groups_of(auth.group_file, user, groups)) {
      d.verdict = Verdict::misconfigured;
      d.problem = auth.group_file.empty() ? "Require group without AuthGroupFile"
                                          : "could not open group file " + auth.group_file;
      return d;
    }
    for (const std::string& g : groups) {
      if (std::find(auth.groups.begin(), auth.groups.end(), g) != auth.groups.end()) {
        admitted = true;
      }
    }
  }
  if (!admitted) {
    d.problem = "user " + user + ": authorization failure for " + quoted(path);
    return d;
  }
  d.verdict = Verdict::allowed;
  return d;
}

}  // namespace mpmd::auth
