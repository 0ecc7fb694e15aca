#!/usr/bin/env python3
"""Suite applications: shared objects loaded with LoadApplication and mounted with
SetHandler (include/mpmd/app.hpp), under every engine.

* configuration errors with file:line (missing file, dlopen error, missing entry symbol,
  API version mismatch) from `mpmd -t`, and a failing preload stops the start;
* routes with parameters, query, body, 404/405/HEAD, files and streamed pieces, with
  http.client and curl;
* a handler that throws or fails gives 500 and an error-log line; the child keeps serving;
* preload runs in the master, child_init in each child; a graceful restart reruns them,
  loads a replaced .so, and a failing preload leaves the old generation serving;
* blocking handlers that wait never delay static requests of the same child (event: one
  child, the handlers run on its pool while the loop serves);
* examples/regex_router in its three modes (with a small table);
* the ABI check: test_app.cpp built by clang++ against libstdc++ loads and serves, built
  with the old std::string ABI it is refused.

The .so files are built next to the binary: BUILD/apps/*.so (MPMD_APPS_DIR overrides)."""

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import mpmd_harness as h

APPS = None  # set in main: the directory holding test_app.so, regex_router.so, ...


def app_path(name):
    return str(Path(APPS) / (name + ".so"))


def mount(name, location, path=None, options=""):
    return 'LoadApplication %s "%s" %s\n<Location %s>\n    SetHandler %s\n</Location>\n' % (
        name, path or app_path("test_app"), options, location, name)


def request(port, method, path, body=None, headers=None, timeout=10.0):
    return h.http_request(port, method, path, body, headers, timeout)


def state_of(port, prefix="/app"):
    """/state of the test app as a dict of ints (version, generation, pids)."""
    status, _, body = request(port, "GET", prefix + "/state")
    if status != 200:
        raise AssertionError("/state answered %d: %r" % (status, body))
    return {k: int(v) for k, v in (line.split(" ", 1) for line in body.decode().splitlines())}


def error_lines(server, marker):
    try:
        return [line for line in server.error_log.read_text(errors="replace").splitlines()
                if marker in line]
    except OSError:
        return []


def check_config(extra):
    """Runs `mpmd -t` on a config with EXTRA; returns (exit code, output, config path)."""
    server = h.Server(extra)
    try:
        r = subprocess.run([h.MPMD, "-t", "-f", str(server.conf)], capture_output=True, text=True,
                           timeout=30, cwd=server.tmp)
        return r.returncode, r.stdout + r.stderr, server
    finally:
        h._servers.remove(server)
        server.cleanup()


def engine_pool(blocked):
    """A pool where BLOCKED handlers can wait while other requests are served: one event
    child (the issue's case), worker threads or prefork children to spare."""
    if h.ENGINE == "event":
        return "StartServers 1\nThreadsPerChild %d\n" % (blocked + 1)
    if h.ENGINE == "worker":
        return ("StartServers 1\nThreadsPerChild %d\nMinSpareThreads 1\nMaxSpareThreads %d\n"
                % (blocked + 4, blocked + 8))
    return "StartServers %d\nMinSpareServers 2\nMaxSpareServers %d\n" % (blocked + 3, blocked + 6)


class ConfigErrors(unittest.TestCase):
    """What `mpmd -t` says about applications it cannot load, with file:line."""

    def assert_refused(self, extra, *fragments):
        code, out, server = check_config(extra)
        self.assertEqual(code, 1, out)
        line = [l for l in out.splitlines() if "LoadApplication" in l]
        self.assertTrue(line, out)
        self.assertIn("%s:" % server.conf, line[0])  # file:line
        for f in fragments:
            self.assertIn(f, out)
        return out

    def test_valid_application_passes(self):
        code, out, _ = check_config(mount("t", "/app"))
        self.assertEqual(code, 0, out)
        self.assertIn("Syntax OK", out)

    def test_missing_file(self):
        self.assert_refused(mount("t", "/app", path="/nonexistent/app.so"),
                            "cannot load /nonexistent/app.so", "No such file or directory")

    def test_not_a_shared_object(self):
        with tempfile.TemporaryDirectory(prefix="mpmd-integ-") as tmp:
            junk = Path(tmp) / "junk.so"
            junk.write_bytes(b"this is not an ELF file\n")
            self.assert_refused(mount("t", "/app", path=str(junk)), "cannot load %s" % junk)

    def test_missing_entry_symbol(self):
        self.assert_refused(mount("t", "/app", path=app_path("test_app_noentry")),
                            "no mpmd_app_abi()", "MPMD_APPLICATION")

    def test_api_version_mismatch(self):
        self.assert_refused(mount("t", "/app", path=app_path("test_app_badversion")),
                            "API version 999", "rebuild it")

    def test_old_string_abi(self):
        # The same source built with -D_GLIBCXX_USE_CXX11_ABI=0: its std::string is not ours.
        self.assert_refused(mount("t", "/app", path=app_path("test_app_oldabi")),
                            "built with the old std::string ABI (_GLIBCXX_USE_CXX11_ABI=0)",
                            "mpmd with the C++11 std::string ABI")

    def test_duplicate_name_and_bad_option(self):
        self.assert_refused(mount("t", "/app") + mount("t", "/other"), "is loaded at")
        self.assert_refused(mount("t", "/app", options="novalue"), "KEY=VALUE")

    def test_failing_preload_stops_the_start(self):
        server = h.Server(mount("t", "/app", options="fail_preload=1"))
        try:
            r = subprocess.run([h.MPMD, "-f", str(server.conf), "-D", "FOREGROUND"],
                               capture_output=True, text=True, timeout=30, cwd=server.tmp)
            self.assertEqual(r.returncode, 1)
            lines = error_lines(server, "MPMD0029")
            self.assertTrue(lines, server.diagnostics())
            self.assertIn("preload refused (fail_preload=1)", lines[0])
            self.assertFalse(h.port_accepts(server.port))
        finally:
            server.cleanup()


