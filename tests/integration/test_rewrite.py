#!/usr/bin/env python3
"""Suite rewrite: mod_rewrite, with Apache as the oracle.

One sites file (included by both configurations, so that file:line agree) is
served by Debian's Apache 2.4 with mod_rewrite and by mpmd under the engine
given:

* certbot.test: certbot's HTTP-to-HTTPS redirect (`RewriteCond %{SERVER_NAME}
  =...` then `RewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI}
  [END,NE,R=permanent]`);
* wp.test: WordPress's front controller in a vhost, with the file tests on
  %{DOCUMENT_ROOT}%{REQUEST_URI}; wpf.test: the same rules as WordPress ships
  them (%{REQUEST_FILENAME}, which in vhost context is the URL-path: every
  URL goes to /index.php, in Apache as in mpmd);
* rules.test: query-string flags, R codes, NE and escaping, F/G, env vars,
  NC, OR conditions, %{HTTP:X} conditions, chained [C] and skipped [S] rules,
  N, PT, END, T=, substitutions that leave the document root (refused),
  encoded newlines in R redirects (no header injection);
* <Directory> rules with RewriteBase (WordPress in /blog/), without it, and a
  per-directory loop bounded by LimitInternalRecursion (500).

Each request goes to both servers; status, Content-Type and body (for 200)
and Location (with the port of each server replaced) must be equal.
Skipped when Debian's apache2 is not installed.
"""

import os
import shutil
import socket
import unittest

import mpmd_harness as h
from apache_oracle import Apache, available
from raw_http import Reader

