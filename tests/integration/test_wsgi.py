#!/usr/bin/env python3
"""Suite wsgi: Python WSGI applications hosted by mpmd (WSGIScriptAlias, mod_wsgi's
directives), under every engine.

* a server without WSGI directives never maps libpython (its children's /proc/PID/maps),
  one with them does;
* PEP 3333 through small applications wrapped in wsgiref.validate.validator
  (tests/integration/wsgi/pep3333.wsgi): environ, wsgi.input (read, readline, readlines,
  iteration, chunked bodies, LimitRequestBody), the write() callable, start_response with
  exc_info, iterables closed, responses streamed as the application yields,
  wsgi.file_wrapper, wsgi.errors to the error log;
* an exception is a 500 with the traceback in the error log, and the child keeps serving;
  a syntax error refuses the start with the Python file and line;
* thread-locals survive between requests of one thread; WSGIImportScript preloads in the
  master; WSGIScriptReloading and -k graceful load changed code;
* Flask and Django (Debian's packages) end to end, embedded and in a daemon process group;
* daemon mode: requests answered by the daemon processes, which survive child recycling;
  a crash gives 503 and the process is replaced; a hang past request-timeout gives 504;
  touching the script restarts the group;
* the GIL wait per worker in /server-status?auto and /metrics."""

import base64
import http.client
import json
import os
import signal
import socket
import threading
import time
import unittest
from pathlib import Path

import mpmd_harness as h

APPS = h.children_can_read(Path(__file__).resolve().parent / "wsgi")
h.suppress_python_leaks()


def request(port, method, path, body=None, headers=None, timeout=20.0):
    return h.http_request(port, method, path, body, headers, timeout)


def get_json(port, path):
    status, _, body = request(port, "GET", path)
    if status != 200:
        raise AssertionError("%s answered %d: %r" % (path, status, body[:300]))
    return json.loads(body)


def maps_have_libpython(pid):
    try:
        return "libpython3" in Path("/proc/%d/maps" % pid).read_text()
    except OSError:
        return False


def log_text(server):
    try:
        return server.error_log.read_text(errors="replace")
    except OSError:
        return ""


# A Basic login in front of the application: REMOTE_USER and AUTH_TYPE reach
# it, as mod_wsgi passes them (users.htpasswd: reader, "open sesame").
LOGIN = """
WSGIScriptAlias /login "{app}"
<Location /login>
    AuthType Basic
    AuthName "WSGI"
    AuthUserFile "{users}"
    Require valid-user
</Location>
""".format(app=APPS / "pep3333.wsgi", users=APPS / "users.htpasswd")

STATUS = """
<Location /server-status>
    SetHandler server-status
</Location>
<Location /metrics>
    SetHandler metrics
</Location>
"""


class WithoutPython(unittest.TestCase):
    def test_no_libpython_without_wsgi_directives(self):
        server = h.Server("", writable=True)
        server.start()
        try:
            self.assertEqual(request(server.port, "GET", "/4k.txt")[0], 200)
            pids = [server.proc.pid] + server.children()
            self.assertGreater(len(pids), 1)
            for pid in pids:
                self.assertFalse(maps_have_libpython(pid), "pid %d maps libpython" % pid)
        finally:
            server.stop()