class Routes(h.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.EXTRA = (mount("t", "/app", options="greeting=hi") +
                     mount("rx", "/rx", path=app_path("regex_router"),
                           options="mode=preload count=300"))
        super().setUpClass()
        h.wait_until(lambda: len(cls.server.children()) >= 1, 10)

    def get(self, path):
        return request(self.port, "GET", path)

    def test_non_blocking_route(self):
        status, headers, body = self.get("/app/hello")
        self.assertEqual((status, body), (200, b"hi\n"))
        self.assertEqual(headers["content-type"], "text/plain; charset=utf-8")

    def test_path_parameters_and_query(self):
        self.assertEqual(self.get("/app/users/42?q=a+b%21")[2], b"user 42 q=a b!\n")
        self.assertEqual(self.get("/app/users/7/files/docs/a%20b.txt")[2],
                         b"file docs/a b.txt of 7\n")

    def test_body_and_status(self):
        status, headers, body = request(self.port, "POST", "/app/echo", body=b'{"a": 1}',
                                        headers={"Content-Type": "application/json"})
        self.assertEqual((status, body), (201, b'{"a": 1}'))
        self.assertEqual(headers["content-type"], "application/json")

    def test_not_found_method_not_allowed_head(self):
        self.assertEqual(self.get("/app/nope")[0], 404)
        status, headers, _ = request(self.port, "DELETE", "/app/hello")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD, OPTIONS")
        status, headers, body = request(self.port, "HEAD", "/app/hello")
        self.assertEqual((status, headers["content-length"], body), (200, "3", b""))
        # Outside the mount point the static files answer as before.
        self.assertEqual(self.get("/index.html")[2], h.INDEX_HTML)

    def test_curl(self):
        r = subprocess.run(["curl", "-s", "-S", "--max-time", "10", "-w", "\n%{http_code}",
                            "-d", "posted by curl", "-H", "Content-Type: text/x-test",
                            "%s/app/echo" % self.server.url],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "posted by curl\n201")

    def test_file_and_stream(self):
        path = self.server.docroot / "4k.txt"
        status, headers, body = self.get("/app/file?path=%s" % path)
        self.assertEqual((status, body), (200, h.content_4k()))
        self.assertEqual(self.get("/app/file?path=/nonexistent")[0], 404)
        status, _, body = self.get("/app/stream?n=4")
        self.assertEqual(body, b"".join(b"piece %d\n" % i for i in range(4)))

    def test_blocking_route_answers(self):
        status, _, body = self.get("/app/sleep?ms=50")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"slept 50 ms"), body)

    def test_exception_gives_500_and_the_child_keeps_serving(self):
        # One keep-alive connection: the same child answers every request on it.
        conn = http.client.HTTPConnection(h.HOST, self.port, timeout=10)
        try:
            def get(path):
                conn.request("GET", path)
                r = conn.getresponse()
                return r.status, r.read()

            status, body = get("/app/state")
            self.assertEqual(status, 200)
            pid = body.split(b"\npid ")[1].split(b"\n")[0]
            for path in ["/app/throw", "/app/fail"] * 5:
                status, body = get(path)
                self.assertEqual(status, 500)
                self.assertNotIn(b"exploded", body)
            self.assertEqual(get("/app/hello"), (200, b"hi\n"))
            status, body = get("/app/state")
            self.assertEqual(body.split(b"\npid ")[1].split(b"\n")[0], pid)
        finally:
            conn.close()
        lines = error_lines(self.server, "MPMD0028")
        self.assertTrue(any("GET /app/throw (route GET /throw): threw: test handler exploded" in l
                            for l in lines), lines)
        self.assertTrue(any("failed: test handler gave up" in l for l in lines), lines)
        self.assertFalse(error_lines(self.server, "MPMD0003"))  # no child died

    def test_preload_in_the_master_child_init_in_the_child(self):
        s = state_of(self.port)
        master = self.server.proc.pid
        self.assertEqual(s["preload_pid"], master)
        self.assertEqual(s["ppid"], master)
        self.assertEqual(s["child_init_pid"], s["pid"])
        self.assertEqual(s["generation"], 0)

    def test_regex_router_matches(self):
        self.assertEqual(self.get("/rx/api/item-42/widget-7/view")[2], b"route 42\n")
        self.assertEqual(self.get("/rx/v2/article-299/ab_c-123")[2], b"route 299\n")
        self.assertEqual(self.get("/rx/api/item-300/xy-1")[0], 404)
        info = self.get("/rx/info")[2].decode()
        self.assertIn("mode preload", info)
        self.assertIn("built_by %d" % self.server.proc.pid, info)