SITES = """\
DirectoryIndex index.html index.php
<Directory "{root}/www/blog">
    RewriteEngine On
    RewriteBase /blog/
    RewriteRule ^old/(.*)$ new/$1 [R=301,L]
    RewriteRule ^index\\.php$ - [L]
    RewriteCond %{{REQUEST_FILENAME}} !-f
    RewriteCond %{{REQUEST_FILENAME}} !-d
    RewriteRule . /blog/index.php [L]
</Directory>
<Directory "{root}/www/nobase">
    RewriteEngine On
    RewriteRule ^a\\.html$ b.html [L]
    RewriteRule ^q\\.html$ b.html?from=q [L]
</Directory>
<Directory "{root}/www/loop">
    RewriteEngine On
    RewriteRule ^(.*)$ x$1
</Directory>

<Directory "{root}/ht">
    AllowOverride All
</Directory>
<Directory "{root}/ht/limited">
    AllowOverride Indexes
</Directory>
<Directory "{root}/ht/none">
    AllowOverride None
</Directory>

<VirtualHost *:{port}>
    ServerName ht.test
    DocumentRoot "{root}/ht"
</VirtualHost>

<VirtualHost *:{port}>
    ServerName certbot.test
    ServerAlias www.certbot.test
    DocumentRoot "{root}/www"
    RewriteEngine on
    RewriteCond %{{SERVER_NAME}} =certbot.test [OR]
    RewriteCond %{{SERVER_NAME}} =www.certbot.test
    RewriteRule ^ https://%{{SERVER_NAME}}%{{REQUEST_URI}} [END,NE,R=permanent]
</VirtualHost>

<VirtualHost *:{port}>
    ServerName wp.test
    DocumentRoot "{root}/www"
    RewriteEngine On
    RewriteRule ^/index\\.php$ - [L]
    RewriteCond %{{DOCUMENT_ROOT}}%{{REQUEST_URI}} !-f
    RewriteCond %{{DOCUMENT_ROOT}}%{{REQUEST_URI}} !-d
    RewriteRule . /index.php [L]
</VirtualHost>

<VirtualHost *:{port}>
    ServerName wpf.test
    DocumentRoot "{root}/www"
    RewriteEngine On
    RewriteRule ^/index\\.php$ - [L]
    RewriteCond %{{REQUEST_FILENAME}} !-f
    RewriteCond %{{REQUEST_FILENAME}} !-d
    RewriteRule . /index.php [L]
</VirtualHost>

<VirtualHost *:{port}>
    ServerName rules.test
    DocumentRoot "{root}/www"
    Alias /aliased "{root}/www/sub"
    RewriteEngine On
    RewriteRule ^/old\\.html$ /new.html
    RewriteRule ^/a/(.*)$ /sub/$1
    RewriteRule ^/qs1$ /new.html?x=1
    RewriteRule ^/qsa$ /new.html?x=1 [QSA]
    RewriteRule ^/qsd$ /new.html [QSD]
    RewriteRule ^/r302/(.*)$ /target/$1 [R,L]
    RewriteRule ^/r301$ /new.html [R=301,L]
    RewriteRule ^/r303$ /new.html [R=seeother,L]
    RewriteRule ^/r307$ /new.html [R=307,L]
    RewriteRule ^/rqs$ /new.html?added=1 [R,L]
    RewriteRule ^/rqsa$ /new.html?added=1 [R,QSA,L]
    RewriteRule ^/rqsd$ /new.html [R,QSD,L]
    RewriteRule ^/rqsl$ /new.html?a?b [R,QSL,L]
    RewriteRule ^/rempty$ /new.html? [R,L]
    RewriteRule ^/ext/(.*)$ http://elsewhere.test/$1 [L]
    RewriteRule ^/enc/(.*)$ http://elsewhere.test/$1 [R,L]
    RewriteRule ^/ne/(.*)$ http://elsewhere.test/$1 [R,NE,L]
    RewriteRule ^/self/(.*)$ http://rules.test/$1 [L]
    RewriteRule ^/forbid - [F]
    RewriteRule ^/gone - [G]
    RewriteRule ^/unavail - [R=503]
    RewriteRule ^/NoCase$ /new.html [NC]
    RewriteRule ^/CaseKept$ /new.html
    RewriteCond %{{HTTP:X-Mode}} =beta
    RewriteRule ^/hdr$ /b.html [L]
    RewriteRule ^/hdr$ /c.html [L]
    RewriteCond %{{HTTP_USER_AGENT}} Mobile [NC,OR]
    RewriteCond %{{HTTP:X-Mobile}} =1
    RewriteRule ^/m$ /b.html [L]
    RewriteRule ^/m$ /c.html [L]
    RewriteCond %{{HTTP_REFERER}} !^$
    RewriteCond %{{HTTP_REFERER}} !^http://rules\\.test/ [NC]
    RewriteRule ^/hotlink\\.html$ - [F]
    RewriteRule ^/env$ - [E=FOO:bar]
    RewriteCond %{{ENV:FOO}} =bar
    RewriteRule ^/env$ /env-ok.txt [L]
    RewriteRule ^/chain/(.*)$ /chain2/$1 [C]
    RewriteRule ^/chain2/(x)$ /b.html [C]
    RewriteRule ^/b\\.html$ /c.html [L]
    RewriteRule ^/chain2/ /page.html [L]
    RewriteRule ^/skip - [S=1]
    RewriteRule ^/skip /b.html [L]
    RewriteRule ^/skip /c.html [L]
    RewriteRule ^/noskip /b.html [L]
    RewriteRule ^/etc$ /etc/passwd [L]
    RewriteRule ^/dotdot/(.*)$ /../../$1 [L]
    RewriteRule ^/updir/(.*)$ /sub/../../$1 [L]
    RewriteCond %{{QUERY_STRING}} (^|&)id=([0-9]+)
    RewriteRule ^/item$ /items/%2.txt? [L]
    RewriteRule ^/type$ /page.html [T=text/plain,L]
    RewriteRule ^/next/([a-z]*)-(.*)$ /next/$1$2 [N]
    RewriteRule ^/next/(.*)$ /$1.html [L]
    RewriteRule ^/pt$ /aliased/b.html [PT,L]
    RewriteRule ^/end$ /page.html [END]
    RewriteRule ^/page\\.html$ /b.html
    RewriteCond %{{REQUEST_METHOD}} =HEAD
    RewriteRule ^/method$ /b.html [L]
    RewriteRule ^/method$ /c.html [L]
    RewriteCond %{{HTTPS}} off
    RewriteRule ^/https$ https://%{{HTTP_HOST}}%{{REQUEST_URI}} [R=301,L]
    RewriteCond %{{THE_REQUEST}} \\s/the-request\\.html[\\s?]
    RewriteRule ^ /b.html [L]
    RewriteCond %{{REMOTE_ADDR}} =127.0.0.1
    RewriteRule ^/local$ /b.html [L]
    RewriteCond %{{TIME_YEAR}} >2000
    RewriteRule ^/time$ /b.html [L]
    RewriteCond %{{REQUEST_URI}} <m
    RewriteRule ^/lex/ /b.html [L]
    RewriteCond %{{DOCUMENT_ROOT}}/b.html -s
    RewriteRule ^/sized$ /c.html [L]
    RewriteCond %{{DOCUMENT_ROOT}}/empty.txt -s
    RewriteRule ^/unsized$ /c.html [L]
    RewriteRule ^/bflag/(.*)$ /new.html?v=$1 [B,R,L]
    RewriteRule ^/dash$ - [L]
    RewriteRule ^/co$ /b.html [CO=flavor:choc:rules.test,L]
    RewriteRule ^/co2$ /b.html [CO=k:v:.rules.test:0:/sub:secure:httponly,L]
    RewriteRule ^/co3$ - [F,CO=k:v:rules.test]
    RewriteRule ^/notfound$ /nothing-here.html [L]
</VirtualHost>
"""