class Embedded(h.ServerTestCase):
    WRITABLE = True  # the applications leave marks in the server's temp dir
    EXTRA = ('WSGIScriptAlias /t "%s"\n' % (APPS / "pep3333.wsgi")) + STATUS + LOGIN + \
        "LimitRequestBody 100000\nThreadsPerChild 4\n"

    def test_libpython_mapped_with_wsgi(self):
        self.assertEqual(request(self.port, "GET", "/t/hello")[0], 200)
        self.assertTrue(any(maps_have_libpython(p) for p in self.server.children()))

    def test_hello(self):
        status, headers, body = request(self.port, "GET", "/t/hello")
        self.assertEqual((status, body), (200, b"Hello, world!\n"))
        self.assertEqual(headers["content-length"], "14")
        status, _, body = request(self.port, "HEAD", "/t/hello")
        self.assertEqual((status, body), (200, b""))

    def test_environ(self):
        e = get_json(self.port, "/t/environ?x=1&y=%20")
        self.assertEqual(e["SCRIPT_NAME"], "/t")
        self.assertEqual(e["PATH_INFO"], "/environ")
        self.assertEqual(e["REQUEST_URI"], "/t/environ?x=1&y=%20")
        self.assertEqual(e["QUERY_STRING"], "x=1&y=%20")
        self.assertEqual(e["REQUEST_METHOD"], "GET")
        self.assertEqual(e["SERVER_PROTOCOL"], "HTTP/1.1")
        self.assertEqual(e["SERVER_PORT"], str(self.port))
        self.assertEqual(e["REMOTE_ADDR"], "127.0.0.1")
        self.assertEqual(e["wsgi.url_scheme"], "http")
        self.assertEqual(e["wsgi.version"], [1, 0])
        self.assertIn("HTTP_HOST", e)
        self.assertEqual(e["wsgi.multithread"], self.server.engine != "prefork")
        self.assertTrue(e["wsgi.multiprocess"])
        self.assertEqual(e["wsgi.file_wrapper"], "type")

    def test_environ_fresh_per_request_on_one_connection(self):
        # One connection: the same serving thread and interpreter each time, so
        # the strings the host keeps between requests are reused; each request
        # still sees its own values and a dict nobody changed before.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            for value in ("a", "b", "b", "a", "caf\xe9", "a" * 300, "a" * 300, ""):
                conn.request("GET", "/t/mark", headers={"X-V": value})
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                info = json.loads(r.read())
                self.assertEqual(info, {"marked_before": False, "x_v": value}, value)
        finally:
            conn.close()

    def test_path_cleaned_before_the_alias_like_apache(self):
        # Decoded, dot segments removed and slashes merged before WSGIScriptAlias
        # matches (Apache's order); %2F is 404 (AllowEncodedSlashes Off), ".."
        # above the root is 400.
        for path in ("/t/x/../environ", "/t//environ", "/t/%65nviron", "/t/./environ",
                     "/x/../t/environ", "/%74/environ"):
            e = get_json(self.port, path)
            self.assertEqual((e["SCRIPT_NAME"], e["PATH_INFO"]), ("/t", "/environ"), path)
        self.assertEqual(request(self.port, "GET", "/t/a%2Fb")[0], 404)
        self.assertEqual(request(self.port, "GET", "/../t/hello")[0], 400)

    def test_environ_authorization_only_when_passed(self):
        login = "Basic " + base64.b64encode(b"reader:open sesame").decode()
        self.assertEqual(request(self.port, "GET", "/login/environ")[0], 401)
        e = get_json_h(self.port, "/login/environ", {"Authorization": login, "X-Under_Score": "1",
                                                       "X-Ok": "a"})
        self.assertEqual((e["REMOTE_USER"], e["AUTH_TYPE"]), ("reader", "Basic"))
        self.assertNotIn("HTTP_AUTHORIZATION", e)
        self.assertNotIn("HTTP_X_UNDER_SCORE", e)
        self.assertEqual(e["HTTP_X_OK"], "a")

    def test_input_read_and_limit(self):
        body = os.urandom(50000)
        status, _, out = request(self.port, "POST", "/t/echo", body=body)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(out)["length"], 50000)
        # Chunked, read in pieces until the end.
        conn = http.client.HTTPConnection(h.HOST, self.port, timeout=20)
        conn.request("POST", "/t/upload", body=iter([b"a" * 30000, b"b" * 30000]),
                     encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.read())["length"], 60000)
        conn.close()
        # Over LimitRequestBody: 413, never the application's 500.
        status, _, _ = request(self.port, "POST", "/t/echo", body=b"x" * 200000)
        self.assertEqual(status, 413)

    def test_readline_readlines_iteration(self):
        out = json.loads(request(self.port, "POST", "/t/lines", body=b"one\ntwo\nthree\nfour")[2])
        self.assertEqual(out, {"first": "one\n", "second": "two", "rest": ["\n", "three\n", "four"]})
        out = json.loads(request(self.port, "POST", "/t/iterate", body=b"a\nb\nc")[2])
        self.assertEqual(out, ["a\n", "b\n", "c"])

    def test_streamed_as_yielded(self):
        flag = self.server.tmp / ("flag-%d" % time.monotonic_ns())
        s = socket.create_connection((h.HOST, self.port), timeout=20)
        try:
            s.sendall(b"GET /t/stream?%s HTTP/1.1\r\nHost: x\r\n\r\n" % str(flag).encode())
            got = b""
            while b"first\n" not in got:
                piece = s.recv(4096)
                self.assertTrue(piece, "closed before the first piece")
                got += piece
            self.assertIn(b"transfer-encoding: chunked", got.lower())
            self.assertNotIn(b"second", got)
            flag.write_text("go")
            while b"0\r\n\r\n" not in got:
                piece = s.recv(4096)
                if not piece:
                    break
                got += piece
            self.assertIn(b"second\n", got)
        finally:
            s.close()

    def test_write_callable(self):
        self.assertEqual(request(self.port, "GET", "/t/write")[2], b"written then returned\n")

    def test_file_wrapper(self):
        path = self.server.docroot / "1m.bin"
        status, headers, body = request(self.port, "GET", "/t/file?%s" % path)
        self.assertEqual(status, 200)
        self.assertEqual(body, path.read_bytes()[10:])
        self.assertEqual(headers["content-length"], str(len(body)))

    def test_close_called(self):
        mark = self.server.tmp / ("closed-%d" % time.monotonic_ns())
        status, _, body = request(self.port, "GET", "/t/close?%s" % mark)
        self.assertEqual((status, body), (200, b"part one, part two\n"))
        self.assertTrue(h.wait_until(mark.exists, 5))

    def test_exception_is_500_with_traceback(self):
        status, _, _ = request(self.port, "GET", "/t/error")
        self.assertEqual(status, 500)
        self.assertTrue(h.wait_until(lambda: "boom-marker" in log_text(self.server), 5))
        text = log_text(self.server)
        self.assertIn("Traceback (most recent call last)", text)
        self.assertIn("RuntimeError: boom-marker from the application", text)
        self.assertRegex(text, r'pep3333\.wsgi", line \d+, in error')
        self.assertIn("MPMD0039", text)
        # The child keeps serving.
        for _ in range(5):
            self.assertEqual(request(self.port, "GET", "/t/hello")[0], 200)

    def test_exc_info_replaces_the_head(self):
        status, _, body = request(self.port, "GET", "/t/exc_info")
        self.assertEqual((status, body), (503, b"replaced by exc_info\n"))

    def test_wsgi_errors_to_the_error_log(self):
        self.assertEqual(request(self.port, "GET", "/t/errors")[0], 200)
        self.assertTrue(h.wait_until(lambda: "errors-marker line two" in log_text(self.server), 5))
        self.assertIn("errors-marker line one", log_text(self.server))

    def test_thread_locals_survive_between_requests(self):
        # One keep-alive connection is served by one thread (prefork, worker) or by
        # the handler pool (event): a thread seen twice has counted on.
        conn = http.client.HTTPConnection(h.HOST, self.port, timeout=20)
        seen = {}
        grew = False
        for _ in range(12):
            conn.request("GET", "/t/thread")
            r = json.loads(conn.getresponse().read())
            key = (r["pid"], r["thread"])
            if key in seen:
                grew |= r["count"] > seen[key]
            seen[key] = r["count"]
        conn.close()
        self.assertTrue(grew, seen)

    def test_gil_wait_in_status_and_metrics(self):
        for _ in range(3):
            request(self.port, "GET", "/t/burn?5")
        text = request(self.port, "GET", "/server-status?auto")[2].decode()
        self.assertRegex(text, r"PythonRequests: [1-9]")
        self.assertIn("PythonGILWaitSeconds:", text)
        m = request(self.port, "GET", "/metrics")[2].decode()
        self.assertIn("mpmd_python_gil_wait_seconds_total", m)
        self.assertRegex(m, r"mpmd_python_requests_total [1-9]")


