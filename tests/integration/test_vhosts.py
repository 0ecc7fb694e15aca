#!/usr/bin/env python3
"""Suite vhosts: <VirtualHost> selection and per-vhost settings, with Apache as
the oracle.

The same sites file (included by both configurations, so that file:line agree)
is served by Debian's Apache 2.4 and by mpmd under the engine given:

* name-based vhosts on *:PORT (ServerName, ServerAlias with a wildcard, case
  and port of the Host ignored, the first listed as the default);
* an IP-based vhost on 127.0.0.2:PORT, chosen before any name;
* a second port no vhost names, served by the main server;
* per vhost: DocumentRoot, DirectoryIndex, <Location> with Require, CustomLog
  with %v (a vhost without a CustomLog logs to the server's);
* `-S` prints the same "VirtualHost configuration" as `apache2 -S`.

Each request goes to both servers; status, Content-Type, body (for 200) and
Location (its path: the host and port are each server's) must be equal.
Skipped when Debian's apache2 is not installed.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import unittest
from pathlib import Path

import mpmd_harness as h
from apache_oracle import APACHE, Apache, available
from raw_http import Reader

IP2 = "127.0.0.2"

SITES = """\
<VirtualHost *:{port}>
    ServerName a.test
    ServerAlias www.a.test
    DocumentRoot "{root}/a"
    CustomLog "{logs}/a.log" "%v %>s %U"
    <Location /private>
        Require all denied
    </Location>
    Alias /extra/ "{root}/extra/"
    Alias /shared "{root}/c"
    Redirect /old http://elsewhere.test/new
    Redirect permanent /perm /target
    Redirect gone /gone
    RedirectTemp /tmp2 http://t.test/x
    ErrorDocument 404 "Nothing here at a"
    <FilesMatch "^\\.ht">
        Require all denied
    </FilesMatch>
    <Files "*.bak">
        Require all denied
    </Files>
    <Directory "{root}/a/sub">
        <Files "secret.txt">
            Require all denied
        </Files>
    </Directory>
</VirtualHost>

<VirtualHost *:{port}>
    ServerName b.test
    ServerAlias *.b.test b-alias.test
    DocumentRoot "{root}/b"
    DirectoryIndex start.html
    DirectorySlash Off
    <Directory "{root}/b/private">
        Require all denied
    </Directory>
    <Directory "{root}/b">
        Require all granted
    </Directory>
    Alias /both "{root}/a"
    Redirect seeother /both http://r.test/
    Redirect 307 /t307 http://r.test/307
    RedirectMatch 301 ^/rm/(.*)\\.html$ http://r.test/new/$1.php
    RedirectMatch ^/rq/(.*)$ /target?x=$1
    RedirectMatch gone ^/gm/
    AliasMatch ^/am/([a-z]+)/(.*)$ "{root}/extra/$1-$2"
    ErrorDocument 403 http://errors.test/forbidden
</VirtualHost>

<VirtualHost {ip2}:{port}>
    ServerName c.test
    DocumentRoot "{root}/c"
    FallbackResource /page.html