FILES = {
    "index.php": "front controller\n",
    "exists.html": "an existing file\n",
    "new.html": "new page\n",
    "page.html": "page\n",
    "b.html": "page b\n",
    "c.html": "page c\n",
    "env-ok.txt": "env ok\n",
    "empty.txt": "",
    "items/42.txt": "item 42\n",
    "sub/b.html": "sub b\n",
    "sub/x.html": "sub x\n",
    "dir/index.html": "dir index\n",
    "blog/index.php": "blog front controller\n",
    "blog/real.html": "a real blog file\n",
    "blog/new/post": "new post\n",
    "nobase/b.html": "nobase b\n",
    "loop/a.html": "never\n",
    "dash": "dash file\n",
    "abc.html": "abc\n",
}

# A WordPress-style tree served from its .htaccess files, unchanged.
WORDPRESS_HTACCESS = """\
# BEGIN WordPress
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
</IfModule>
# END WordPress
"""
HT_FILES = {
    ".htaccess": WORDPRESS_HTACCESS,
    "index.php": "wordpress front controller\n",
    "exists.html": "an existing file\n",
    "wp-content/style.css": "body {}\n",
    "dir/index.html": "dir index\n",
    "limited/.htaccess": "RewriteEngine On\nRewriteRule ^ /index.php\n",
    "limited/file.html": "limited\n",
    "broken/.htaccess": "RewriteEngine On\nRewriteRule ^(\n",
    "broken/file.html": "broken\n",
    "typo/.htaccess": "RewriteEngin On\n",
    "typo/file.html": "typo\n",
    "none/.htaccess": "RewriteEngine On\nRewriteRule ^ /index.php [L]\n",
    "none/file.html": "none\n",
    "sub/.htaccess": "RewriteEngine On\nRewriteRule ^a\\.html$ b.html [L]\n",
    "sub/b.html": "sub b\n",
    "off/.htaccess": "RewriteEngine Off\n",
    "off/file.html": "off\n",
}

R = "rules.test"
REQUESTS = [
    # certbot
    ("certbot.test", "/"),
    ("certbot.test", "/a/b.html?x=1&y=2"),
    ("www.certbot.test", "/page.html"),
    ("certbot.test", "/with%20space"),
    ("certbot.test", "/%3fnot-a-query"),
    # WordPress in a vhost
    ("wp.test", "/"),
    ("wp.test", "/exists.html"),
    ("wp.test", "/2024/01/hello-world/"),
    ("wp.test", "/?p=1"),
    ("wp.test", "/dir/"),
    ("wp.test", "/dir"),
    ("wp.test", "/index.php"),
    ("wp.test", "/missing.css?ver=1"),
    ("wpf.test", "/exists.html"),
    ("wpf.test", "/anything"),
    ("wpf.test", "/"),
    # per-directory (WordPress in /blog/ with RewriteBase)
    ("wp.test", "/blog/hello/"),
    (R, "/blog/hello/"),
    (R, "/blog/real.html"),
    (R, "/blog/"),
    (R, "/blog/index.php"),
    (R, "/blog/old/post"),
    (R, "/blog/new/post"),
    (R, "/nobase/a.html"),
    (R, "/nobase/q.html"),
    (R, "/nobase/b.html"),
    (R, "/loop/a.html"),
    # rules.test
    (R, "/old.html"),
    (R, "/a/b.html"),
    (R, "/a/x.html?k=v"),
    (R, "/qs1?k=v"),
    (R, "/qsa?k=v"),
    (R, "/qsa"),
    (R, "/qsd?k=v"),
    (R, "/r302/x?k=v"),
    (R, "/r301"),
    (R, "/r303"),
    (R, "/r307"),
    (R, "/rqs?k=v"),
    (R, "/rqsa?k=v"),
    (R, "/rqsd?k=v"),
    (R, "/rqsl"),
    (R, "/rempty?k=v"),
    (R, "/ext/there?k=v"),
    (R, "/enc/a%20b"),
    (R, "/enc/a%25b"),
    (R, "/enc/q%3fx"),
    (R, "/ne/a%20b"),
    (R, "/enc/a%0d%0aSet-Cookie:%20x=1"),
    (R, "/enc/a%0aX-Injected:%201"),
    (R, "/r302/a%0d%0aSet-Cookie:x=1"),
    (R, "/self/b.html"),
    (R, "/forbid"),
    (R, "/gone"),
    (R, "/unavail"),
    (R, "/nocase"),
    (R, "/NOCASE"),
    (R, "/casekept"),
    (R, "/CaseKept"),
    (R, "/env"),
    (R, "/chain/x"),
    (R, "/chain/y"),
    (R, "/skip"),
    (R, "/noskip"),
    (R, "/etc"),
    (R, "/dotdot/etc/passwd"),
    (R, "/updir/etc/passwd"),
    (R, "/item?a=1&id=42"),
    (R, "/item?id=x"),
    (R, "/type"),
    (R, "/next/a-b-c"),
    (R, "/pt"),
    (R, "/end"),
    (R, "/page.html"),
    (R, "/method"),
    (R, "/https?x=1"),
    (R, "/the-request.html"),
    (R, "/local"),
    (R, "/time"),
    (R, "/lex/x"),
    (R, "/sized"),
    (R, "/unsized"),
    (R, "/bflag/a%20b&c"),
    (R, "/dash"),
    (R, "/co"),
    (R, "/co2"),
    (R, "/co3"),
    (R, "/notfound"),
    (R, "/abc.html"),
]

