#!/usr/bin/env python3
"""Suite package: the Debian package, built, installed, run, removed, purged.

1. dpkg-buildpackage -us -uc -b on a copy of the tree, with MPMD_PREBUILT
   naming the ctest build dir (debian/rules then only installs it: ~20 s
   instead of a full compile);
2. dpkg -i: the postinst succeeds and, systemd not being PID 1 here, says it
   did not start the service; the files land in the Debian layout;
3. systemd-analyze verify on the installed unit;
4. the unit's own lines, run as systemd would (User=/Group=, the ambient
   CAP_NET_BIND_SERVICE, RuntimeDirectory=, NOTIFY_SOCKET): ExecStartPre
   (mpmd -t), then ExecStart with the installed config, until the default site
   answers 200 on port 80; ExecReload keeps it serving; ExecStop stops it;
5. started again, `apt-get remove` stops it cleanly (prerm), the conffiles
   stay; `apt-get purge` removes them and /var/log/mpmd.

Needs root, port 80 free and no mpmd package installed (skipped otherwise).

    python3 tests/integration/test_package.py --build build
"""

import argparse
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mpmd_harness as h  # noqa: E402

BUILD = None
UNIT = Path("/lib/systemd/system/mpmd.service")


def run(cmd, check=True, timeout=300, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(map(str, cmd)), p.returncode,
                                                          p.stdout[-4000:], p.stderr[-4000:]))
    return p


def unit_settings(path):
    """[Service] settings of a unit file: name -> list of values."""
    settings, section = {}, None
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def port80_free():
    with socket.socket() as s:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", 80))
            return True
        except OSError:
            return False


def get(path="/", timeout=5):
    with urllib.request.urlopen("http://127.0.0.1%s" % path, timeout=timeout) as r:
        return r.status, r.read()


class NotifySocket:
    """A fake systemd notification socket: collects what sd_notify sends."""

    def __init__(self, directory):
        self.path = str(Path(directory) / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)
        self.sock.settimeout(0.05)
        self.messages = []

    def drain(self):
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except (socket.timeout, BlockingIOError):
                return self.messages

    def close(self):
        self.sock.close()


