#!/usr/bin/env python3
"""Suite sessions: examples/session_counter (a read+write session handler) on the three
session stores (SessionStore memory|shm|redis), under every engine.

* the same visitor test passes on every store: a visitor without a cookie gets a new
  session and an HttpOnly, SameSite=Lax cookie; with it, the count goes on; a read-only
  request writes nothing; two visitors are independent; a made-up session id is replaced;
  logout deletes the session and expires the cookie;
* memory: one process serves everything (StartServers 1, ServerLimit 1);
* shm and redis: a session written by one child is read by another, request after
  request (each increment from a different child than the one before, where the engine
  has several);
* shm: sessions live on when children are SIGKILLed and across a graceful restart; a full
  table gives 503 "session store full" while existing sessions keep working;
* redis (a private redis-server on a free port, --save '' --appendonly no): redis down,
  unreachable or silent gives 503 with a clear message within SessionRedisTimeout, the
  children keep serving, and sessions work again once redis is back.

redis-server is installed by scripts/install-deps (scripts/deps/session.txt); without it
the redis tests are skipped with a message. The .so is BUILD/apps/session_counter.so
(MPMD_APPS_DIR overrides)."""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import mpmd_harness as h

APPS = None  # set in main: the directory holding session_counter.so
COOKIE = "MPMDSESSION"


def counter_config(store_lines):
    config = ('LoadApplication counter "%s"\n<Location /counter>\n    SetHandler counter\n'
              "</Location>\n%s\n" % (Path(APPS) / "session_counter.so", store_lines))
    if h.ENGINE == "event":
        # tests/integration/apps/test_app.so's /stall holds one event child's loop, so
        # that the next connection goes to another child (SharedChecks).
        config += ('LoadApplication holder "%s"\n<Location /hold>\n    SetHandler holder\n'
                   "</Location>\n" % (Path(APPS) / "test_app.so"))
    return config


def several_children():
    """Pool settings with more than one child, so requests land in different processes."""
    if h.ENGINE == "prefork":
        return "StartServers 3\nMinSpareServers 2\nMaxSpareServers 4\n"
    if h.ENGINE == "worker":
        # One thread per child: a thread held by a keep-alive connection is a busy child.
        return "StartServers 3\nThreadsPerChild 1\nMinSpareThreads 2\nMaxSpareThreads 4\n"
    return "StartServers 2\nThreadsPerChild 4\nMinSpareThreads 4\nMaxSpareThreads 16\n"


def one_process():
    """One child and no other: what the memory store needs."""
    if h.ENGINE == "prefork":
        return ("StartServers 1\nServerLimit 1\nMaxRequestWorkers 1\nMinSpareServers 1\n"
                "MaxSpareServers 1\n")
    return ("StartServers 1\nServerLimit 1\nThreadsPerChild 4\nMaxRequestWorkers 4\n"
            "MinSpareThreads 1\nMaxSpareThreads 4\n")


