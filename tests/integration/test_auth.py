#!/usr/bin/env python3
"""Suite auth: Basic authentication (mod_auth_basic, mod_authn_file,
mod_authz_user, mod_authz_groupfile), under every engine, checked against
Debian's Apache on the same directives and the same password files.

Password files are written by Apache's own htpasswd in every format it
offers (apr1 MD5, bcrypt, SHA-256 and SHA-512 crypt, SHA1, DES crypt); each
request (no credentials, right and wrong passwords, unknown users, other
schemes, malformed credentials) gets the same status and WWW-Authenticate
from both servers, 200s the same body, and both access logs the same %u.
"""

import base64
import os
import socket
import subprocess
import sys
import time
import unittest

import mpmd_harness as h
from apache_oracle import Apache, available
from raw_http import Reader

# user -> (htpasswd flag, password)
USERS = {
    "alice": ("-m", "wonder land"),
    "bob": ("-B", "b0b:with:colons"),
    "carol": ("-2", "carol-256"),
    "dave": ("-5", "dave-512"),
    "erin": ("-s", "erin-sha1"),
    "frank": ("-d", "frank8ch"),
}

# Sections, each below the shared document root; {dir} is its directory.
SECTIONS = """\
ErrorDocument 401 "Please log in"
<Directory "{root}/valid">
    AuthType Basic
    AuthName "Members only"
    AuthUserFile "{etc}/htpasswd"
    Require valid-user
</Directory>
<Directory "{root}/alice">
    AuthType Basic
    AuthName alice
    AuthUserFile "{etc}/htpasswd"
    Require user alice frank
</Directory>
<Directory "{root}/staff">
    AuthType Basic
    AuthName "Staff"
    AuthUserFile "{etc}/htpasswd"
    AuthGroupFile "{etc}/groups"
    Require group staff
</Directory>
<Directory "{root}/local-or-login">
    AuthType Basic
    AuthName "Local"
    AuthUserFile "{etc}/htpasswd"
    Require ip 127.0.0.1
    Require valid-user
</Directory>
<Directory "{root}/remote-or-login">
    AuthType Basic
    AuthName "Remote"
    AuthUserFile "{etc}/htpasswd"
    Require ip 10.0.0.0/8
    Require valid-user
</Directory>
<Location "/loc">
    AuthType Basic
    AuthName "By location"
    AuthBasicProvider file
    AuthUserFile "{etc}/htpasswd"
    Require user bob
</Location>
"""

PATHS = ["/open/a.txt", "/valid/a.txt", "/alice/a.txt", "/staff/a.txt",
         "/local-or-login/a.txt", "/remote-or-login/a.txt", "/loc/a.txt"]


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


CREDENTIALS = [None] + [basic(u, p) for u, (_, p) in USERS.items()] + [
    basic("alice", "wrong"),
    basic("bob", "b0b"),  # the part before the password's own colon
    basic("nobody-here", "x"),
    basic("alice", ""),
    "Bearer abc",
    "Basic !!!!",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "basic " + base64.b64encode(b"carol:carol-256").decode(),  # the scheme is case-insensitive
]


def get(port, path, authorization):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        extra = "Authorization: %s\r\n" % authorization if authorization else ""
        s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n"
                   % (path, extra)).encode())
        r = Reader(s).read_response()
    body = r.body if r.status == 200 else b""
    return r.status, r.header("www-authenticate"), body


def make_tree(root, etc):
    for d in ["open", "valid", "alice", "staff", "local-or-login", "remote-or-login", "loc"]:
        (root / d).mkdir()
        (root / d / "a.txt").write_text("a of %s\n" % d)
    first = True
    for user, (flag, password) in USERS.items():
        args = ["htpasswd", "-b" + ("c" if first else "") + flag[1:], str(etc / "htpasswd"),
                user, password]
        subprocess.run(args, check=True, capture_output=True)
        first = False
    (etc / "groups").write_text("staff: bob carol\nother: alice\n")
    for p in (etc / "htpasswd", etc / "groups"):
        os.chmod(p, 0o644)