def get_json_h(port, path, headers):
    status, _, body = request(port, "GET", path, headers=headers)
    if status != 200:
        raise AssertionError("%s answered %d: %r" % (path, status, body[:300]))
    return json.loads(body)


class LoopKeepsServing(h.ServerTestCase):
    WRITABLE = True  # the applications leave marks in the server's temp dir
    # One child with a pool of two threads under event; the blocking engines
    # have other workers. Static files are answered while both requests are in Python.
    EXTRA = ('WSGIScriptAlias /t "%s"\nThreadsPerChild 2\n' % (APPS / "pep3333.wsgi"))

    @classmethod
    def setUpClass(cls):
        cls.server = h.Server(cls.EXTRA, start_servers=1, writable=True)
        cls.server.start()

    def test_static_files_while_python_runs(self):
        prefix = [str(self.server.tmp / ("hold-%d-%d" % (time.monotonic_ns(), i))) for i in range(2)]
        done = []

        def holder(p):
            done.append(request(self.port, "GET", "/t/hold?" + p, timeout=60)[0])

        threads = [threading.Thread(target=holder, args=(p,)) for p in prefix]
        for t in threads:
            t.start()
        try:
            # Both requests are in Python (the event child's pool is full).
            self.assertTrue(h.wait_until(
                lambda: all(os.path.exists(p + ".started") for p in prefix), 20))
            for _ in range(5):
                self.assertEqual(request(self.port, "GET", "/4k.txt")[0], 200)
            self.assertEqual(done, [], "static requests waited for the Python ones")
        finally:
            for p in prefix:
                open(p + ".release", "w").close()
            for t in threads:
                t.join()
        self.assertEqual(done, [200, 200])