</VirtualHost>
"""

# (local address, port key, Host header or None for HTTP/1.0 without Host, path)
REQUESTS = [
    ("127.0.0.1", "port", "a.test", "/"),
    ("127.0.0.1", "port", "a.test", "/page.html"),
    ("127.0.0.1", "port", "A.TEST", "/page.html"),
    ("127.0.0.1", "port", "a.test:1234", "/page.html"),
    ("127.0.0.1", "port", "a.test.", "/page.html"),
    ("127.0.0.1", "port", "www.a.test", "/page.html"),
    ("127.0.0.1", "port", "a.test", "/private/x.txt"),
    ("127.0.0.1", "port", "a.test", "/private"),
    ("127.0.0.1", "port", "a.test", "/missing"),
    ("127.0.0.1", "port", "a.test", "/sub"),
    ("127.0.0.1", "port", "a.test", "/sub/"),
    ("127.0.0.1", "port", "b.test", "/"),
    ("127.0.0.1", "port", "b.test", "/page.html"),
    ("127.0.0.1", "port", "x.b.test", "/page.html"),
    ("127.0.0.1", "port", "deep.x.b.test", "/page.html"),
    ("127.0.0.1", "port", "B-Alias.test", "/page.html"),
    ("127.0.0.1", "port", "b.test", "/private/x.txt"),
    ("127.0.0.1", "port", "b.test", "/sub/"),
    ("127.0.0.1", "port", "unknown.test", "/page.html"),
    ("127.0.0.1", "port", "c.test", "/page.html"),
    ("127.0.0.1", "port", "127.0.0.1", "/page.html"),
    ("127.0.0.1", "port", None, "/page.html"),
    (IP2, "port", "c.test", "/page.html"),
    (IP2, "port", "a.test", "/page.html"),
    (IP2, "port", "b.test", "/"),
    (IP2, "port", None, "/page.html"),
    (IP2, "port", "c.test", "/private/x.txt"),
    ("127.0.0.1", "port2", "a.test", "/page.html"),
    ("127.0.0.1", "port2", "c.test", "/"),
    ("127.0.0.1", "port2", None, "/page.html"),
    # mod_alias: per vhost, then the server's; Redirect before Alias.
    ("127.0.0.1", "port", "a.test", "/extra/page.html"),
    ("127.0.0.1", "port", "a.test", "/extra/"),
    ("127.0.0.1", "port", "a.test", "/extra/sub"),
    ("127.0.0.1", "port", "a.test", "/extra"),
    ("127.0.0.1", "port", "a.test", "/extra/../page.html"),
    ("127.0.0.1", "port", "a.test", "/shared/page.html"),
    ("127.0.0.1", "port", "b.test", "/shared/page.html"),
    ("127.0.0.1", "port", "b.test", "/shared"),
    ("127.0.0.1", "port", "b.test", "/sharedx/page.html"),
    ("127.0.0.1", "port2", "x", "/shared/page.html"),
    ("127.0.0.1", "port", "a.test", "/old"),
    ("127.0.0.1", "port", "a.test", "/old/x%20y.html?q=1&r=2"),
    ("127.0.0.1", "port", "a.test", "/older"),
    ("127.0.0.1", "port", "a.test", "/perm/a"),
    ("127.0.0.1", "port", "a.test", "/gone/x"),
    ("127.0.0.1", "port", "a.test", "/tmp2"),
    ("127.0.0.1", "port", "b.test", "/old"),
    ("127.0.0.1", "port", "b.test", "/both/page.html"),
    ("127.0.0.1", "port", "b.test", "/t307/x"),
    ("127.0.0.1", "port", "b.test", "/moved/x"),
    # mod_dir: FallbackResource (c), DirectorySlash Off (b).
    (IP2, "port", "c.test", "/nothing"),
    (IP2, "port", "c.test", "/nothing/deeper.html?x=1"),
    (IP2, "port", "c.test", "/sub"),
    (IP2, "port", "c.test", "/sub/"),
    (IP2, "port", "c.test", "/page.html/x"),
    ("127.0.0.1", "port", "b.test", "/sub"),
    ("127.0.0.1", "port", "b.test", "/private"),
    ("127.0.0.1", "port", "b.test", "/private/"),
    # <Directory> rules: shortest first, Location last; per vhost and Alias.
    ("127.0.0.1", "port", "b.test", "/private/x.txt"),
    ("127.0.0.1", "port", "b.test", "/sub/index.html"),
    ("127.0.0.1", "port2", "x", "/private/x.txt"),
    ("127.0.0.1", "port2", "x", "/sub/index.html"),
    ("127.0.0.1", "port2", "x", "/%70rivate/x.txt"),
    ("127.0.0.1", "port2", "x", "/sub/../private/x.txt"),
    ("127.0.0.1", "port", "c.test", "/private/x.txt"),
    # ErrorDocument: a message (a), a remote URL (b's 403), a local URL (main, c).
    ("127.0.0.1", "port", "a.test", "/no-such-file"),
    ("127.0.0.1", "port", "b.test", "/private/x.txt"),
    ("127.0.0.1", "port", "b.test", "/no-such-file"),
    ("127.0.0.1", "port2", "x", "/no-such-file"),
    ("127.0.0.1", "port2", "x", "/private/x.txt"),
    (IP2, "port", "c.test", "/page.html/x"),
    ("127.0.0.1", "port", "a.test", "/gone"),
    # <FilesMatch>, <Files> and <Files> inside a <Directory> (vhost a only).
    ("127.0.0.1", "port", "a.test", "/.htaccess"),
    ("127.0.0.1", "port", "a.test", "/.htpasswd"),
    ("127.0.0.1", "port", "a.test", "/x.bak"),
    ("127.0.0.1", "port", "a.test", "/x.bak.txt"),
    ("127.0.0.1", "port", "a.test", "/secret.txt"),
    ("127.0.0.1", "port", "a.test", "/sub/secret.txt"),
    ("127.0.0.1", "port", "a.test", "/sub/x.bak"),
    ("127.0.0.1", "port", "a.test", "/sub/.htaccess"),
    ("127.0.0.1", "port", "a.test", "/sub/open.txt"),
    ("127.0.0.1", "port", "b.test", "/x.bak"),
    # RedirectMatch and AliasMatch (vhost b).
    ("127.0.0.1", "port", "b.test", "/rm/a.html"),
    ("127.0.0.1", "port", "b.test", "/rm/a/b.html?q=1"),
    ("127.0.0.1", "port", "b.test", "/rm/a.txt"),
    ("127.0.0.1", "port", "b.test", "/rm/a%20b.html"),
    ("127.0.0.1", "port", "b.test", "/rm/a%0d%0aSet-Cookie:%20x=1.html"),
    ("127.0.0.1", "port", "b.test", "/rm/q%3Fx=1%23f%25;%C3%A9.html"),
    ("127.0.0.1", "port", "b.test", "/rq/x?y=2"),
    ("127.0.0.1", "port", "b.test", "/gm/anything"),
    ("127.0.0.1", "port", "b.test", "/am/foo/bar.txt"),
    ("127.0.0.1", "port", "b.test", "/am/foo/missing.txt"),
    ("127.0.0.1", "port", "b.test", "/am/FOO/bar.txt"),
    ("127.0.0.1", "port", "b.test", "/am/foo/x/../bar.txt"),
    ("127.0.0.1", "port", "a.test", "/am/foo/bar.txt"),
]


def make_sites(root):
    """Document roots a, b, c and main: each page says whose it is."""
    for name in ("a", "b", "c", "main", "extra", "shared"):
        d = root / name
        (d / "sub").mkdir(parents=True)
        (d / "private").mkdir()
        (d / "index.html").write_text("index of %s\n" % name)
        (d / "start.html").write_text("start of %s\n" % name)
        (d / "page.html").write_text("page of %s\n" % name)
        (d / "sub" / "index.html").write_text("sub of %s\n" % name)
        (d / "private" / "x.txt").write_text("private of %s\n" % name)
        (d / "errors").mkdir()
        (d / "errors" / "404.html").write_text("custom 404 of %s\n" % name)
        (d / "foo-bar.txt").write_text("foo-bar of %s\n" % name)
        for f in (".htaccess", ".htpasswd", "x.bak", "x.bak.txt", "secret.txt", "sub/secret.txt",
                  "sub/x.bak", "sub/.htaccess", "sub/open.txt"):
            # A comment: Apache reads .htaccess files (AllowOverride), mpmd not yet.
            (d / f).write_text("# %s of %s\n" % (f, name))


def request_full(ip, port, host, path):
    """(status, headers, body) over a fresh connection."""
    with socket.create_connection((ip, port), timeout=10) as s:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                   % (path, host)).encode())
        r = Reader(s).read_response()
    return r.status, r, r.body


def request(ip, port, host, path):
    """(status, content type, body, location path) over a fresh connection."""
    with socket.create_connection((ip, port), timeout=10) as s:
        if host is None:
            s.sendall(("GET %s HTTP/1.0\r\n\r\n" % path).encode())
        else:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                       % (path, host)).encode())
        r = Reader(s).read_response()
    location = r.header("location") or ""
    if "://" in location:
        # A redirect to the server itself names that server's own host and
        # port: compare the path. Others (Redirect targets) whole.
        authority, _, rest = location.split("://", 1)[1].partition("/")
        host = authority.rsplit(":", 1)[0]
        if host in ("127.0.0.1", IP2, "localhost") or host.endswith(".test") and \
                host.split(".")[0] in ("a", "www", "b", "c", "main", "x"):
            location = "/" + rest
    ctype = (r.header("content-type") or "").split(";")[0]
    # Bodies are compared but for the servers' own error pages, which differ.
    body = b"" if r.body.lstrip().startswith(b"<!DOCTYPE") else r.body
    return r.status, ctype, body, location


def apache_for(tmp, sites, port, port2):
    """Debian's apache2 on the same sites file, in its own temp dir."""
    return Apache(tmp, port, f"""\
DocumentRoot "{tmp.parent}/sites/main"
CustomLog "{tmp.parent}/logs/main-apache.log" "%v %>s %U"
Alias /shared "{tmp.parent}/sites/shared"
<Directory />
    Require all denied
</Directory>
<Directory "{tmp.parent}/sites">
    Require all granted
</Directory>
<Directory "{tmp.parent}/sites/main/private">
    Require all denied
</Directory>
<Directory "{tmp.parent}/sites/shared/">
    Require ip 10.0.0.0/8
</Directory>
ErrorDocument 404 /errors/404.html
ErrorDocument 410 "Gone for good"
RedirectPermanent /moved http://moved.test/
Include "{sites}"
""", modules=("autoindex",), listen=("%s:%d" % (IP2, port), "127.0.0.1:%d" % port2),
                  server_name="main.test")


