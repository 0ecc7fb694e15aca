#!/usr/bin/env python3
"""Suite privileges: User and Group (Apache's), under every engine.

Started as root, the master stays root (it binds, opens logs, reads keys,
reaps); every process that serves or runs application code gives root up for
good before it does:

* with User www-data: children, WSGI daemon processes and offload helpers run
  as www-data, Uid/Gid/Groups of /proc/PID/status, with the saved ids too (no
  way back to root) and no capabilities;
* User/Group with a name, and Apache's #uid / #gid;
* `User root` (and #0) fails -t with Apache's message; an unknown user or group
  fails -t naming the file and line;
* after the drop the scoreboard (server-status), the access log in a directory
  only root can enter, the pid file and shm sessions still work;
* with neither User nor Group, the children run as www-data (Apache's default
  on Debian), never as root, and a document root only root can reach is still
  served (the master opens it before the drop).

Needs root (it is what it tests): as another user the suite is skipped.
"""

import os
import pwd
import re
import subprocess
import sys
import unittest
from pathlib import Path

import mpmd_harness as h

BUILD = None  # set in main: the directory holding mpmd (apps/ beside it)
STATUS = "<Location /server-status>\n    SetHandler server-status\n</Location>\n"
WWW = pwd.getpwnam("www-data")
h.suppress_python_leaks()  # one of its servers runs a WSGI daemon


def status_of(pid):
    """{field: value} of /proc/PID/status."""
    out = {}
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.split()
    return out


