#!/usr/bin/env python3
"""Suite cli: the command line (-t, -v, -k stop, -X, serve) and the logs it writes."""

import os
import re
import subprocess
import unittest

import mpmd_harness as h

UA = "mpmd-integ/1.0"
REFERER = "http://referer.test/page"


def run_mpmd(*args, timeout=20):
    p = subprocess.run([h.MPMD, *args], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr


class PerTestServer(unittest.TestCase):
    """Each test gets a fresh (not yet started) server, stopped afterwards."""

    def setUp(self):
        self.server = h.Server()

    def tearDown(self):
        self.server.stop()

    def require_mpmd(self):
        if os.environ.get("MPMD_STANDIN"):
            self.skipTest("needs the mpmd binary")


class ConfigTest(PerTestServer):
    def test_syntax_ok(self):
        self.require_mpmd()
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 0, out)
        self.assertIn("Syntax OK", out)

    def write_with(self, line_text):
        """Inserts LINE_TEXT as line 4 of the config; returns the line number."""
        lines = self.server.conf.read_text().splitlines()
        lines.insert(3, line_text)
        self.server.conf.write_text("\n".join(lines) + "\n")
        return 4

    def test_unknown_directive(self):
        self.require_mpmd()
        line = self.write_with("NoSuchDirective on")
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, re.escape(str(self.server.conf)) + ":%d: NoSuchDirective" % line)
        self.assertNotIn("Syntax OK", out)

    def test_bad_argument(self):
        self.require_mpmd()
        line = self.write_with("StartServers many")
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, re.escape(str(self.server.conf)) + ":%d: StartServers" % line)

    def test_unknown_event_backend(self):
        self.require_mpmd()
        line = self.write_with("EventBackend kqueue")
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, re.escape(str(self.server.conf)) + ":%d: EventBackend" % line)
        self.assertIn("unknown event backend 'kqueue': must be one of select, poll, epoll, "
                      "io_uring", out)
        rc, out = run_mpmd("serve", "--event-backend", "kqueue")
        self.assertEqual(rc, 1, out)
        self.assertIn("unknown event backend 'kqueue'", out)

    def test_bad_config_refuses_to_start(self):
        self.require_mpmd()
        self.write_with("NoSuchDirective on")
        rc, out = run_mpmd("-f", str(self.server.conf), "-D", "FOREGROUND", timeout=10)
        self.assertNotEqual(rc, 0, out)
        self.assertFalse(h.port_accepts(self.server.port))

    def test_missing_config_file(self):
        self.require_mpmd()
        missing = str(self.server.tmp / "no-such.conf")
        rc, out = run_mpmd("-t", "-f", missing)
        self.assertEqual(rc, 1, out)
        self.assertIn(missing, out)

    def test_version(self):
        self.require_mpmd()
        rc, out = run_mpmd("-v")
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"(?i)mpmd.*\d+\.\d+\.\d+")


