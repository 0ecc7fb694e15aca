#include "rewrite/engine.hpp"

#include <gtest/gtest.h>

namespace mpmd::rewrite {
namespace {

// Rules written as in a configuration file, one directive a line (no quotes).
Ruleset ruleset(const std::string& text) {
  std::vector<std::string> errors;
  Ruleset r = ruleset_from_text(text, &errors);
  EXPECT_EQ(errors, std::vector<std::string>{}) << text;
  return r;
}

FileInfo fake_files(const std::string& path) {
  FileInfo fi;
  if (path == "/srv/www/exists.html" || path == "/srv/www/index.php") {
    fi.exists = fi.regular = true;
    fi.size = 10;
  } else if (path == "/srv/www/empty.txt") {
    fi.exists = fi.regular = true;
  } else if (path == "/srv/www/dir" || path == "/srv/www") {
    fi.exists = fi.directory = true;
  }
  return fi;
}

std::string describe(const Outcome& o) {
  switch (o.kind) {
    case Outcome::Kind::unchanged:
      return "unchanged";
    case Outcome::Kind::status:
      return "status " + std::to_string(o.status);
    case Outcome::Kind::redirect:
      return "redirect " + std::to_string(o.status) + " " + o.value;
    case Outcome::Kind::rewritten:
      return std::string(o.passthrough ? "pt " : "") + o.value + (o.query ? "?" + *o.query : "");
  }
  return "";
}

struct Row {
  const char* rules;
  const char* uri;
  const char* query;
  const char* expected;
};

std::string run(const Row& row, const char* host = "example.com", uint16_t port = 80) {
  Ruleset r = ruleset(row.rules);
  std::map<std::string, std::string> env;
  Facts f;
  f.uri = row.uri;
  f.query = row.query;
  f.server_name = host;
  f.server_port = port;
  f.local_port = port;
  f.document_root = "/srv/www";
  f.the_request = "GET / HTTP/1.1";
  f.remote_addr = "127.0.0.1";
  f.header = [](std::string_view name) -> std::string_view {
    if (name == "Host") return "example.com";
    if (name == "User-Agent") return "curl/8";
    if (name == "X-Test") return "yes";
    return {};
  };
  f.env = &env;
  return describe(apply(r, f, fake_files));
}

TEST(RewriteEngine, Table) {
  const Row rows[] = {
      {"RewriteRule ^/old$ /new", "/old", "", "/new"},
      {"RewriteRule ^/old$ /new", "/other", "", "unchanged"},
      {"RewriteRule ^/a/(.*)$ /b/$1", "/a/x/y", "", "/b/x/y"},
      {"RewriteRule ^/a/(.*)$ /b/$1", "/a/x", "k=v", "/b/x?k=v"},
      {"RewriteRule ^/a$ /b?x=1", "/a", "k=v", "/b?x=1"},
      {"RewriteRule ^/a$ /b?x=1 [QSA]", "/a", "k=v", "/b?x=1&k=v"},
      {"RewriteRule ^/a$ /b?x=1 [QSA]", "/a", "", "/b?x=1"},
      {"RewriteRule ^/a$ /b [QSD]", "/a", "k=v", "/b"},
      {"RewriteRule ^/a$ /b? ", "/a", "k=v", "/b"},
      {"RewriteRule ^/a$ /b?x?y [QSL]", "/a", "", "/b?x?y"},
      {"RewriteRule ^/a$ /b?x?y", "/a", "", "/b?x?y"},
      {"RewriteRule ^/A$ /b [NC]", "/a", "", "/b"},
      {"RewriteRule ^/A$ /b", "/a", "", "unchanged"},
      {"RewriteRule !^/keep /other", "/x", "", "/other"},
      {"RewriteRule !^/keep /other", "/keep", "", "unchanged"},
      {"RewriteRule ^/f$ - [F]", "/f", "", "status 403"},
      {"RewriteRule ^/g$ - [G]", "/g", "", "status 410"},
      {"RewriteRule ^/s$ - [R=503]", "/s", "", "status 503"},
      {"RewriteRule ^/r$ /new [R]", "/r", "", "redirect 302 http://example.com/new"},
      {"RewriteRule ^/r$ /new [R=301,L]", "/r", "q=1", "redirect 301 http://example.com/new?q=1"},
      {"RewriteRule ^/r$ /new [R=permanent]", "/r", "", "redirect 301 http://example.com/new"},
      {"RewriteRule ^/r$ /new [R=seeother]", "/r", "", "redirect 303 http://example.com/new"},
      {"RewriteRule ^/x$ http://other.test/y", "/x", "", "redirect 302 http://other.test/y"},
      {"RewriteRule ^/x$ http://example.com/y", "/x", "", "/y"},  // reduced to a local path
      {"RewriteRule ^/e/(.*) http://o.test/$1 [R]", "/e/a b%", "",
       "redirect 302 http://o.test/a%20b%25"},
      {"RewriteRule ^/e/(.*) http://o.test/$1 [R,NE]", "/e/a%20b", "",
       "redirect 302 http://o.test/a%20b"},
      {"RewriteRule ^/nl/([^/]*) http://o.test/$1 [R]", "/nl/a\r\nSet-Cookie: x", "",
       "redirect 302 http://o.test/a%0d%0aSet-Cookie:%20x"},
      // Conditions: after the pattern, with its $N; %N from the last one.
      {"RewriteCond %{HTTP_HOST} ^(www\\.)?(example)\\.com$\nRewriteRule ^/(.*) /%2/$1", "/p", "",
       "/example/p"},
      {"RewriteCond %{HTTP_HOST} =other.test\nRewriteRule ^ /no", "/p", "", "unchanged"},
      {"RewriteCond %{HTTP_HOST} =EXAMPLE.com [NC]\nRewriteRule ^ /yes", "/p", "", "/yes"},
      {"RewriteCond %{HTTP_HOST} =a [OR]\nRewriteCond %{HTTP_HOST} =example.com\nRewriteRule ^ "
       "/or",
       "/p", "", "/or"},
      {"RewriteCond %{HTTP_HOST} =a [OR]\nRewriteCond %{HTTP_HOST} =b\nRewriteRule ^ /or", "/p", "",
       "unchanged"},
      {"RewriteCond %{HTTP:X-Test} =yes\nRewriteRule ^ /hdr", "/p", "", "/hdr"},
      {"RewriteCond %{HTTP_USER_AGENT} ^curl\nRewriteRule ^ /curl", "/p", "", "/curl"},
      {"RewriteCond %{QUERY_STRING} (^|&)id=([0-9]+)\nRewriteRule ^/item$ /items/%2? ", "/item",
       "a=1&id=42", "/items/42"},
      {"RewriteCond %{REQUEST_URI} <zz\nRewriteRule ^ /less", "/a", "", "/less"},
      {"RewriteCond %{REQUEST_URI} >m\nRewriteRule ^ /more", "/a", "", "/more"},
      {"RewriteCond %{SERVER_PORT} -eq80\nRewriteRule ^ /eighty", "/a", "", "/eighty"},
      // File tests on the expanded string.
      {"RewriteCond %{DOCUMENT_ROOT}%{REQUEST_URI} !-f\nRewriteCond "
       "%{DOCUMENT_ROOT}%{REQUEST_URI} !-d\nRewriteRule . /index.php [L]",
       "/post/1", "", "/index.php"},
      {"RewriteCond %{DOCUMENT_ROOT}%{REQUEST_URI} !-f\nRewriteCond "
       "%{DOCUMENT_ROOT}%{REQUEST_URI} !-d\nRewriteRule . /index.php [L]",
       "/exists.html", "", "unchanged"},
      {"RewriteCond %{DOCUMENT_ROOT}%{REQUEST_URI} !-f\nRewriteCond "
       "%{DOCUMENT_ROOT}%{REQUEST_URI} !-d\nRewriteRule . /index.php [L]",
       "/dir", "", "unchanged"},
      {"RewriteCond %{DOCUMENT_ROOT}/empty.txt -s\nRewriteRule ^ /nonempty", "/a", "", "unchanged"},
      {"RewriteCond %{DOCUMENT_ROOT}/exists.html -s\nRewriteRule ^ /nonempty", "/a", "",
       "/nonempty"},
      // REQUEST_FILENAME in server context is the URL-path (Apache's gotcha).
      {"RewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule . /index.php", "/exists.html", "",
       "/index.php"},
      // Flow: L, chains, skips, N, END, PT.
      {"RewriteRule ^/a$ /b [L]\nRewriteRule ^/b$ /c", "/a", "", "/b"},
      {"RewriteRule ^/a$ /b\nRewriteRule ^/b$ /c", "/a", "", "/c"},
      {"RewriteRule ^/a$ /b [END]\nRewriteRule ^/b$ /c", "/a", "", "/b"},
      {"RewriteRule ^/a /b [C]\nRewriteRule ^/b /c [C]\nRewriteRule ^/c /d\nRewriteRule ^/z /y",
       "/a", "", "/d"},
      {"RewriteRule ^/q /b [C]\nRewriteRule ^/b /c [C]\nRewriteRule ^/c /d\nRewriteRule ^/x /y",
       "/x", "", "/y"},
      {"RewriteRule ^/x /x2 [C]\nRewriteRule ^/nomatch /c [C]\nRewriteRule ^ /d\nRewriteRule "
       "^/x2 /e",
       "/x", "", "/e"},
      {"RewriteRule ^/s - [S=2]\nRewriteRule ^ /one\nRewriteRule ^ /two\nRewriteRule ^/s /three",
       "/s", "", "/three"},
      {"RewriteRule ^/n/(.*)-(.*)$ /n/$1_$2 [N]", "/n/a-b-c", "", "/n/a_b_c"},
      {"RewriteRule ^/n/(.*)$ /n/x$1 [N=5]", "/n/", "", "status 500"},
      {"RewriteRule ^/pt$ /other [PT]", "/pt", "", "pt /other"},
      {"RewriteRule ^/d/(.*)$ /d/$1$1 [N]", "/d/x", "", "status 500"},  // doubles: bounded
      {"RewriteRule ^/e$ - [E=FOO:bar]\nRewriteCond %{ENV:FOO} =bar\nRewriteRule ^/e$ /env-ok",
       "/e", "", "/env-ok"},
      {"RewriteRule ^/t$ - [T=text/plain]", "/t", "", "unchanged"},
      {"RewriteRule ^/b/(.*)$ /q?v=$1 [B]", "/b/a b&c", "", "/q?v=a+b%26c"},
      {"RewriteRule ^/esc$ /a\\$1", "/esc", "", "/a$1"},
      // '.' matches a decoded newline, as with Apache's RegexDefaultOptions.
      {"RewriteRule ^/dot/(.*)$ /d/$1", "/dot/a\nb", "", "/d/a\nb"},
      // < and > compare lengths first (Apache's compare_lexicography).
      {"RewriteCond %{REQUEST_URI} <m\nRewriteRule ^ /lex", "/a", "", "unchanged"},
      {"RewriteCond %{REQUEST_URI} <mm\nRewriteRule ^ /lex", "/a", "", "/lex"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(run(row), row.expected) << row.rules << " | " << row.uri << "?" << row.query;
  }
}

TEST(RewriteEngine, CertbotRedirect) {
  Row row{
      "RewriteCond %{SERVER_NAME} =example.com\nRewriteRule ^ "
      "https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]",
      "/some/page", "a=1", "redirect 301 https://example.com/some/page?a=1"};
  EXPECT_EQ(run(row), row.expected);
  EXPECT_EQ(run(row, "other.test"), "unchanged");
}

TEST(RewriteEngine, RedirectKeepsNonDefaultPort) {
  Row row{"RewriteRule ^/r$ /new [R]", "/r", "", "redirect 302 http://example.com:8080/new"};
  EXPECT_EQ(run(row, "example.com", 8080), row.expected);
}

TEST(RewriteEngine, PerDirectoryStripsAndReinjectsThePrefix) {
  Ruleset r = ruleset("RewriteRule ^(.*)\\.htm$ $1.html\nRewriteRule ^$ start.html");
  Facts f;
  f.server_name = "example.com";
  PerDir dir{"/srv/www/blog/"};
  Outcome o = apply(r, f, fake_files, &dir, "/srv/www/blog/page.htm");
  EXPECT_EQ(describe(o), "/srv/www/blog/page.html");
  o = apply(r, f, fake_files, &dir, "/srv/www/blog/");
  EXPECT_EQ(describe(o), "/srv/www/blog/start.html");
}

TEST(RewriteRules, ParseErrorsNameTheFeature) {
  EXPECT_NE(parse_rule({"^", "/x", "[P]"}).error().message.find("[P]"), std::string::npos);
  EXPECT_FALSE(parse_rule({"^(", "/x"}).ok());
  EXPECT_FALSE(parse_rule({"^", "/x", "[Q]"}).ok());
  EXPECT_FALSE(parse_rule({"^", "/x", "L"}).ok());
  EXPECT_FALSE(parse_rule({"^", "/x", "[R=200]"}).ok());
  EXPECT_FALSE(parse_condition({"%{HTTP_HOST}", "^(", "[NC]"}).ok());
  EXPECT_FALSE(parse_condition({"%{HTTP_HOST}", "x", "[XX]"}).ok());
}

}  // namespace
}  // namespace mpmd::rewrite