H = "ht.test"
REQUESTS += [
    (H, "/"),
    (H, "/exists.html"),
    (H, "/hello-world/"),
    (H, "/2024/01/post?x=1"),
    (H, "/wp-content/style.css"),
    (H, "/wp-content/missing.css"),
    (H, "/dir/"),
    (H, "/index.php"),
    (H, "/limited/file.html"),
    (H, "/broken/file.html"),
    (H, "/typo/file.html"),
    (H, "/none/file.html"),
    (H, "/none/missing"),
    (H, "/sub/a.html"),
    (H, "/sub/b.html"),
    (H, "/off/missing"),
    (H, "/.htaccess"),
    (H, "/sub/.htaccess"),
]

# Rows that send request headers.
HEADER_REQUESTS = [
    (R, "/hdr", {"X-Mode": "beta"}),
    (R, "/hdr", {"X-Mode": "alpha"}),
    (R, "/m", {"User-Agent": "Some MOBILE browser"}),
    (R, "/m", {"X-Mobile": "1"}),
    (R, "/m", {"User-Agent": "desktop"}),
    (R, "/hotlink.html", {"Referer": "http://evil.test/"}),
    (R, "/hotlink.html", {"Referer": "http://RULES.test/page"}),
    ("certbot.test:8080", "/x", {}),
]


def make_tree(root):
    for top, files in (("www", FILES), ("ht", HT_FILES)):
        for name, text in files.items():
            p = root / top / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)


def request(port, host, path, headers=None, method="GET"):
    """(status, content type, body, location, set-cookie) over a fresh connection."""
    extra = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("%s %s HTTP/1.1\r\nHost: %s\r\n%sConnection: close\r\n\r\n"
                   % (method, path, host, extra)).encode())
        r = Reader(s).read_response(head_request=method == "HEAD")
    location = (r.header("location") or "").replace(":%d/" % port, ":PORT/")
    ctype = (r.header("content-type") or "").split(";")[0] if r.status == 200 else ""
    if ctype == "application/octet-stream":
        ctype = ""  # mpmd's DefaultType for unknown extensions; Apache sends none
    body = r.body if r.status == 200 else b""
    return r.status, ctype, body, location, r.header("set-cookie") or ""


def rewrite_apache(tmp, sites, port):
    """Debian's apache2 with mod_rewrite on the sites file."""
    tmp.mkdir(parents=True, exist_ok=True)
    return Apache(tmp, port, f"""\
DocumentRoot "{tmp.parent}/www"
Options FollowSymLinks
<Directory />
    Require all denied
</Directory>
<Directory "{tmp.parent}/www">
    Require all granted
</Directory>
<Directory "{tmp.parent}/ht">
    Require all granted
</Directory>
<Files ".ht*">
    Require all denied
</Files>
Include "{sites}"
""", modules=("rewrite",), server_name="main.test")


