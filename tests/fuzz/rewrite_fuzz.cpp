// libFuzzer target: the mod_rewrite rule parser (parse_condition, parse_rule:
// flags, PCRE2 patterns), the .htaccess parser (parse_htaccess) and the engine
// (rewrite::apply) on a request.
//
// Input layout: byte 0: bit 0 per-directory context, bit 1 the rules are an
// .htaccess file (bits 2-6: its AllowOverride classes); then directive lines
// ("RewriteCond A B [F]", "RewriteRule A B [F]", words split at spaces), an
// empty line, the URL-path, optionally "?query".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "rewrite/engine.hpp"
#include "rewrite/htaccess.hpp"

namespace {

using namespace mpmd;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "rewrite invariant violated: %s\n", what);
    std::abort();
  }
}

rewrite::FileInfo fake_files(const std::string& path) {
  rewrite::FileInfo fi;
  if (path.size() % 3 == 0) fi.exists = fi.regular = true;
  if (path.size() % 5 == 0) fi.exists = fi.directory = true;
  fi.size = path.size();
  return fi;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t split = text.find("\n\n");
  std::string rules_text = text.substr(0, split);
  std::string request = split == std::string::npos ? "/" : text.substr(split + 2);
  rewrite::Ruleset rules;
  if ((data[0] & 2) != 0) {
    rewrite::Htaccess h = rewrite::parse_htaccess(rules_text, "/f/.htaccess", data[0] >> 2);
    check(h.error.empty() || h.error.starts_with("/f/.htaccess"), "errors name the file");
    check(!(h.rules && !h.error.empty()), "rules or an error, not both");
    if (!h.rules) return 0;
    rules = *h.rules;
    rules.engine = 1;
  } else {
    rules = rewrite::ruleset_from_text(rules_text);
  }
  if (rules.rules.size() > 16) return 0;
  for (auto& r : rules.rules) {
    if (r.next) r.next_limit = std::min(r.next_limit == 0 ? 50 : r.next_limit, 50);
  }
  size_t q = request.find('?');
  std::string uri = request.substr(0, q);
  std::string query = q == std::string::npos ? "" : request.substr(q + 1);
  if (uri.empty() || uri[0] != '/') uri = "/" + uri;
  rewrite::Facts f;
  f.uri = uri;
  f.query = query;
  f.server_name = "example.com";
  f.document_root = "/srv/www";
  f.header = [](std::string_view name) -> std::string_view {
    return name == "Host" ? "example.com" : "x";
  };
  rewrite::PerDir dir{"/srv/www/d/"};
  bool per_dir = (data[0] & 1) != 0;
  std::string filename = "/srv/www/d" + uri;
  rewrite::Outcome o = rewrite::apply(rules, f, fake_files, per_dir ? &dir : nullptr, filename);
  if (o.kind == rewrite::Outcome::Kind::redirect) {
    check(o.status >= 300 && o.status < 400, "a redirect has a 3xx status");
    if (!o.noescape) {
      // Escaped from the path to the query (the authority is as written, as
      // in Apache, and so is a query the rules left as received; the site
      // refuses a Location with control characters).
      size_t path = o.value.find('/', rewrite::absolute_url_prefix(o.value));
      size_t end = std::min(o.value.find('?'), o.value.size());
      for (size_t i = path; i < end; ++i) {
        auto c = static_cast<unsigned char>(o.value[i]);
        check(c > 0x20 && c < 0x7f, "an escaped Location path is clean");
      }
    }
  }
  if (o.kind == rewrite::Outcome::Kind::status) check(o.status >= 400, "status is an error");
  return 0;
}