def title(pid):
    try:
        return Path("/proc/%d/cmdline" % pid).read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def syntax_check(conf_text, tmp):
    conf = tmp / "check.conf"
    conf.write_text(conf_text)
    r = subprocess.run([h.MPMD, "-t", "-f", str(conf)], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr, conf


class Identity(unittest.TestCase):
    """Assertions on a process's credentials."""

    def assert_runs_as(self, pid, uid, gid, groups=None):
        st = status_of(pid)
        what = "pid %d (%s)" % (pid, title(pid))
        # Real, effective, saved and filesystem ids: the saved one rules out seteuid(0).
        self.assertEqual(st["Uid"], [str(uid)] * 4, what)
        self.assertEqual(st["Gid"], [str(gid)] * 4, what)
        self.assertEqual(sorted(st["Groups"]), sorted(str(g) for g in (groups or [gid])), what)
        # No capability left, in the effective or the permitted set: setuid(0) fails.
        self.assertEqual(int(st["CapEff"][0], 16), 0, what)
        self.assertEqual(int(st["CapPrm"][0], 16), 0, what)

    def serving_children(self, server):
        return [p for p in server.children() if "child [" in title(p)]


class WwwData(h.ServerTestCase, Identity):
    """User www-data: children, WSGI daemons and offload helpers."""

    @classmethod
    def setUpClass(cls):
        cls.logs = h.server_dir("mpmd-priv-logs-")
        os.chmod(cls.logs, 0o700)  # only root enters: the master opens the access log
        cls.EXTRA = (
            "User www-data\n" + STATUS + 'CustomLog "%s" "%%h %%>s %%U pid=%%P"\n' % (cls.logs / "access.log") +
            "WSGIDaemonProcess pyd processes=1 threads=2\n"
            'WSGIScriptAlias /py "%s" process-group=pyd\n'
            "WSGIDaemonProcess pyn processes=1 threads=1 user=nobody group=nogroup\n"
            'WSGIScriptAlias /pyn "%s" process-group=pyn\n'
            % ((h.children_can_read(h.REPO / "tests" / "integration" / "wsgi") / "pep3333.wsgi",)
               * 2) +
            'LoadApplication offload "%s"\n<Location /offload>\n    SetHandler offload\n'
            "</Location>\nOffloadProcesses 1\n" % (Path(BUILD) / "apps" / "offload.so") +
            'LoadApplication counter "%s"\n<Location /counter>\n    SetHandler counter\n'
            "</Location>\nSessionStore shm\n" % (Path(BUILD) / "apps" / "session_counter.so"))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        h.shutil.rmtree(cls.logs, ignore_errors=True)

    def test_master_stays_root(self):
        st = status_of(self.server.proc.pid)
        self.assertEqual(st["Uid"], ["0"] * 4)

    def test_children_run_as_www_data(self):
        kids = h.wait_until(lambda: self.serving_children(self.server), 10)
        self.assertTrue(kids, "no child: %s" % self.server.children())
        for pid in kids:
            self.assert_runs_as(pid, WWW.pw_uid, WWW.pw_gid)

    def test_wsgi_daemon_runs_as_www_data(self):
        self.assertEqual(h.http_get(self.server.port, "/py/hello")[0], 200)
        daemons = [p for p in self.server.children() if "wsgi daemon pyd" in title(p)]
        self.assertTrue(daemons, [title(p) for p in self.server.children()])
        for pid in daemons:
            self.assert_runs_as(pid, WWW.pw_uid, WWW.pw_gid)

    def test_wsgi_daemon_user_and_group_options(self):
        # mod_wsgi's user= and group=: this group's daemon is nobody:nogroup,
        # the other one keeps the server's User.
        self.assertEqual(h.http_get(self.server.port, "/pyn/hello")[0], 200)
        daemons = [p for p in self.server.children() if "wsgi daemon pyn" in title(p)]
        self.assertTrue(daemons, [title(p) for p in self.server.children()])
        nobody = pwd.getpwnam("nobody")
        for pid in daemons:
            self.assert_runs_as(pid, nobody.pw_uid, 65534)

    def test_offload_helpers_run_as_www_data(self):
        status, _, body = h.http_get(self.server.port, "/offload/whoami/pool")
        self.assertEqual(status, 200, body)
        helpers = [g for c in self.serving_children(self.server) for s in h.children_of(c)
                   for g in [s] + h.children_of(s)]
        self.assertTrue(helpers, "no spawner or helper under %s" % self.server.children())
        for pid in helpers:
            self.assert_runs_as(pid, WWW.pw_uid, WWW.pw_gid)

    def test_scoreboard_after_the_drop(self):
        for _ in range(3):
            self.assertEqual(h.http_get(self.server.port, "/4k.txt")[0], 200)
        auto = h.status_auto(self.server.port)
        self.assertGreaterEqual(int(auto["Total Accesses"]), 3, auto)

    def test_access_log_opened_by_the_master(self):
        self.assertEqual(h.http_get(self.server.port, "/4k.txt?logged")[0], 200)
        log = self.logs / "access.log"
        self.assertTrue(h.wait_until(
            lambda: log.exists() and "/4k.txt" in log.read_text(), 10),
            "no line in %s (mode 700, owned by root)" % log)

    def test_pid_file(self):
        self.assertEqual(int(self.server.pid_file.read_text()), self.server.proc.pid)

    def test_shm_sessions_after_the_drop(self):
        first = h.http_get(self.server.port, "/counter/")
        self.assertEqual(first[0], 200, first)
        cookie = re.search(r"MPMDSESSION=([0-9a-f]+)", first[1].get("set-cookie", ""))
        self.assertTrue(cookie, first)
        again = h.http_get(self.server.port, "/counter/",
                           headers={"Cookie": "MPMDSESSION=" + cookie.group(1)})
        self.assertEqual(again[0], 200, again)
        self.assertIn("visits=2", again[2].decode(), again)


class NamedUser(Identity):
    def run_as(self, directives):
        server = h.Server(directives, start_servers=1)
        self.addCleanup(server.stop)
        server.start()
        kids = h.wait_until(lambda: self.serving_children(server), 10)
        self.assertTrue(kids)
        self.assertEqual(h.http_get(server.port, "/4k.txt")[0], 200)
        return kids

    def test_user_and_group_by_name(self):
        nobody = pwd.getpwnam("nobody")
        for pid in self.run_as("User nobody\nGroup nogroup\n"):
            self.assert_runs_as(pid, nobody.pw_uid, 65534)

    def test_numeric_ids(self):
        # Ids with no passwd or group entry: Apache's #uid / #gid.
        for pid in self.run_as("User #4321\nGroup #4322\n"):
            self.assert_runs_as(pid, 4321, 4322)

    def test_user_without_group_takes_its_primary_group(self):
        for pid in self.run_as("User www-data\n"):
            self.assert_runs_as(pid, WWW.pw_uid, WWW.pw_gid)


class SyntaxCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = h.server_dir("mpmd-priv-t-")
        self.addCleanup(h.shutil.rmtree, self.tmp, True)
        self.base = "Listen 127.0.0.1:%d\nDocumentRoot \"%s\"\nErrorLog \"%s\"\n" % (
            h.free_port(), self.tmp, self.tmp / "error.log")

    def test_user_root_is_refused(self):
        for spec in ("root", "#0"):
            code, out, conf = syntax_check(self.base + "User %s\n" % spec, self.tmp)
            self.assertNotEqual(code, 0, out)
            self.assertIn("%s:4" % conf, out)
            self.assertIn("has not been designed to serve pages while", out)
            self.assertIn("running as root.", out)
            self.assertNotIn("Syntax OK", out)

    def test_unknown_user_and_group(self):
        code, out, conf = syntax_check(self.base + "User no-such-user-mpmd\n", self.tmp)
        self.assertNotEqual(code, 0, out)
        self.assertIn("%s:4" % conf, out)
        self.assertIn("bad user name no-such-user-mpmd", out)
        code, out, conf = syntax_check(self.base + "Group no-such-group-mpmd\n", self.tmp)
        self.assertNotEqual(code, 0, out)
        self.assertIn("%s:4" % conf, out)
        self.assertIn("bad group name no-such-group-mpmd", out)

    def test_wsgi_daemon_user_root_and_unknown_user_are_refused(self):
        for option, message in (("user=root", "a daemon process may not run as root"),
                                ("user=no-such-user-mpmd", "bad user name no-such-user-mpmd"),
                                ("group=no-such-group-mpmd", "bad group name no-such-group-mpmd")):
            code, out, conf = syntax_check(self.base + "WSGIDaemonProcess d %s\n" % option,
                                           self.tmp)
            self.assertNotEqual(code, 0, out)
            self.assertIn("%s:4" % conf, out)
            self.assertIn(message, out)

    def test_valid_user_and_group(self):
        code, out, _ = syntax_check(self.base + "User www-data\nGroup #33\n", self.tmp)
        self.assertEqual(code, 0, out)
        self.assertIn("Syntax OK", out)
        self.assertNotIn("ignored", out)


class NoUser(Identity):
    def test_without_user_children_run_as_www_data_and_still_serve_a_root_only_tree(self):
        # `make run` as root in a checkout under /root (mode 0700): no User,
        # so the children run as www-data (Apache's default on Debian), never
        # as root; www/ is still served, as the master opened it for them.
        server = h.Server("", start_servers=1)
        self.addCleanup(server.stop)
        os.chmod(server.tmp, 0o700)
        secret = server.docroot / "root-only.txt"
        secret.write_text("only root reads this\n")
        os.chmod(secret, 0o600)
        server.start()
        self.assertEqual(h.http_get(server.port, "/4k.txt")[0], 200)
        self.assertEqual(h.http_get(server.port, "/root-only.txt")[0], 403)
        for pid in h.wait_until(lambda: self.serving_children(server), 10):
            self.assert_runs_as(pid, WWW.pw_uid, WWW.pw_gid)

    def test_mpmd_serve_as_root_drops_to_www_data(self):
        server = h.Server("", start_servers=1)
        self.addCleanup(server.stop)
        os.chmod(server.tmp, 0o700)
        server.start(["serve", str(server.docroot), "--port", str(server.port),
                      "--mpm", server.engine])
        self.assertEqual(h.http_get(server.port, "/4k.txt")[0], 200)
        for pid in h.wait_until(lambda: self.serving_children(server), 10):
            self.assert_runs_as(pid, WWW.pw_uid, WWW.pw_gid)


def main():
    global BUILD
    args = sys.argv[1:]
    mpmd = args[args.index("--mpmd") + 1] if "--mpmd" in args else h.MPMD
    BUILD = os.environ.get("MPMD_BUILD_DIR", str(Path(os.path.abspath(mpmd)).parent))
    if os.geteuid() != 0:
        print("privileges suite: needs root (it tests giving root up); skipping")
        print("0 passed, 0 failed, 1 skipped")
        sys.exit(0)
    h.main()


if __name__ == "__main__":
    main()