class Package(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (dpkg -i)")
        if run(["dpkg-query", "-W", "-f=${Status}", "mpmd"], check=False).stdout.startswith(
                "install ok"):
            self.skipTest("an mpmd package is installed already; not touching it")
        if not port80_free():
            self.skipTest("port 80 is in use; the installed config listens on it")
        self.tmp = Path(tempfile.mkdtemp(prefix="mpmd-package-"))
        os.chmod(self.tmp, 0o755)  # the service user reaches the notification socket
        self.servers = []
        self.addCleanup(self.cleanup)

    def cleanup(self):
        for p in self.servers:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        run(["dpkg", "--purge", "mpmd"], check=False)
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def build_package(self):
        src = self.tmp / "mpmd"
        files = run(["git", "-C", str(h.REPO), "ls-files", "-co", "--exclude-standard"]).stdout
        src.mkdir()
        for rel in files.splitlines():
            if rel.startswith(("build", "obj-")) or not (h.REPO / rel).is_file():
                continue
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(h.REPO / rel, src / rel, follow_symlinks=False)
        env = dict(os.environ, MPMD_PREBUILT=str(BUILD), DEB_BUILD_OPTIONS="noddebs nocheck")
        run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env, timeout=600)
        debs = list(self.tmp.glob("mpmd_*.deb"))
        self.assertEqual(len(debs), 1, "expected one mpmd_*.deb, got %s" % debs)
        return debs[0]

    def unit_command(self, line):
        """argv of an Exec line (its '-', '@', '+' prefixes dropped)."""
        return shlex.split(line.lstrip("-@+!:"))

    def start_service(self, settings, notify):
        """ExecStartPre, then ExecStart, as the unit's User with its capability and
        RuntimeDirectory; returns the Popen of the master."""
        user = settings["User"][0]
        pw = pwd.getpwnam(user)
        run_dir = Path("/run") / settings["RuntimeDirectory"][0]
        run_dir.mkdir(exist_ok=True)
        os.chown(run_dir, pw.pw_uid, pw.pw_gid)
        as_user = ["setpriv", "--reuid=" + user, "--regid=" + settings["Group"][0],
                   "--init-groups", "--inh-caps=+net_bind_service",
                   "--ambient-caps=+net_bind_service", "--"]
        env = dict(os.environ, NOTIFY_SOCKET=notify.path)
        for line in settings.get("ExecStartPre", []):
            p = run(as_user + self.unit_command(line), env=env)
            self.assertIn("Syntax OK", p.stderr)
        out = open(self.tmp / "service-output.log", "ab")
        master = subprocess.Popen(as_user + self.unit_command(settings["ExecStart"][0]), env=env,
                                  stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd="/",
                                  start_new_session=True)
        out.close()
        self.servers.append(master)
        return master

    def wait_200(self, master, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if master.poll() is not None:
                self.fail("the service exited (%s):\n%s" % (
                    master.returncode, h.tail(self.tmp / "service-output.log")))
            try:
                status, body = get()
                if status == 200:
                    return body
            except OSError:
                time.sleep(0.02)
        self.fail("no 200 on port 80 within %d s:\n%s" % (timeout,
                                                          h.tail("/var/log/mpmd/error.log")))

    def test_build_install_run_remove_purge(self):
        t = time.monotonic()
        deb = self.build_package()
        print("package built in %.1f s: %s" % (time.monotonic() - t, deb.name), flush=True)

        t_install = time.monotonic()
        p = run(["dpkg", "-i", str(deb)])
        self.assertIn("NOT started", p.stdout + p.stderr)
        self.assertTrue(os.path.isdir("/run/mpmd"), "tmpfiles.d did not make /run/mpmd")
        for f in ["/usr/sbin/mpmd", "/etc/mpmd/mpmd.conf", "/etc/mpmd/sites-enabled/000-default.conf",
                  "/var/www/html/index.html", "/etc/logrotate.d/mpmd", str(UNIT),
                  "/usr/share/man/man5/mpmd.conf.5.gz"]:
            self.assertTrue(os.path.exists(f), f)
        st = os.stat("/var/log/mpmd")
        self.assertEqual(pwd.getpwuid(st.st_uid).pw_name, "www-data")

        notify = NotifySocket(self.tmp)
        self.addCleanup(notify.close)
        settings = unit_settings(UNIT)
        self.assertEqual(settings["Type"], ["notify"])
        master = self.start_service(settings, notify)
        body = self.wait_200(master)
        first_200 = time.monotonic() - t_install
        print("dpkg -i to the first 200 from the installed service: %.2f s" % first_200,
              flush=True)
        self.assertIn(b"It works!", body)
        ready = [m for m in notify.drain() if "READY=1" in m]
        self.assertTrue(ready, "no READY=1 from the service: %s" % notify.messages)
        self.assertIn("STATUS=event engine, generation 0", ready[0])

        verify = run(["systemd-analyze", "verify", str(UNIT)], check=False)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertEqual((verify.stdout + verify.stderr).strip(), "")

        # logrotate's file, forced: the logs move aside and the postrotate's
        # graceful restart makes the server write to new files. Its
        # notifempty leaves an empty log alone: the children write their
        # lines within a second, so wait for the first.
        log = "/var/log/mpmd/access.log"
        self.assertTrue(h.wait_until(lambda: os.path.exists(log) and os.path.getsize(log) > 0, 10),
                        "nothing in " + log)
        lr = run(["logrotate", "-f", "-s", str(self.tmp / "logrotate.state"),
                  "/etc/logrotate.d/mpmd"])
        self.assertTrue(os.path.exists("/var/log/mpmd/access.log.1"), lr.stdout + lr.stderr)

        def new_access_log_written():
            try:
                get("/?after-rotation")
                return "after-rotation" in Path("/var/log/mpmd/access.log").read_text()
            except OSError:
                return False

        self.assertTrue(h.wait_until(new_access_log_written, 15, 0.5),
                        "no access-log line in the new file after logrotate")

        env = dict(os.environ, NOTIFY_SOCKET=notify.path)
        run(self.unit_command(settings["ExecReload"][0]), env=env)
        self.wait_200(master)
        run(self.unit_command(settings["ExecStop"][0]), env=env, timeout=60)
        self.assertEqual(master.wait(10), 0, "ExecStop: the master did not exit cleanly")
        self.assertFalse(h.port_accepts(80))

        master = self.start_service(settings, notify)
        self.wait_200(master)
        p = run(["apt-get", "remove", "-y", "mpmd"], env=dict(os.environ,
                DEBIAN_FRONTEND="noninteractive"))
        self.assertEqual(master.wait(20), 0, "apt-get remove did not stop the server cleanly")
        self.assertFalse(os.path.exists("/usr/sbin/mpmd"))
        self.assertTrue(os.path.exists("/etc/mpmd/mpmd.conf"), "remove must keep the conffiles")
        run(["apt-get", "purge", "-y", "mpmd"], env=dict(os.environ,
            DEBIAN_FRONTEND="noninteractive"))
        for gone in ["/etc/mpmd", "/var/log/mpmd", "/etc/logrotate.d/mpmd"]:
            self.assertFalse(os.path.exists(gone), gone + " left after purge")


def main():
    global BUILD
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--build", default=str(h.REPO / "build"))
    parser.add_argument("--mpmd")
    args, rest = parser.parse_known_args()
    BUILD = Path(args.build).resolve()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