class ClangBuilt(h.ServerTestCase):
    """test_app.cpp built by clang++ against libstdc++ (tests/integration/apps/CMakeLists.txt):
    it loads, and its routes (bodies both ways, deferred, streamed, failing) answer as the
    g++ build's do, exceptions included across the two compilers' code."""

    @classmethod
    def setUpClass(cls):
        if not Path(app_path("test_app_clang")).exists():
            raise unittest.SkipTest("clang++ was not found at configure time (or the TSan "
                                    "tree): no test_app_clang.so")
        cls.EXTRA = mount("c", "/clang", path=app_path("test_app_clang"), options="greeting=hey")
        super().setUpClass()

    def test_passes_the_config_check(self):
        code, out, _ = check_config(mount("c", "/clang", path=app_path("test_app_clang")))
        self.assertEqual((code, "Syntax OK" in out), (0, True), out)

    def test_routes(self):
        self.assertEqual(request(self.port, "GET", "/clang/hello")[::2], (200, b"hey\n"))
        self.assertEqual(request(self.port, "GET", "/clang/users/7/files/a/b%20c")[2],
                         b"file a/b c of 7\n")
        self.assertEqual(request(self.port, "GET", "/clang/users/42?q=x+y")[2], b"user 42 q=x y\n")
        status, headers, _ = request(self.port, "PUT", "/clang/hello")
        self.assertEqual((status, headers["allow"]), (405, "GET, HEAD, OPTIONS"))
        status, headers, body = request(self.port, "HEAD", "/clang/hello")
        self.assertEqual((status, headers["content-length"], body), (200, "4", b""))

    def test_bodies_both_ways(self):
        status, headers, body = request(self.port, "POST", "/clang/echo", body=b"x" * 100000,
                                        headers={"Content-Type": "application/x-test"})
        self.assertEqual((status, headers["content-type"], body),
                         (201, "application/x-test", b"x" * 100000))
        self.assertTrue(request(self.port, "POST", "/clang/count", body=b"y" * 300000)[2]
                        .startswith(b"300000 bytes in "))
        self.assertTrue(request(self.port, "POST", "/clang/count-async", body=b"z" * 200000)[2]
                        .startswith(b"200000 bytes, error 0 in "))
        status, headers, body = request(self.port, "GET", "/clang/generate?bytes=150000")
        self.assertEqual((status, headers.get("transfer-encoding"), body),
                         (200, "chunked", b"g" * 150000))
        status, _, body = request(self.port, "GET", "/clang/write?bytes=100000")
        self.assertEqual((status, body), (200, b"w" * 100000))
        self.assertEqual(request(self.port, "GET", "/clang/stream?n=2")[2], b"piece 0\npiece 1\n")

    def test_deferred_from_another_thread(self):
        self.assertEqual(request(self.port, "GET", "/clang/later?ms=50")[::2],
                         (200, b"completed after 50 ms\n"))

    def test_exception_thrown_by_clang_code_is_a_500(self):
        self.assertEqual(request(self.port, "GET", "/clang/throw")[0], 500)
        self.assertEqual(request(self.port, "GET", "/clang/fail")[0], 500)
        self.assertEqual(request(self.port, "GET", "/clang/hello")[::2], (200, b"hey\n"))
        self.assertTrue(h.wait_until(lambda: any(
            "(route GET /throw): threw: test handler exploded" in l
            for l in error_lines(self.server, "MPMD0028")), 5), self.server.diagnostics())
        self.assertFalse(error_lines(self.server, "MPMD0003"))  # no child died