class Visit:
    """One answer of the counter: status, headers, body fields, the session cookie."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body.decode(errors="replace")
        self.fields = dict(line.split("=", 1) for line in self.body.splitlines() if "=" in line)
        self.set_cookie = headers.get("set-cookie", "")
        m = re.match(COOKIE + r"=([0-9a-f]*);", self.set_cookie)
        self.cookie_id = m.group(1) if m else None

    @property
    def visits(self):
        return int(self.fields["visits"])

    @property
    def pid(self):
        return int(self.fields["pid"])

    def __repr__(self):
        return "Visit(%d, %r, %r)" % (self.status, self.set_cookie, self.body)


def visit(port, path="/counter/", session=None, method="GET", conn=None, timeout=20.0):
    """One request with SESSION as cookie; a fresh connection unless CONN is given."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(h.HOST, port, timeout=timeout)
    try:
        headers = {"Cookie": "theme=dark; %s=%s" % (COOKIE, session)} if session else {}
        conn.request(method, path, headers=headers)
        r = conn.getresponse()
        return Visit(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        if own:
            conn.close()


class Redis:
    """A private redis-server: free loopback port, no persistence, stopped at the end
    (and with the test runner, through PDEATHSIG)."""

    def __init__(self, port=None):
        self.port = port or h.free_port()
        self.dir = tempfile.mkdtemp(prefix="mpmd-redis-")
        self.proc = None
        _redises.append(self)

    def start(self):
        log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=h._set_pdeathsig)
        log.close()
        ok = h.wait_until(lambda: self.proc.poll() is not None or self.ping(), 20)
        if self.proc.poll() is not None or not ok:
            raise AssertionError("redis-server did not start on port %d:\n%s"
                                 % (self.port, h.tail(os.path.join(self.dir, "redis.log"))))
        return self

    def ping(self):
        try:
            with socket.create_connection((h.HOST, self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


_redises = []


def have_redis():
    return shutil.which("redis-server") is not None


NO_REDIS = "redis-server is not installed (scripts/install-deps installs it, scripts/deps/session.txt)"


class StoreCase(h.ServerTestCase):
    """One server with the counter on STORE; subclasses set STORE and POOL."""

    STORE = ""
    POOL = ""

    @classmethod
    def setUpClass(cls):
        cls.EXTRA = cls.POOL + counter_config(cls.STORE)
        super().setUpClass()

    def new_session(self):
        v = visit(self.port)
        self.assertEqual(v.status, 200, v)
        self.assertIsNotNone(v.cookie_id, v)
        return v


class VisitorChecks:
    """What a visitor relies on, whatever the store (mixed into each store's case)."""

    EXPECT_KIND = ""

    def test_counts_visits_of_one_visitor(self):
        first = visit(self.port)
        self.assertEqual(first.status, 200, first)
        self.assertEqual((first.visits, first.fields["new"], first.fields["store"]),
                         (1, "1", self.EXPECT_KIND))
        self.assertRegex(first.set_cookie,
                         r"^MPMDSESSION=[0-9a-f]{32}; Max-Age=1800; Path=/; HttpOnly; SameSite=Lax$")
        sid = first.cookie_id
        for n in range(2, 6):
            v = visit(self.port, session=sid)
            self.assertEqual((v.status, v.visits, v.fields["new"]), (200, n, "0"), v)
            self.assertEqual(v.cookie_id, sid, "the same session, its Max-Age renewed")

    def test_a_read_only_request_writes_nothing(self):
        sid = self.new_session().cookie_id
        visit(self.port, session=sid)
        peek = visit(self.port, "/counter/peek", session=sid)
        self.assertEqual((peek.status, peek.visits), (200, 2), peek)
        self.assertEqual(peek.set_cookie, "")
        self.assertEqual(visit(self.port, "/counter/peek", session=sid).visits, 2)

    def test_visitors_are_independent(self):
        a = self.new_session()
        b = self.new_session()
        self.assertNotEqual(a.cookie_id, b.cookie_id)
        visit(self.port, session=a.cookie_id)
        self.assertEqual(visit(self.port, session=a.cookie_id).visits, 3)
        self.assertEqual(visit(self.port, session=b.cookie_id).visits, 2)

    def test_a_made_up_session_id_is_replaced(self):
        forged = "0123456789abcdef0123456789abcdef"
        v = visit(self.port, session=forged)
        self.assertEqual((v.status, v.visits, v.fields["new"]), (200, 1, "1"), v)
        self.assertIsNotNone(v.cookie_id)
        self.assertNotEqual(v.cookie_id, forged, "clients never choose their session id")
        junk = visit(self.port, session="../../etc/passwd")
        self.assertEqual((junk.status, junk.visits), (200, 1), junk)

    def test_logout_deletes_the_session(self):
        sid = self.new_session().cookie_id
        out = visit(self.port, "/counter/logout", session=sid, method="POST")
        self.assertEqual(out.status, 200, out)
        self.assertEqual(out.set_cookie, "MPMDSESSION=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax")
        again = visit(self.port, session=sid)
        self.assertEqual((again.visits, again.fields["new"]), (1, "1"), again)
        self.assertNotEqual(again.cookie_id, sid)


class SharedChecks:
    """Stores shared by the children of a server (shm, redis)."""

    def test_written_by_one_child_read_by_another(self):
        first = self.new_session()
        sid = first.cookie_id
        pids = [first.pid]
        changes = 0
        # Keep the child of the previous request busy while the next request is made, so
        # that another child answers it: prefork and one-thread worker children are busy
        # while they hold the previous keep-alive connection; an event child takes any
        # connection while it waits in epoll, so the previous connection asks it for
        # /hold/stall, which holds its loop for a while.
        previous = None
        expected = 2
        while expected <= 200 and (changes < 3 or expected < 8):
            conn = http.client.HTTPConnection(h.HOST, self.port, timeout=20)
            v = visit(self.port, session=sid, conn=conn)
            if previous is not None:
                if h.ENGINE == "event":
                    stalled = previous.getresponse()
                    body = stalled.read()
                    self.assertEqual(stalled.status, 200, body)
                previous.close()
            previous = conn
            self.assertEqual((v.status, v.visits), (200, expected),
                             "visit %d (children so far %s): %r" % (expected, pids, v))
            changes += v.pid != pids[-1]
            pids.append(v.pid)
            expected += 1
            if h.ENGINE == "event":
                conn.request("GET", "/hold/stall?ms=600")
                time.sleep(0.2)  # the child is in the handler before the next connect
        if h.ENGINE == "event":
            previous.getresponse().read()
        previous.close()
        self.assertGreaterEqual(changes, 3, "requests never changed child: %s" % pids)


class MemoryStore(VisitorChecks, StoreCase):
    STORE = "SessionStore memory\n"
    EXPECT_KIND = "memory"

    @classmethod
    def setUpClass(cls):
        cls.POOL = one_process()
        super().setUpClass()

    def test_one_process_serves_every_visit(self):
        sid = self.new_session().cookie_id
        pids = {visit(self.port, session=sid).pid for _ in range(10)}
        self.assertEqual(len(pids), 1, pids)
        self.assertEqual(visit(self.port, "/counter/peek", session=sid).visits, 11)


class ShmStore(VisitorChecks, SharedChecks, StoreCase):
    STORE = "SessionStore shm\n"
    EXPECT_KIND = "shm"

    @classmethod
    def setUpClass(cls):
        cls.POOL = several_children()
        super().setUpClass()

    def children(self):
        return set(self.server.children())

    def test_sessions_outlive_children_killed_with_sigkill(self):
        sid = self.new_session().cookie_id
        old = self.children()
        self.assertTrue(old)
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        # The master replaces them; the table lives in its mapping, not theirs.
        self.assertTrue(h.wait_until(lambda: self.children() and not (self.children() & old), 30),
                        "children not replaced: %s -> %s" % (old, self.children()))
        v = h.wait_until(lambda: _try_visit(self.port, sid), 30)
        self.assertTrue(v, "no answer after the children were replaced")
        self.assertEqual((v.status, v.visits), (200, 2), v)
        self.assertNotIn(v.pid, old)

    def test_graceful_restart_keeps_sessions(self):
        sid = self.new_session().cookie_id
        old = self.children()
        r = h.mpmd_ctl(self.server, "graceful")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(h.wait_until(lambda: self.children() and not (self.children() & old), 30),
                        "old generation still running: %s" % (self.children() & old))
        v = visit(self.port, session=sid)
        self.assertEqual((v.status, v.visits), (200, 2), v)
        self.assertNotIn(v.pid, old)


def _try_visit(port, sid):
    try:
        return visit(port, session=sid, timeout=5)
    except OSError:
        return None


class ShmStoreFull(StoreCase):
    STORE = "SessionStore shm\nSessionSlots 6\n"

    @classmethod
    def setUpClass(cls):
        cls.POOL = several_children()
        super().setUpClass()

    def test_a_full_table_gives_503_and_existing_sessions_keep_working(self):
        sids = [self.new_session().cookie_id for _ in range(6)]
        full = visit(self.port)
        self.assertEqual(full.status, 503, full)
        self.assertIn("session store full", full.body)
        self.assertIn("raise SessionSlots", full.body)
        self.assertEqual(full.headers.get("retry-after"), "1")
        self.assertIsNone(full.cookie_id)
        for sid in sids:
            v = visit(self.port, session=sid)
            self.assertEqual((v.status, v.visits), (200, 2), v)
        # Logging one out frees its slot for a newcomer.
        self.assertEqual(visit(self.port, "/counter/logout", session=sids[0], method="POST").status,
                         200)
        self.assertEqual(visit(self.port).status, 200)
        self.assertEqual(visit(self.port).status, 503)
        self.assertTrue(self.server.running())


@unittest.skipUnless(have_redis(), NO_REDIS)
class RedisStore(VisitorChecks, SharedChecks, StoreCase):
    EXPECT_KIND = "redis"

    @classmethod
    def setUpClass(cls):
        cls.redis = Redis().start()
        cls.POOL = several_children()
        cls.STORE = ("SessionStore redis\nSessionRedis 127.0.0.1:%d\nSessionRedisTimeout 2s\n"
                     % cls.redis.port)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.redis.cleanup()

    def test_redis_down_gives_503_then_sessions_work_again(self):
        sid = self.new_session().cookie_id
        self.redis.stop()
        try:
            down = visit(self.port, session=sid)
            self.assertEqual(down.status, 503, down)
            self.assertIn("session store unavailable", down.body)
            self.assertIn("127.0.0.1:%d" % self.redis.port, down.body)
            self.assertIsNone(down.cookie_id, "the visitor keeps the cookie it has")
            self.assertTrue(self.server.running())
            self.assertEqual(h.http_get(self.port, "/index.html")[0], 200)
        finally:
            self.redis.start()
        # A fresh redis has no sessions: the old id is unknown and replaced; the store
        # reconnects (within a second of the failure) and counts again.
        back = h.wait_until(lambda: _ok_visit(self.port, sid), 20)
        self.assertTrue(back, "sessions did not come back with redis")
        self.assertEqual((back.visits, back.fields["new"]), (1, "1"), back)
        # Each child reconnects within a second of its own failure, and the
        # event engine sends new connections round the children: the next
        # visit may meet a child still waiting out its second (503, no count).
        again = h.wait_until(lambda: _ok_visit(self.port, back.cookie_id), 20)
        self.assertTrue(again, "the session was lost after redis came back")
        self.assertEqual(again.visits, 2, again)
        # Every child is back before the next test: a run of visits all served.
        self.assertTrue(h.wait_until(lambda: all(_ok_visit(self.port, None) for _ in range(8)),
                                     20), "some child did not reconnect to redis")


def _ok_visit(port, sid):
    v = _try_visit(port, sid)
    return v if v is not None and v.status == 200 else None


class RedisUnreachable(StoreCase):
    """Nothing listens on the configured port: every request gets 503 at once."""

    @classmethod
    def setUpClass(cls):
        cls.POOL = several_children()
        cls.STORE = ("SessionStore redis\nSessionRedis 127.0.0.1:%d\nSessionRedisTimeout 300ms\n"
                     % h.free_port())
        super().setUpClass()

    def test_unreachable_redis_gives_503_and_the_server_keeps_serving(self):
        for _ in range(3):
            v = visit(self.port)
            self.assertEqual(v.status, 503, v)
            self.assertIn("session store unavailable", v.body)
            self.assertIn("cannot connect to redis", v.body)
        self.assertEqual(h.http_get(self.port, "/index.html")[0], 200)
        self.assertTrue(self.server.running())


class RedisSilent(StoreCase):
    """A redis that accepts connections and never answers (hung): 503 after the timeout."""

    @classmethod
    def setUpClass(cls):
        cls.silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cls.silent.bind((h.HOST, 0))
        cls.silent.listen(64)  # never accepted: the kernel completes the handshakes
        cls.POOL = several_children()
        cls.STORE = ("SessionStore redis\nSessionRedis 127.0.0.1:%d\nSessionRedisTimeout 300ms\n"
                     % cls.silent.getsockname()[1])
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.silent.close()

    def test_silent_redis_times_out_with_503(self):
        v = visit(self.port, session="0123456789abcdef0123456789abcdef")
        self.assertEqual(v.status, 503, v)
        self.assertIn("session store timeout", v.body)
        self.assertIn("300 ms", v.body)
        self.assertEqual(h.http_get(self.port, "/index.html")[0], 200)


def main():
    global APPS
    import sys
    args = sys.argv[1:]
    mpmd = os.environ.get("MPMD_BIN", h.MPMD)
    if "--mpmd" in args:
        mpmd = args[args.index("--mpmd") + 1]
    APPS = os.environ.get("MPMD_APPS_DIR") or str(Path(os.path.abspath(mpmd)).parent / "apps")
    if not (Path(APPS) / "session_counter.so").exists():
        print("examples/session_counter not built: %s" % (Path(APPS) / "session_counter.so"),
              file=sys.stderr)
        sys.exit(1)
    import atexit
    atexit.register(lambda: [r.cleanup() for r in _redises])
    h.main()


if __name__ == "__main__":
    main()