class Frameworks(h.ServerTestCase):
    WRITABLE = True  # the applications leave marks in the server's temp dir
    EXTRA = ('WSGIScriptAlias /flask "%s"\nWSGIScriptAlias /django "%s"\n'
             % (APPS / "flask_app.wsgi", APPS / "django_app.wsgi"))

    def test_flask(self):
        status, headers, body = request(self.port, "GET", "/flask/json")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(json.loads(body)["message"], "Hello, World!")
        out = json.loads(request(self.port, "GET", "/flask/items/42?q=x")[2])
        self.assertEqual(out, {"item": 42, "q": "x"})
        out = json.loads(request(self.port, "POST", "/flask/form", body=b"name=ann",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})[2])
        self.assertEqual(out["name"], "ann")
        self.assertEqual(request(self.port, "GET", "/flask/nothing")[0], 404)

    def test_django(self):
        status, _, body = request(self.port, "GET", "/django/")
        self.assertEqual(status, 200, body)
        self.assertTrue(body.startswith(b"Hello from Django"))
        out = json.loads(request(self.port, "GET", "/django/info/bob?q=1")[2])
        self.assertEqual((out["name"], out["q"], out["script_name"]), ("bob", "1", "/django"))
        out = json.loads(request(self.port, "POST", "/django/post", body=b"12345",
                                 headers={"Content-Type": "text/plain"})[2])
        self.assertEqual(out["length"], 5)