class ApacheTree(unittest.TestCase):
    """A config in an Apache tree (envvars beside it, as /etc/apache2): the
    APACHE_* variables envvars sets resolve, ServerRoot is the tree, -d
    overrides it; -S and -M answer as apache2ctl's do."""

    def setUp(self):
        self.tree = h.server_dir("mpmd-integ-tree-")
        self.addCleanup(h.shutil.rmtree, self.tree, True)
        (self.tree / "htdocs").mkdir()
        (self.tree / "logs").mkdir()
        (self.tree / "envvars").write_text(
            "# as Debian's: shell, sourced\n"
            "export APACHE_LOG_DIR=%s/logs$SUFFIX\n"
            "export APACHE_RUN_USER=www-data\n"
            "unset HOME\n" % self.tree)
        (self.tree / "apache2.conf").write_text(
            "Listen 127.0.0.1:%d\n"
            "ErrorLog ${APACHE_LOG_DIR}/error.log\n"
            "DocumentRoot htdocs\n"
            "<VirtualHost *:80>\n"
            "    ServerName a.test\n"
            "    ServerAlias www.a.test\n"
            "</VirtualHost>\n"
            "<VirtualHost *:80>\n"
            "    ServerName b.test\n"
            "</VirtualHost>\n" % h.free_port())
        os.environ.pop("APACHE_LOG_DIR", None)

    def test_envvars_and_server_root(self):
        conf = str(self.tree / "apache2.conf")
        rc, out = run_mpmd("-t", "-f", conf)
        self.assertEqual(rc, 0, out)
        self.assertIn("Syntax OK", out)
        rc, out = run_mpmd("-S", "-f", conf)
        self.assertEqual(rc, 0, out)
        self.assertIn('ServerRoot: "%s"' % self.tree, out)
        self.assertIn('Main DocumentRoot: "%s/htdocs"' % self.tree, out)
        self.assertIn('Main ErrorLog: "%s/logs/error.log"' % self.tree, out)
        self.assertIn("*:80                   is a NameVirtualHost\n"
                      "         default server a.test (%s:4)\n"
                      "         port 80 namevhost a.test (%s:4)\n"
                      "                 alias www.a.test\n"
                      "         port 80 namevhost b.test (%s:8)\n" % (conf, conf, conf), out)
        # -d: another ServerRoot, against which DocumentRoot resolves.
        rc, out = run_mpmd("-S", "-d", "/srv/elsewhere", "-f", conf)
        self.assertIn('Main DocumentRoot: "/srv/elsewhere/htdocs"', out)
        # Without envvars the variable is unknown: a config error, as Apache's.
        (self.tree / "envvars").unlink()
        rc, out = run_mpmd("-t", "-f", conf)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("APACHE_LOG_DIR", out)

    def test_debian_stock_tree_passes_t_with_one_warning_per_module(self):
        conf = "/etc/apache2/apache2.conf"
        if not os.path.exists(conf) or not os.path.exists("/etc/apache2/envvars"):
            self.skipTest("Debian's apache2 is not installed")
        rc, out = run_mpmd("-t", "-f", conf)
        self.assertEqual(rc, 0, out)
        self.assertTrue(out.rstrip().endswith("Syntax OK"), out)
        accepted = re.findall(r"accepted, not enforced \((\w+)\)", out)
        self.assertTrue(accepted, out)
        self.assertEqual(len(accepted), len(set(accepted)), out)  # once per module
        for module in ("autoindex_module", "mime_module", "negotiation_module"):
            self.assertIn(module, accepted)

    def test_modules(self):
        rc, out = run_mpmd("-M", "-f", str(self.tree / "apache2.conf"))
        self.assertEqual(rc, 0, out)
        self.assertTrue(out.startswith("Loaded Modules:\n mpm_event_module (static)\n"), out)
        self.assertIn(" ssl_module (static)\n", out)