@unittest.skipUnless(available(), "Debian's apache2 is not installed")
class VirtualHosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = h.server_dir("mpmd-integ-vhosts-", writable=True)
        make_sites(cls.root / "sites")
        for d in ("logs", "apache"):
            (cls.root / d).mkdir()
            os.chmod(cls.root / d, 0o1777)
        cls.mpmd = h.Server()
        cls.mpmd_port2 = h.free_port()
        apache_port, apache_port2 = h.free_port(), h.free_port()

        def sites_file(name, port, logs):
            path = cls.root / name
            path.write_text(SITES.format(port=port, ip2=IP2, root=cls.root / "sites", logs=logs))
            return path

        cls.mpmd_sites = sites_file("sites-mpmd.conf", cls.mpmd.port, cls.root / "logs" / "mpmd")
        apache_sites = sites_file("sites-apache.conf", apache_port, cls.root / "logs" / "apache")
        (cls.root / "logs" / "mpmd").mkdir()
        (cls.root / "logs" / "apache").mkdir()
        for d in ("mpmd", "apache"):
            os.chmod(cls.root / "logs" / d, 0o1777)
        cls.mpmd.conf.write_text(cls.mpmd.config_text(f"""\
ServerName main.test
Listen {IP2}:{cls.mpmd.port}
Listen 127.0.0.1:{cls.mpmd_port2}
DocumentRoot "{cls.root}/sites/main"
CustomLog "{cls.root}/logs/main-mpmd.log" "%v %>s %U"
<Location /server-status>
    SetHandler server-status
</Location>
Alias /shared "{cls.root}/sites/shared"
<Directory />
    Require all denied
</Directory>
<Directory "{cls.root}/sites">
    Require all granted
</Directory>
<Directory "{cls.root}/sites/main/private">
    Require all denied
</Directory>
<Directory "{cls.root}/sites/shared/">
    Require ip 10.0.0.0/8
</Directory>
ErrorDocument 404 /errors/404.html
ErrorDocument 410 "Gone for good"
RedirectPermanent /moved http://moved.test/
Include "{cls.mpmd_sites}"
"""))
        cls.apache = apache_for(cls.root / "apache", apache_sites, apache_port, apache_port2)
        cls.ports = {"mpmd": {"port": cls.mpmd.port, "port2": cls.mpmd_port2},
                     "apache": {"port": apache_port, "port2": apache_port2}}
        cls.apache.start_beside(cls.mpmd)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.mpmd.stop()
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(cls.root, ignore_errors=True)

    def test_answers_match_apache(self):
        differences = []
        for ip, port_key, host, path in REQUESTS:
            ours = request(ip, self.ports["mpmd"][port_key], host, path)
            theirs = request(ip, self.ports["apache"][port_key], host, path)
            if ours != theirs:
                differences.append("%s %s Host=%r %s:\n  mpmd   %r\n  apache %r"
                                   % (ip, port_key, host, path, ours, theirs))
        self.assertEqual(differences, [], "\n".join(differences))
        # The requests above reached every vhost (the bodies say whose page).
        bodies = {request(ip, self.ports["mpmd"][k], host, "/page.html")[2]
                  for ip, k, host in (("127.0.0.1", "port", "a.test"),
                                      ("127.0.0.1", "port", "b.test"),
                                      (IP2, "port", "c.test"),
                                      ("127.0.0.1", "port2", "a.test"))}
        self.assertEqual(bodies, {b"page of a\n", b"page of b\n", b"page of c\n",
                                  b"page of main\n"})

    def test_access_logs_per_vhost_match_apache(self):
        marker = "/page.html?log-%d" % time.monotonic_ns()
        for ip, port_key, host in (("127.0.0.1", "port", "a.test"),
                                   ("127.0.0.1", "port", "www.a.test"),
                                   ("127.0.0.1", "port", "b.test"),
                                   (IP2, "port", "c.test"),
                                   ("127.0.0.1", "port2", "b.test")):
            for server in ("mpmd", "apache"):
                request(ip, self.ports[server][port_key], host, marker)

        def lines(server):
            # vhost a has its own log; b, c and the main server use the server's.
            logs = self.root / "logs"
            out = {}
            for name, path in (("a", logs / server / "a.log"),
                               ("main", logs / ("main-%s.log" % server))):
                text = path.read_text() if path.exists() else ""
                # Sorted: children and threads write their lines in batches.
                out[name] = sorted(line for line in text.splitlines()
                                   if line.endswith("/page.html"))
            return out

        def settled():
            m, a = lines("mpmd"), lines("apache")
            return len(m["a"]) >= 2 and len(m["main"]) >= 3 and m == a

        h.wait_until(settled, timeout=10)  # mpmd flushes its logs once a second
        self.assertEqual(lines("mpmd"), lines("apache"))
        self.assertIn("a.test 200 /page.html", lines("mpmd")["a"])
        self.assertIn("c.test 200 /page.html", lines("mpmd")["main"])

    def test_status_page_shows_the_vhost_as_apache_does(self):
        # Apache's VHost column: the vhost's ServerName and the port, whatever
        # the Host said (b's alias here). The status request shows itself.
        port = self.mpmd.port
        status, _, body = request_full("127.0.0.1", port, "B-Alias.test", "/server-status?json")
        self.assertEqual(status, 200, body)
        mine = [w for w in json.loads(body)["worker_table"]
                if w["request"].startswith("GET /server-status?json")]
        self.assertEqual([w["vhost"] for w in mine], ["b.test:%d" % port], mine)

    def test_dash_S_matches_apache2_S(self):
        def vhost_part(text):
            start = text.index("VirtualHost configuration:")
            rest = text[start:].splitlines()
            block = [rest[0]]
            for line in rest[1:]:
                if not (line.startswith(" ") or line.startswith("*:") or line[:1].isdigit()
                        or line.startswith("[")):
                    break
                block.append(line)
            return block

        ours = subprocess.run([h.MPMD, "-S", "-f", str(self.mpmd.conf)], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(ours.returncode, 0, ours.stderr)
        theirs = subprocess.run([APACHE, "-S", "-f", str(self.apache.conf)], capture_output=True,
                                text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(theirs.returncode, 0, theirs.stderr)
        # Same sites, different files and ports: compare with those named alike.
        apache_block = [line.replace("sites-apache.conf", "sites-mpmd.conf")
                        .replace(str(self.ports["apache"]["port"]), str(self.mpmd.port))
                        for line in vhost_part(theirs.stdout)]
        self.assertEqual(vhost_part(ours.stdout), apache_block,
                         "mpmd -S:\n%s\napache2 -S:\n%s" % (ours.stdout, theirs.stdout))
        self.assertIn('Main DocumentRoot: "%s/sites/main"' % self.root, ours.stdout)


if __name__ == "__main__":
    h.main()
