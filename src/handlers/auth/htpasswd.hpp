// Password files as Apache's htpasswd writes them ("user:hash" lines) and
// group files as mod_authz_groupfile reads them ("group: user user ...").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mpmd::auth {

// Whether `password` matches `hash`, in any format htpasswd writes:
// "$apr1$" (Apache's MD5, htpasswd -m, the default), "$2y$" bcrypt (-B),
// "{SHA}" (-s), and crypt(3)'s ("$5$", "$6$", DES) through libcrypt.
// Plain text is not accepted (Apache accepts it only on Windows and Netware).
bool password_matches(std::string_view password, std::string_view hash);

// Apache's MD5 ("$apr1$SALT$...") of `password` with `salt` (up to 8
// characters are used), for tests and for password_matches.
std::string apr1_md5(std::string_view password, std::string_view salt);

enum class Lookup { matched, mismatch, unknown_user, unreadable };

// Looks `user` up in the htpasswd file at `path` (read on every call, as
// Apache does, so edits apply at once) and checks `password`.
Lookup check_password(const std::string& path, std::string_view user, std::string_view password);

// The groups `user` belongs to in the group file at `path`; false if the file
// cannot be read.
bool groups_of(const std::string& path, std::string_view user, std::vector<std::string>& out);

}  // namespace mpmd::auth