@unittest.skipUnless(available(), "Debian's apache2 is not installed")
class BasicAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mpmd = h.Server(writable=True)
        root, etc = cls.mpmd.docroot, cls.mpmd.tmp / "etc"
        etc.mkdir()
        os.chmod(etc, 0o755)
        make_tree(root, etc)
        sections = SECTIONS.format(root=root, etc=etc)
        log_format = 'LogFormat "%u %>s %U" auth\n'
        cls.mpmd_log = cls.mpmd.tmp / "auth.log"
        cls.mpmd.conf.write_text(cls.mpmd.conf.read_text() + log_format + sections +
                                 'CustomLog "%s" auth\n' % cls.mpmd_log)
        apache_dir = h.server_dir("mpmd-integ-auth-apache-", writable=True)
        cls.apache_log = apache_dir / "auth.log"
        cls.apache = Apache(apache_dir, h.free_port(), "DocumentRoot \"%s\"\n%s%sCustomLog \"%s\" auth\n"
                            % (root, log_format, sections, cls.apache_log),
                            modules=("auth_basic", "authn_core", "authn_file", "authz_user",
                                     "authz_groupfile"))
        cls.apache.start_beside(cls.mpmd)

    @classmethod
    def tearDownClass(cls):
        cls.apache.stop()
        cls.mpmd.stop()

    def test_answers_match_apache(self):
        rows = 0
        for path in PATHS:
            for cred in CREDENTIALS:
                with self.subTest(path=path, authorization=cred):
                    self.assertEqual(get(self.mpmd.port, path, cred),
                                     get(self.apache.port, path, cred))
                rows += 1
        self.assertGreaterEqual(rows, 100)

    def test_access_log_user_matches_apache(self):
        def lines(path):
            return [ln for ln in path.read_text().splitlines() if ln.endswith(" /valid/a.txt")]

        # Logs are written within a second: earlier tests' lines are left out.
        time.sleep(1.5)
        before = {log: len(lines(log)) for log in (self.mpmd_log, self.apache_log)}
        for cred in CREDENTIALS:
            for port in (self.mpmd.port, self.apache.port):
                get(port, "/valid/a.txt", cred)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (
                len(lines(self.mpmd_log)) - before[self.mpmd_log] < len(CREDENTIALS)):
            time.sleep(0.1)
        mpmd = lines(self.mpmd_log)[before[self.mpmd_log]:]
        apache = lines(self.apache_log)[before[self.apache_log]:]
        # Each child writes its own lines: compare them as a set, in order.
        self.assertEqual(sorted(mpmd), sorted(apache), "\n".join(mpmd + ["vs"] + apache))
        self.assertIn("alice 200 /valid/a.txt", mpmd)

    def test_curl_logs_in(self):
        def curl(*args):
            r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *args,
                                "http://127.0.0.1:%d/valid/a.txt" % self.mpmd.port],
                               capture_output=True, text=True, timeout=30)
            return r.stdout

        self.assertEqual(curl(), "401")
        self.assertEqual(curl("-u", "alice:wonder land"), "200")
        self.assertEqual(curl("-u", "alice:wrong"), "401")
        self.assertEqual(curl("--basic", "-u", "bob:b0b:with:colons"), "200")

    def test_a_new_password_applies_at_once(self):
        etc = self.mpmd.tmp / "etc"
        subprocess.run(["htpasswd", "-b", str(etc / "htpasswd"), "grace", "new-user"],
                       check=True, capture_output=True)
        self.addCleanup(subprocess.run, ["htpasswd", "-D", str(etc / "htpasswd"), "grace"],
                        capture_output=True)
        self.assertEqual(get(self.mpmd.port, "/valid/a.txt", basic("grace", "new-user"))[0], 200)

    def test_refusals_are_logged(self):
        get(self.mpmd.port, "/valid/a.txt", basic("alice", "wrong"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = self.mpmd.error_log.read_text()
            if "MPMD0047" in text and "Password Mismatch" in text:
                return
            time.sleep(0.1)
        self.fail("no MPMD0047 line: %s" % h.tail(self.mpmd.error_log))


class Misconfigured(unittest.TestCase):
    def test_require_user_without_authtype_is_a_500_that_is_logged(self):
        server = h.Server('<Location "/x">\n    Require valid-user\n</Location>\n')
        self.addCleanup(server.stop)
        server.start()
        self.assertEqual(h.http_get(server.port, "/x")[0], 500)
        deadline = time.monotonic() + 5
        while "MPMD0048" not in server.error_log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertIn("AuthType not set", server.error_log.read_text())

    def test_unknown_auth_type_and_wildcard_directory_are_config_errors(self):
        tmp = h.server_dir("mpmd-integ-auth-t-")
        for body, message in [
                ('<Location "/x">\nAuthType Digest\n</Location>\n', "Digest"),
                ('<Directory "/srv/*/x">\nRequire valid-user\n</Directory>\n', "wildcards"),
                ('<Location "/x">\nAuthBasicProvider ldap\n</Location>\n', "ldap")]:
            conf = tmp / "mpmd.conf"
            conf.write_text("Listen 127.0.0.1:1\n" + body)
            r = subprocess.run([h.MPMD, "-t", "-f", str(conf)], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(message, r.stdout + r.stderr)
            self.assertIn("%s:" % conf, r.stdout + r.stderr)


if __name__ == "__main__":
    h.main()