class RegexModes(unittest.TestCase):
    """examples/regex_router built per child and per request (small tables)."""

    def run_mode(self, mode):
        server = h.Server("LoadApplication rx \"%s\" mode=%s count=200\n"
                          "<Location /rx>\n    SetHandler rx\n</Location>\n"
                          % (app_path("regex_router"), mode))
        try:
            server.start()
            status, _, body = request(server.port, "GET", "/rx/api/product-150/item-9/raw")
            self.assertEqual((status, body), (200, b"route 150\n"))
            info = dict(line.split(" ", 1) for line in
                        request(server.port, "GET", "/rx/info")[2].decode().splitlines())
            self.assertEqual(info["mode"], mode)
            return server, info
        except BaseException:
            server.stop()
            raise

    def test_per_child(self):
        server, info = self.run_mode("child")
        try:
            self.assertEqual(info["built_by"], info["pid"])  # built in the serving child
        finally:
            server.stop()

    def test_naive(self):
        server, info = self.run_mode("naive")
        try:
            self.assertEqual(info["built_by"], "0")  # never kept
        finally:
            server.stop()


class GracefulRestart(unittest.TestCase):
    """A graceful restart reruns registration, preload and child_init for the new
    generation, loads a replaced .so, and keeps the old generation when preload fails."""

    # Spare pools that never grow on their own: the children are the two StartServers.
    POOL = ("MinSpareServers 1\nMaxSpareServers 4\nMinSpareThreads 1\nMaxSpareThreads 64\n"
            "GracefulDrainTimeout 10\n")

    def setUp(self):
        self.server = h.Server("")
        self.so = self.server.tmp / "app.so"
        shutil.copy(app_path("test_app"), self.so)
        self.write_conf("greeting=one")
        self.server.start()
        # The port accepts before the master has forked its children.
        self.assertTrue(h.wait_until(lambda: len(self.server.children()) >= 2, 10))

    def tearDown(self):
        self.server.stop()

    def write_conf(self, options):
        self.server.conf.write_text(self.server.config_text(
            self.POOL + mount("t", "/app", path=str(self.so), options=options)))

    def generation(self):
        try:
            return state_of(self.server.port)["generation"]
        except (OSError, AssertionError, http.client.HTTPException):
            return None  # between generations

    def graceful_and_wait(self, generation):
        """-k graceful, then waits until the old children are gone (until they have seen
        their signal they may still accept a connection) and the new generation answers."""
        old = set(self.server.children())
        os.kill(self.server.proc.pid, signal.SIGUSR1)
        ok = h.wait_until(lambda: not (old & set(self.server.children())) and
                          self.generation() == generation, 20)
        self.assertTrue(ok, self.server.diagnostics())

    def test_new_generation_new_code_and_config(self):
        s = state_of(self.server.port)
        self.assertEqual((s["version"], s["generation"]), (1, 0))
        self.assertEqual(request(self.server.port, "GET", "/app/hello")[2], b"one\n")
        # Deploy a new build the way install(1) does: a new file renamed over the old.
        tmp = self.server.tmp / "app.so.new"
        shutil.copy(app_path("test_app_v2"), tmp)
        os.replace(tmp, self.so)
        self.write_conf("greeting=two")
        self.graceful_and_wait(1)
        s = state_of(self.server.port)
        self.assertEqual(s["version"], 2)
        self.assertEqual(s["preload_pid"], self.server.proc.pid)  # preload ran again, in the master
        self.assertEqual(s["child_init_pid"], s["pid"])
        self.assertEqual(request(self.server.port, "GET", "/app/hello")[2], b"two\n")

    def test_failing_preload_keeps_the_old_generation(self):
        self.write_conf("greeting=old")
        self.graceful_and_wait(1)
        self.write_conf("fail_preload=1")
        os.kill(self.server.proc.pid, signal.SIGUSR1)
        ok = h.wait_until(lambda: error_lines(self.server, "not restarting"), 20)
        self.assertTrue(ok, self.server.diagnostics())
        self.assertIn("preload refused", ok[-1])
        self.assertEqual(state_of(self.server.port)["generation"], 1)
        self.assertEqual(request(self.server.port, "GET", "/app/hello")[2], b"old\n")


