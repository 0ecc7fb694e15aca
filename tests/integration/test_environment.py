#!/usr/bin/env python3
"""Suite environment: mod_setenvif and mod_env (SetEnvIf, SetEnvIfNoCase,
BrowserMatch, BrowserMatchNoCase, SetEnv, UnsetEnv), the access log lines they
select (CustomLog env=VAR, env=!VAR), the values %{VAR}e logs, and mod_headers'
Header rules (with env= and %{VAR}e), under every engine, checked against
Debian's Apache on the same directives and requests.
"""

import socket
import time
import unittest

import mpmd_harness as h
from apache_oracle import Apache, available
from raw_http import Reader

RULES = r"""
SetEnvIf Request_URI "\.png$" image
SetEnvIf User-Agent "^curl/([0-9]+)" from_curl=v$1
BrowserMatchNoCase "bot" is_bot
BrowserMatch "^Mozilla" browser
SetEnvIf Remote_Addr "^127\.0\.0\.([0-9]+)$" last_octet=$1
SetEnvIf X-Debug "^(on|1)$" debug
SetEnvIfNoCase X-Mode "^QUIET$" quiet
SetEnvIf image "1" !is_bot
SetEnvIf Request_Method "^HEAD$" posted=yes
SetEnv site_name demo
SetEnv browser not-overridden
SetEnv dropped yes
UnsetEnv debug dropped
SetEnvIf Request_URI "^/plain/" no-gzip
RewriteEngine On
RewriteRule ^/a\.txt$ - [E=rewritten:yes]
RewriteCond %{ENV:image} =1
RewriteRule ^ - [E=img_seen:%{ENV:image}]
Header set X-Frame-Options "SAMEORIGIN"
Header always set X-Always "yes"
Header add X-Multi a
Header add X-Multi b
Header merge X-Merge one
Header merge X-Merge one
Header append X-Merge two
Header unset ETag
Header set X-Img "image=%{image}e, 100%%" env=image
Header always set X-Not-Img no env=!image
Header onsuccess setifempty X-Empty filled
<IfModule deflate_module>
AddOutputFilterByType DEFLATE text/plain
</IfModule>
LogFormat "%U %{image}e %{from_curl}e %{is_bot}e %{browser}e %{last_octet}e %{debug}e %{quiet}e %{posted}e %{site_name}e %{dropped}e %{rewritten}e %{img_seen}e" envf
CustomLog "{logs}/all.log" envf
CustomLog "{logs}/no-images.log" "%U" env=!image
CustomLog "{logs}/bots.log" "%U" env=is_bot
"""

# (method, path, extra header lines)
REQUESTS = [
    ("GET", "/a.txt", {}),
    ("GET", "/img.png", {}),
    ("GET", "/a.txt", {"User-Agent": "curl/8.1"}),
    ("GET", "/a.txt", {"User-Agent": "Googlebot/2.1"}),
    ("GET", "/img.png", {"User-Agent": "SomeBOT"}),
    ("GET", "/a.txt", {"User-Agent": "Mozilla/5.0"}),
    ("GET", "/a.txt", {"X-Debug": "on"}),
    ("GET", "/a.txt", {"X-Mode": "quiet"}),
    ("GET", "/a.txt", {"X-Mode": "Quiet!"}),
    ("HEAD", "/a.txt", {}),
    ("GET", "/pics/x.png?q=1", {}),
]


def send(port, method, path, headers):
    lines = "".join("%s: %s\r\n" % kv for kv in headers.items())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("%s %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n"
                   % (method, path, lines)).encode())
        return Reader(s).read_response(head_request=method == "HEAD").status


@unittest.skipUnless(available(), "Debian's apache2 is not installed")
class Environment(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mpmd = h.Server(writable=True)
        root = cls.mpmd.docroot
        (root / "a.txt").write_text("a\n")
        (root / "img.png").write_text("png\n")
        (root / "plain").mkdir()
        for d in (root, root / "plain"):
            (d / "long.txt").write_text("compressible text " * 50)
        (root / "pics").mkdir()
        (root / "pics" / "x.png").write_text("x\n")
        cls.logs = {}
        apache_dir = h.server_dir("mpmd-integ-env-apache-", writable=True)
        for name, tmp in (("mpmd", cls.mpmd.tmp), ("apache", apache_dir)):
            d = tmp / "env-logs"
            d.mkdir()
            d.chmod(0o1777)
            cls.logs[name] = d
        cls.mpmd.conf.write_text(cls.mpmd.conf.read_text() +
                                 RULES.replace("{logs}", str(cls.logs["mpmd"])))
        cls.apache = Apache(apache_dir, h.free_port(),
                            'DocumentRoot "%s"\n%s' % (root, RULES.replace("{logs}", str(
                                cls.logs["apache"]))),
                            modules=("setenvif", "env", "headers", "rewrite"))
        cls.apache.start_beside(cls.mpmd)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.mpmd.stop()

    def test_logs_match_apache(self):
        for method, path, headers in REQUESTS:
            statuses = [send(port, method, path, headers)
                        for port in (self.mpmd.port, self.apache.port)]
            self.assertEqual(statuses[0], statuses[1], (method, path, headers))

        def lines(server, log):
            p = self.logs[server] / log
            return sorted(p.read_text().splitlines()) if p.exists() else []

        for log in ("all.log", "no-images.log", "bots.log"):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and \
                    len(lines("mpmd", log)) < len(lines("apache", log)):
                time.sleep(0.1)
            with self.subTest(log=log):
                self.assertEqual(lines("mpmd", log), lines("apache", log))
        self.assertGreaterEqual(len(lines("mpmd", "all.log")), len(REQUESTS))
        self.assertEqual(lines("mpmd", "bots.log"), ["/a.txt"])  # the PNG bot was unset
        # RewriteRule's E= reaches the log; %{ENV:image} reads SetEnvIf's.
        fields = [ln.split() for ln in lines("mpmd", "all.log")]
        self.assertTrue(all(f[11] == ("yes" if f[0] == "/a.txt" else "-") for f in fields), fields)
        self.assertTrue(all(f[12] == ("1" if f[0].endswith(".png") else "-") for f in fields),
                        fields)

    def test_header_rules_match_apache(self):
        fields = ("x-frame-options", "x-always", "x-multi", "x-merge", "etag", "x-img",
                  "x-not-img", "x-empty")

        def answer(port, path, extra=""):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n"
                           % (path, extra)).encode())
                r = Reader(s).read_response()
            return (r.status,) + tuple(", ".join(r.header_all(f)) or None for f in fields)

        since = "If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT\r\n"
        for path, extra in (("/a.txt", ""), ("/img.png", ""), ("/missing", ""),
                            ("/pics", ""), ("/a.txt", since)):
            with self.subTest(path=path, extra=extra):
                self.assertEqual(answer(self.mpmd.port, path, extra),
                                 answer(self.apache.port, path, extra))

    def test_no_gzip_turns_compression_off(self):
        def encoding(path):
            with socket.create_connection(("127.0.0.1", self.mpmd.port), timeout=10) as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n"
                           "Connection: close\r\n\r\n" % path).encode())
                r = Reader(s).read_response()
            return r.status, r.header("content-encoding")

        self.assertEqual(encoding("/long.txt"), (200, "gzip"))
        self.assertEqual(encoding("/plain/long.txt"), (200, None))


if __name__ == "__main__":
    h.main()
