// The rule engine: one ruleset applied to one request, as mod_rewrite's
// apply_rewrite_list. Pure: what it reads of the request comes in Facts, the
// file system through a callback; the answer is an Outcome the site acts on
// (a new URL-path or file, a redirect, a status). Unit tests drive it with
// tables (tests/unit/rewrite).
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rewrite/rules.hpp"

namespace mpmd::rewrite {

struct FileInfo {
  bool exists = false;
  bool regular = false;
  bool directory = false;
  bool link = false;  // the path itself is a symbolic link (lstat)
  bool executable = false;
  uint64_t size = 0;
};
using FileTest = std::function<FileInfo(const std::string& path)>;

// What conditions and substitutions can read of the request.
struct Facts {
  std::string_view method = "GET";
  std::string_view uri = "/";  // REQUEST_URI: the decoded, normalised URL-path
  std::string_view query;      // QUERY_STRING as received (no '?')
  std::string_view the_request;
  std::string_view target;  // the request-target as received (a %3f in it: see UnsafeAllow3F)
  uint16_t local_port = 0;  // the port the connection came in on (a URL of this server names it)
  std::string_view protocol = "HTTP/1.1";
  std::string_view server_name;  // the Host header's name, else ServerName
  uint16_t server_port = 80;     // the Host header's port, else the connection's
  std::string_view server_addr;
  bool https = false;
  std::string_view remote_addr;
  uint16_t remote_port = 0;
  std::string_view document_root;
  std::string_view server_admin;
  std::function<std::string_view(std::string_view)> header;  // request header by name
  const std::map<std::string, std::string>* env = nullptr;   // %{ENV:x} not set by E=
  std::time_t now = 0;
};

// A per-directory context (<Directory>): the prefix stripped from the file
// name before matching and put back in front of relative substitutions.
struct PerDir {
  std::string prefix;  // the directory, with a trailing '/'
};

struct Outcome {
  enum class Kind {
    unchanged,  // no rule rewrote (rules may still have set env or cookies)
    rewritten,  // `value` is the new URL-path or file name (per-dir: the file name)
    redirect,   // `value` is the Location (escaped, query appended)
    status,     // answer `status` (F, G, R=4xx, a loop over N's limit)
  };
  Kind kind = Kind::unchanged;
  int status = 0;                    // redirect: 301..399; status: the status
  std::string value;                 // see Kind
  std::optional<std::string> query;  // rewritten: the query string (nullopt = none)
  bool passthrough = false;          // PT: the URL-path goes through the URL mapping again
  bool end = false;                  // END: no more rewriting for this request
  bool noescape = false;             // NE on the rule that rewrote
  std::vector<std::pair<std::string, std::string>> env;  // E= in order ("\0" value: unset)
  std::string type;                                      // T=
  std::vector<std::string> set_cookies;                  // CO=, as Set-Cookie values
  std::string error;                                     // why a 500 (for the log)
};

// Applies `rules` (its RewriteEngine must be On) to the URL-path in `facts`
// (per-server context), or with `dir` to the file name `filename`
// (per-directory context).
Outcome apply(const Ruleset& rules, const Facts& facts, const FileTest& files,
              const PerDir* dir = nullptr, std::string_view filename = {});

// Percent-encodes as Apache's ap_escape_uri: everything but alphanumerics and
// $-_.+!*'(),:;@&=/~ (lower-case hex, as Apache writes it).
std::string escape_uri(std::string_view s);
// "scheme://host" prefix length if `s` is an absolute URL mod_rewrite
// recognises (http, https, ftp, ...), else 0.
size_t absolute_url_prefix(std::string_view s);

}  // namespace mpmd::rewrite
