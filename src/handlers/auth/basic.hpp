// HTTP Basic authentication (RFC 7617) as mod_auth_basic, mod_authn_file,
// mod_authz_user and mod_authz_groupfile do it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace mpmd::auth {

// The user and password of "Basic BASE64(user:password)"; false if the field
// is another scheme. Decoded as Apache does: up to the first character that
// is not base64, and without a colon everything is the user.
bool parse_basic(std::string_view authorization, std::string& user, std::string& password);

enum class Verdict {
  allowed,        // the user logged in and Require admits them
  challenge,      // 401 with WWW-Authenticate: no, wrong or refused credentials
  misconfigured,  // 500: AuthType/AuthName/AuthUserFile missing, file unreadable
};

struct Decision {
  Verdict verdict = Verdict::challenge;
  // Who the client claimed to be (the access log's %u, even when refused);
  // unset when it sent no Basic credentials.
  std::optional<std::string> user;
  std::string problem;  // for the error log, when not allowed and worth a line
};

// Whether the request with this Authorization field ("" = none) may pass the
// Require lines of `auth` that name users (valid-user, user, group).
// `path` is the URL-path, for log lines.
Decision authorize(const config::Auth& auth, std::string_view authorization, std::string_view path);

// The WWW-Authenticate value of a challenge: Basic realm="AuthName".
std::string challenge(const config::Auth& auth);

}  // namespace mpmd::auth