class Lifecycle(unittest.TestCase):
    def write_app(self, path, version):
        path.write_text("import os\nIMPORTED = os.getpid()\n"
                        "def application(environ, start_response):\n"
                        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                        "    return [b'version %d imported %%d\\n' %% IMPORTED]\n" % version)

    def test_syntax_error_refuses_the_start_with_file_and_line(self):
        server = h.Server("", writable=True)
        bad = server.tmp / "bad.wsgi"
        bad.write_text("def application(environ, start_response):\n    return [b'x'\n\nx = (\n")
        server.conf.write_text(server.conf.read_text() + 'WSGIScriptAlias /bad "%s"\n' % bad)
        with self.assertRaises(AssertionError):
            server.start()
        out = server.output.read_text() + log_text(server)
        self.assertRegex(out, r"bad\.wsgi:\d+: .*SyntaxError")
        server.stop()

    def test_preload_graceful_and_reloading(self):
        server = h.Server("", writable=True)
        app = server.tmp / "app.wsgi"
        self.write_app(app, 1)
        server.conf.write_text(server.conf.read_text() +
                               'WSGIScriptAlias /a "%s"\nWSGIImportScript "%s" '
                               'application-group=%%{GLOBAL}\nWSGIApplicationGroup %%{GLOBAL}\n'
                               'WSGIScriptReloading Off\n' % (app, app))
        server.start()
        try:
            status, _, body = request(server.port, "GET", "/a")
            self.assertEqual(status, 200, body)
            # Preloaded: imported by the master, before fork.
            self.assertEqual(body.decode(), "version 1 imported %d\n" % server.proc.pid)
            self.assertIn("preloaded in the master", log_text(server))
            # -k graceful imports the new code in the master, for the new children.
            self.write_app(app, 2)
            self.assertEqual(h.mpmd_ctl(server, "graceful").returncode, 0)
            self.assertTrue(h.wait_until(
                lambda: request(server.port, "GET", "/a")[2].startswith(b"version 2"), 15))
            # A syntax error at graceful: refused, the old generation keeps serving.
            app.write_text("def application(:\n")
            h.mpmd_ctl(server, "graceful")
            self.assertTrue(h.wait_until(lambda: "not restarting" in log_text(server), 10))
            self.assertRegex(log_text(server), r"app\.wsgi:1: .*SyntaxError")
            self.assertTrue(request(server.port, "GET", "/a")[2].startswith(b"version 2"))
        finally:
            server.stop()

    def test_script_reloading_embedded(self):
        server = h.Server("", writable=True)
        app = server.tmp / "app.wsgi"
        self.write_app(app, 1)
        server.conf.write_text(server.conf.read_text() + 'WSGIScriptAlias /a "%s"\n' % app)
        server.start()
        try:
            self.assertTrue(request(server.port, "GET", "/a")[2].startswith(b"version 1"))
            self.write_app(app, 3)
            st = app.stat()
            os.utime(app, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
            self.assertTrue(h.wait_until(
                lambda: request(server.port, "GET", "/a")[2].startswith(b"version 3"), 10))
        finally:
            server.stop()


DAEMON = """
WSGIDaemonProcess pyd processes=2 threads=3 request-timeout={timeout} display-name=mpmd-pyd
WSGIScriptAlias /t "{pep}" process-group=pyd application-group=%{{GLOBAL}}
WSGIScriptAlias /flask "{flask}" process-group=pyd
WSGIScriptAlias /django "{django}" process-group=pyd
MaxConnectionsPerChild 3
"""


class Daemon(h.ServerTestCase):
    WRITABLE = True  # the applications leave marks in the server's temp dir
    # Under a sanitizer (MPMD_SANITIZER) the daemons import Flask and Django
    # on first use several times slower: more than 3 s under TSan.
    EXTRA = DAEMON.format(pep=APPS / "pep3333.wsgi", flask=APPS / "flask_app.wsgi",
                          django=APPS / "django_app.wsgi",
                          timeout=15 if os.environ.get("MPMD_SANITIZER") else 3)

    def daemon_pids(self):
        out = []
        for pid in h.children_of(self.server.proc.pid):
            try:
                if "mpmd-pyd" in h.cmdline(pid):
                    out.append(pid)
            except OSError:
                pass
        return sorted(out)

    def test_answered_by_daemons_that_survive_child_recycling(self):
        self.assertTrue(h.wait_until(lambda: len(self.daemon_pids()) == 2, 10))
        daemons = self.daemon_pids()
        pids = set()
        for _ in range(12):  # MaxConnectionsPerChild 3: children are replaced meanwhile
            pids.add(get_json(self.port, "/t/pid")["pid"])
        self.assertTrue(pids <= set(daemons), (pids, daemons))
        self.assertEqual(self.daemon_pids(), daemons)
        # PEP 3333 through the daemon: body, streaming, file_wrapper, errors.
        body = os.urandom(300000)
        out = json.loads(request(self.port, "POST", "/t/echo", body=body)[2])
        self.assertEqual(out["length"], 300000)
        self.assertEqual(request(self.port, "GET", "/t/write")[2], b"written then returned\n")
        path = self.server.docroot / "1m.bin"
        self.assertEqual(request(self.port, "GET", "/t/file?%s" % path)[2],
                         path.read_bytes()[10:])
        self.assertEqual(len(request(self.port, "GET", "/t/big?40")[2]), 40 * 65536)
        self.assertEqual(request(self.port, "GET", "/t/error")[0], 500)
        self.assertTrue(h.wait_until(lambda: "boom-marker" in log_text(self.server), 5))
        self.assertEqual(json.loads(request(self.port, "GET", "/flask/json")[2])["message"],
                         "Hello, World!")
        out = json.loads(request(self.port, "GET", "/django/info/eve?q=2")[2])
        self.assertEqual((out["name"], out["q"], out["script_name"]), ("eve", "2", "/django"))
        self.assertIn(out["pid"], daemons)

    def test_crash_gives_503_and_is_replaced(self):
        self.assertTrue(h.wait_until(lambda: len(self.daemon_pids()) == 2, 10))
        before = self.daemon_pids()
        self.assertEqual(request(self.port, "GET", "/t/crash")[0], 503)
        self.assertTrue(h.wait_until(
            lambda: len(self.daemon_pids()) == 2 and self.daemon_pids() != before, 10))
        self.assertEqual(request(self.port, "GET", "/t/hello")[0], 200)
        self.assertIn("MPMD0040", log_text(self.server))

    def test_hang_gives_504_and_is_replaced(self):
        self.assertTrue(h.wait_until(lambda: len(self.daemon_pids()) == 2, 10))
        before = set(self.daemon_pids())
        self.assertEqual(request(self.port, "GET", "/t/sleep?60", timeout=30)[0], 504)
        self.assertTrue(h.wait_until(lambda: "past request-timeout" in log_text(self.server), 10))
        self.assertTrue(h.wait_until(
            lambda: len(self.daemon_pids()) == 2 and set(self.daemon_pids()) != before, 10))
        self.assertEqual(request(self.port, "GET", "/t/hello")[0], 200)


class DaemonReload(unittest.TestCase):
    def test_touching_the_script_restarts_the_group(self):
        server = h.Server("", writable=True)
        app = server.tmp / "app.wsgi"
        app.write_text("import os\ndef application(environ, start_response):\n"
                       "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
                       "    return [b'%d' % os.getpid()]\n")
        server.conf.write_text(server.conf.read_text() +
                               "WSGIDaemonProcess d1 processes=1 threads=2\n"
                               'WSGIScriptAlias /a "%s" process-group=d1\n' % app)
        server.start()
        try:
            first = request(server.port, "GET", "/a")[2]
            self.assertTrue(first.isdigit(), first)
            st = app.stat()
            os.utime(app, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
            self.assertTrue(h.wait_until(
                lambda: request(server.port, "GET", "/a")[2] not in (first, b""), 15))
        finally:
            server.stop()


if __name__ == "__main__":
    h.main()