class BlockingHandlers(unittest.TestCase):
    """Handlers blocked in /wait (until the test releases them) never delay static files or
    non-blocking routes: under event, one child serves everything while its pool waits."""

    BLOCKED = 3

    def setUp(self):
        self.server = h.Server(engine_pool(self.BLOCKED) + mount("t", "/app"),
                               start_servers=1 if h.ENGINE != "prefork" else self.BLOCKED + 3)
        self.server.start()
        self.sync = self.server.tmp / "sync"
        self.sync.mkdir()
        os.chmod(self.sync, 0o1777)  # the handlers (www-data when the tests run as root) write here
        self.threads = []

    def tearDown(self):
        (self.sync / "release").touch()
        for t in self.threads:
            t.join(25)
        self.server.stop()

    def inflight(self):
        return len([p for p in self.sync.iterdir() if p.name.startswith("inflight.")])

    def test_static_requests_complete_while_blocking_handlers_wait(self):
        results = []

        def slow():
            try:
                results.append(request(self.server.port, "GET", "/app/wait?dir=%s" % self.sync,
                                       timeout=30)[:3:2])
            except Exception as e:  # noqa: BLE001 - reported by the assertion below
                results.append(("error", repr(e)))

        for _ in range(self.BLOCKED):
            t = threading.Thread(target=slow, daemon=True)
            t.start()
            self.threads.append(t)
        self.assertTrue(h.wait_until(lambda: self.inflight() == self.BLOCKED, 15),
                        "handlers in flight: %d\n%s" % (self.inflight(),
                                                        self.server.diagnostics()))
        children = self.server.children()
        for i in range(20):
            status, _, body = request(self.server.port, "GET", "/4k.txt", timeout=5)
            self.assertEqual((status, body), (200, h.content_4k()))
        self.assertEqual(request(self.server.port, "GET", "/app/fast", timeout=5)[:3:2],
                         (200, b"fast\n"))
        # Every static request was answered while all the handlers were still waiting.
        self.assertEqual(self.inflight(), self.BLOCKED)
        self.assertEqual(results, [])
        if h.ENGINE == "event":
            self.assertEqual(len(children), 1)  # all of it by the one child
        (self.sync / "release").touch()
        for t in self.threads:
            t.join(20)
        self.assertEqual(results, [(200, b"released\n")] * self.BLOCKED)


class DeferredResponses(unittest.TestCase):
    """Response::defer(): a response completed later by a thread of the application's."""

    def setUp(self):
        self.server = h.Server(engine_pool(4) + mount("t", "/app"),
                               start_servers=1 if h.ENGINE != "prefork" else 7, writable=True)
        self.server.start()
        self.addCleanup(self.server.stop)

    def test_completed_by_another_thread(self):
        results = []
        lock = threading.Lock()

        def later(ms):
            r = request(self.server.port, "GET", "/app/later?ms=%d" % ms, timeout=30)[:3:2]
            with lock:
                results.append(r)

        threads = [threading.Thread(target=later, args=(300 + 50 * i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        self.assertEqual(sorted(results), [(200, b"completed after %d ms\n" % (300 + 50 * i))
                                           for i in range(4)])
        status, _, body = request(self.server.port, "GET", "/4k.txt")
        self.assertEqual((status, body), (200, h.content_4k()))

    def test_a_response_never_completed_does_not_hold_up_the_stop(self):
        if h.ENGINE != "event":
            self.skipTest("prefork and worker wait on the serving thread: it ends with the "
                          "child when the master's stop escalates")
        path = "/app/never?dir=%s" % self.server.tmp
        t = threading.Thread(target=lambda: self._quietly(
            lambda: request(self.server.port, "GET", path, timeout=30)), daemon=True)
        t.start()
        self.assertTrue(h.wait_until(lambda: (self.server.tmp / "deferred").exists(), 15))
        self.assertTrue(self.server.stop(), "SIGTERM did not stop the server")
        self.assertTrue(error_lines(self.server, "never completed"), self.server.diagnostics())
        self.assertFalse(error_lines(self.server, "exit signal"), self.server.diagnostics())

    @staticmethod
    def _quietly(fn):
        try:
            fn()
        except (OSError, http.client.HTTPException):
            pass  # the server stopped under it: expected


def main():
    global APPS
    import sys
    args = sys.argv[1:]
    mpmd = os.environ.get("MPMD_BIN", h.MPMD)
    if "--mpmd" in args:
        mpmd = args[args.index("--mpmd") + 1]
    APPS = os.environ.get("MPMD_APPS_DIR") or str(Path(os.path.abspath(mpmd)).parent / "apps")
    if not Path(app_path("test_app")).exists():
        print("test applications not built: %s" % app_path("test_app"), file=sys.stderr)
        sys.exit(1)
    h.main()


if __name__ == "__main__":
    main()