@unittest.skipUnless(available(), "Debian's apache2 is not installed")
class Rewrite(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = h.server_dir("mpmd-integ-rewrite-", writable=True)
        make_tree(cls.root)
        cls.mpmd = h.Server()
        apache_port = h.free_port()

        def sites_file(name, port):
            path = cls.root / name
            path.write_text(SITES.format(port=port, root=cls.root))
            return path

        mpmd_sites = sites_file("sites-mpmd.conf", cls.mpmd.port)
        apache_sites = sites_file("sites-apache.conf", apache_port)
        cls.mpmd.conf.write_text(cls.mpmd.config_text(f"""\
ServerName main.test
DocumentRoot "{cls.root}/www"
Options FollowSymLinks
TypesConfig /etc/mime.types
<Directory />
    Require all denied
</Directory>
<Directory "{cls.root}/www">
    Require all granted
</Directory>
<Directory "{cls.root}/ht">
    Require all granted
</Directory>
Include "{mpmd_sites}"
"""))
        cls.apache = rewrite_apache(cls.root / "apache", apache_sites, apache_port)
        cls.ports = {"mpmd": cls.mpmd.port, "apache": apache_port}
        cls.apache.start_beside(cls.mpmd)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.mpmd.stop()
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(cls.root, ignore_errors=True)

    def compare(self, rows):
        differences = []
        for host, path, headers, method in rows:
            ours = request(self.ports["mpmd"], host, path, headers, method)
            theirs = request(self.ports["apache"], host, path, headers, method)
            if ours[3].startswith("/") and theirs[3] == "http://%s%s" % (host, ours[3]):
                theirs = theirs[:3] + (ours[3],) + theirs[4:]  # DirectorySlash: a relative URL
            if ours != theirs:
                differences.append("%s %s %s %r:\n  mpmd   %r\n  apache %r"
                                   % (method, host, path, headers, ours, theirs))
        return differences

    def test_answers_match_apache(self):
        rows = [(host, path, None, "GET") for host, path in REQUESTS]
        rows += [(host, path, hdrs, "GET") for host, path, hdrs in HEADER_REQUESTS]
        rows.append((R, "/method", None, "HEAD"))
        differences = self.compare(rows)
        self.assertEqual(differences, [], "%d of %d rows differ:\n%s"
                         % (len(differences), len(rows), "\n".join(differences)))
        self.assertGreaterEqual(len(rows), 80)

    def test_no_header_injection_from_encoded_newlines(self):
        for path in ("/enc/a%0d%0aSet-Cookie:%20x=1", "/ne/a%0d%0aSet-Cookie:%20x=1",
                     "/r302/a%0d%0aSet-Cookie:x=1", "/certbot%0d%0aX-Injected:%201"):
            for host in (R, "certbot.test"):
                status, _, _, location, cookie = request(self.mpmd.port, host, path)
                self.assertEqual(cookie, "", (host, path))
                self.assertNotIn("\n", location)
                self.assertNotIn("\r", location)

    def test_broken_htaccess_is_logged_with_file_and_line(self):
        self.assertEqual(request(self.mpmd.port, H, "/broken/file.html")[0], 500)
        self.assertEqual(request(self.mpmd.port, H, "/exists.html")[0], 200)  # others serve
        needle = "MPMD0343: %s/ht/broken/.htaccess:2: RewriteRule" % self.root
        h.wait_until(lambda: needle in self.mpmd.error_log.read_text(), timeout=10)

    def test_htaccess_changes_are_seen_within_a_second_or_two(self):
        path = self.root / "ht" / "sub" / ".htaccess"
        self.assertEqual(request(self.mpmd.port, H, "/sub/a.html")[2], b"sub b\n")
        original = path.read_text()
        try:
            path.write_text("RewriteEngine On\nRewriteRule ^a\\.html$ /exists.html [L]\n")
            h.wait_until(lambda: request(self.mpmd.port, H, "/sub/a.html")[2]
                         == b"an existing file\n", timeout=10)
        finally:
            path.write_text(original)

    def test_recursion_limit_is_logged(self):
        status = request(self.mpmd.port, R, "/loop/a.html")[0]
        self.assertEqual(status, 500)
        h.wait_until(lambda: "MPMD0340" in self.mpmd.error_log.read_text(), timeout=10)

    def test_outside_document_root_is_refused_and_logged(self):
        self.assertEqual(request(self.mpmd.port, R, "/etc")[0], 403)
        h.wait_until(lambda: "MPMD0341" in self.mpmd.error_log.read_text(), timeout=10)


if __name__ == "__main__":
    h.main()