class Control(PerTestServer):
    def test_stop_with_pid_file(self):
        self.require_mpmd()
        self.server.start()
        master = self.server.proc.pid
        pid_text = h.wait_until(
            lambda: self.server.pid_file.exists() and self.server.pid_file.read_text().strip(), 5
        )
        self.assertEqual(pid_text, str(master), "PidFile must hold the master's pid")
        # The master is our child: reap it while -k stop runs, or it stays a zombie that a
        # stopper waiting for the pid to vanish would still see.
        stopper = subprocess.Popen([h.MPMD, "-f", str(self.server.conf), "-k", "stop"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            self.server.proc.wait(10)
        except subprocess.TimeoutExpired:
            stopper.kill()
            self.fail("master still running 10 s after -k stop")
        finally:
            out = stopper.communicate(timeout=20)[0]
        self.assertEqual(stopper.returncode, 0, out)
        gone = h.wait_until(lambda: not h.group_members(master), 5, 0.1)
        self.assertTrue(gone, "processes left: %s" % h.group_members(master))
        self.assertTrue(h.wait_until(lambda: not self.server.pid_file.exists(), 5),
                        "PidFile not removed")
        self.assertFalse(h.port_accepts(self.server.port))

    def test_single_process_mode(self):
        self.require_mpmd()
        self.server.start(["-X", "-f", str(self.server.conf)])
        resp, _ = h.exchange(self.server.port, b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, h.content_4k())
        self.assertEqual(self.server.children(), [], "-X must not fork children")

    def test_serve_directory(self):
        self.require_mpmd()
        self.server.start(["serve", str(self.server.docroot), "--port", str(self.server.port),
                           "--mpm", self.server.engine])
        resp, _ = h.exchange(self.server.port, b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, h.content_4k())
        resp, _ = h.exchange(self.server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, h.INDEX_HTML)

    def test_serve_with_each_event_backend(self):
        self.require_mpmd()
        if self.server.engine != "event":
            self.skipTest("EventBackend is the event engine's")
        for backend in ["select", "poll", "io_uring"]:
            with self.subTest(backend=backend):
                server = h.Server()
                try:
                    server.start(["serve", str(server.docroot), "--port", str(server.port),
                                  "--listen", h.HOST, "--event-backend", backend])
                    resp, _ = h.exchange(server.port,
                                         b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual(resp.status, 200)
                    self.assertEqual(resp.body, h.content_4k())
                    self.assertIn("backend " + backend, server.output.read_text())
                finally:
                    server.stop()


class Logs(h.ServerTestCase):
    def test_access_log_combined(self):
        req = ("GET /index.html?q=1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: %s\r\n"
               "Referer: %s\r\n\r\n" % (UA, REFERER)).encode()
        resp, _ = h.exchange(self.server.port, req)
        self.assertEqual(resp.status, 200)
        pattern = re.compile(
            r'127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] '
            r'"GET /index\.html\?q=1 HTTP/1\.1" 200 %d "%s" "%s"'
            % (len(h.INDEX_HTML), re.escape(REFERER), re.escape(UA))
        )

        def logged():
            try:
                lines = self.server.access_log.read_text().splitlines()
            except OSError:
                return None
            return [line for line in lines if pattern.fullmatch(line)]

        found = h.wait_until(logged, 3.0, 0.1)
        self.assertTrue(found, "no combined line for the request within 3 s; access log:\n%s"
                        % h.tail(self.server.access_log, 10))

    def access_lines(self, pattern):
        def logged():
            try:
                lines = self.server.access_log.read_text().splitlines()
            except OSError:
                return None
            return [line for line in lines if re.fullmatch(pattern, line)]

        return h.wait_until(logged, 3.0, 0.1)

    def test_access_log_no_body_is_dash(self):
        first, _ = h.exchange(self.server.port, b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        req = ("GET /4k.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\nUser-Agent: dash-test\r\n\r\n"
               % first.header("ETag")).encode()
        resp, _ = h.exchange(self.server.port, req)
        self.assertEqual(resp.status, 304)
        # Apache's %b: "-" when no body bytes were sent.
        found = self.access_lines(r'.*"GET /4k\.txt HTTP/1\.1" 304 - "-" "dash-test"')
        self.assertTrue(found, "no 304 line with '-' bytes; access log:\n%s"
                        % h.tail(self.server.access_log, 10))

    def test_error_log_line_format(self):
        """Apache's layout, which log tools parse: [date] [module:level] [pid N] ID: text."""
        got = h.wait_until(lambda: self.server.error_log.exists() and
                           self.server.error_log.read_text().splitlines(), 3.0, 0.1)
        self.assertTrue(got)
        layout = re.compile(r"\[\w{3} \w{3} [ \d]\d \d{2}:\d{2}:\d{2}(\.\d+)? \d{4}\] "
                            r"\[[\w-]+:(emerg|alert|crit|error|warn|notice|info|debug|trace\d)\] "
                            r"\[pid \d+(:tid \d+)?\] .*")
        bad = [line for line in got if line.strip() and not layout.fullmatch(line)]
        self.assertEqual(bad, [])

    def test_error_log_has_stable_ids(self):
        h.exchange(self.server.port, b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")

        def lines():
            try:
                return [x for x in self.server.error_log.read_text().splitlines() if x.strip()]
            except OSError:
                return []

        got = h.wait_until(lines, 3.0, 0.1)
        self.assertTrue(got, "error log empty 3 s after start")
        without = [x for x in got if not re.search(r"\bMPMD\d+\b", x)]
        self.assertEqual(without, [], "error-log lines without a stable ID (MPMD<digits>)")


class OperatorChecks(PerTestServer):
    """What spares the operator: -t shows every error and warns about a missing
    DocumentRoot; a missing DocumentRoot is 404 logged once; the default PidFile;
    a detached start never loses the access log. Engine-neutral: event only."""

    def setUp(self):
        super().setUp()
        self.require_mpmd()
        if h.ENGINE != "event":
            self.skipTest("engine-neutral; runs under event")

    def test_every_error_is_reported(self):
        text = self.server.conf.read_text() + "".join("NoSuch%d on\n" % i for i in range(150))
        self.server.conf.write_text(text)
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 1, out)
        errors = [line for line in out.splitlines() if re.search(r":\d+: NoSuch\d+: ", line)]
        self.assertEqual(len(errors), 150, out[-500:])
        self.assertNotIn("too many errors", out)

    def test_missing_document_root_warns_then_404_logged_once(self):
        missing = self.server.tmp / "no-such-root"
        self.server.conf.write_text(self.server.conf.read_text()
                                    + 'DocumentRoot "%s"\n' % missing)
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 0, out)
        self.assertIn("DocumentRoot [%s] does not exist" % missing, out)  # Apache's AH00112
        self.assertIn("Syntax OK", out)
        self.server.start()
        for _ in range(5):
            resp, _ = h.exchange(self.server.port, b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(resp.status, 404)
        # One child logs once; each child logs at most once a minute.
        lines = h.wait_until(lambda: [x for x in self.server.error_log.read_text().splitlines()
                                      if "MPMD0035" in x], 3)
        self.assertTrue(lines, h.tail(self.server.error_log))
        self.assertLessEqual(len(lines), 2, "\n".join(lines))  # StartServers 2

    def test_default_pid_file_lets_k_stop_find_the_master(self):
        text = "\n".join(line for line in self.server.conf.read_text().splitlines()
                         if not line.startswith("PidFile"))
        self.server.conf.write_text(text + "\n")
        (self.server.tmp / "logs").mkdir()
        self.server.start()
        pid_file = self.server.tmp / "logs" / "httpd.pid"  # Apache's default, below ServerRoot
        self.assertTrue(h.wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 5))
        self.assertEqual(pid_file.read_text().strip(), str(self.server.proc.pid))
        stopper = subprocess.Popen([h.MPMD, "-f", str(self.server.conf), "-k", "stop"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(self.server.proc.wait(10), 0)
        out = stopper.communicate(timeout=20)[0]
        self.assertEqual(stopper.returncode, 0, out)

    def test_detached_start_refuses_access_log_on_stdout(self):
        self.server.conf.write_text(self.server.conf.read_text() + "CustomLog /dev/stdout common\n")
        rc, out = run_mpmd("-t", "-f", str(self.server.conf))
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: CustomLog /dev/stdout: a detached server", out)
        rc, out = run_mpmd("-k", "start", "-f", str(self.server.conf))
        self.assertEqual(rc, 1, out)
        self.assertIn("CustomLog /dev/stdout", out)
        self.assertFalse(h.port_accepts(self.server.port))
        self.assertFalse(self.server.pid_file.exists())


if __name__ == "__main__":
    h.main()
