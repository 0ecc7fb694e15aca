#!/usr/bin/env python3
"""Suite proxy: ProxyPass and friends (mod_proxy, mod_proxy_http) in front of
real backends, under the engine given.

* A Python test backend (proxy_backend.py) records exactly what it received
  and misbehaves on purpose: hop-by-hop fields must not reach it,
  X-Forwarded-* must, the body's framing (Content-Length or chunked with
  trailers) is the client's; it stalls (504), sends garbage (502), a short
  body (the client's response is cut), closes a kept-alive connection when
  the proxy reuses it (an idempotent request is sent again on a new one, a
  POST is not); killed, its requests get 503 at once (retry=).
* gunicorn from Debian (sync and gthread workers, TCP and a Unix socket)
  serves a tiny WSGI application.
* 50 MB up and 50 MB down stream through with the children's RSS bounded.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import mpmd_harness as h
from apache_oracle import Apache, available
from proxy_backend import Backend, children_rss_kb, log_text, raw, wait_port

GUNICORN = shutil.which("gunicorn")

APP = """\
def application(environ, start_response):
    body = environ['wsgi.input'].read()
    out = ('%s %s %d %s' % (environ['REQUEST_METHOD'], environ['PATH_INFO'], len(body),
                            environ.get('HTTP_X_FORWARDED_FOR', '-'))).encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(out)))])
    return [out]
"""


def request(port, method, path, body=None, headers=None, timeout=20.0):
    return h.http_request(port, method, path, body=body, headers=headers, timeout=timeout)


def serve(testcase, extra, **kw):
    """A test backend and an mpmd whose config is extra(backend URL); both
    stopped when the test ends, also on failure."""
    backend = Backend()
    testcase.addCleanup(backend.stop)
    server = h.Server(extra("http://127.0.0.1:%d" % backend.port), **kw)
    testcase.addCleanup(server.stop)
    server.start()
    return backend, server


class ProxyToTestBackend(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = Backend()
        b = "http://127.0.0.1:%d" % cls.backend.port
        cls.aliased = tempfile.mkdtemp()
        os.chmod(cls.aliased, 0o755)
        Path(cls.aliased, "a.txt").write_text("aliased")
        cls.server = h.Server(f"""
ServerName proxy.test
Alias /m/skip "{cls.aliased}"
ProxyRequests Off
ProxyTimeout 2
ProxyPass /static !
ProxyPass /app/ {b}/ retry=0
ProxyPassReverse /app/ {b}/
ProxyPass /keep {b}/echo retry=0
<Location /loc>
    ProxyPass {b}/echo retry=0
</Location>
ProxyPass /preserve {b}/echo retry=0
ProxyPassMatch ^/m/skip !
ProxyPassMatch ^/m/(\\w+)/(.*)$ {b}/echo/$2/$1 retry=0
""", timeout=10)
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            cls.backend.stop()
            shutil.rmtree(cls.aliased)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.backend.stop()
        shutil.rmtree(cls.aliased)

    @property
    def port(self):
        return self.server.port

    def last(self):
        return self.backend.records[-1]

    def test_get_is_forwarded_with_path_and_query(self):
        status, _, body = request(self.port, "GET", "/app/echo/a%20b?x=1&y=2")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"GET /echo/a%20b?x=1&y=2 0")
        self.assertEqual(self.last().request_line, "GET /echo/a%20b?x=1&y=2 HTTP/1.1")

    def test_location_with_one_argument(self):
        status, _, body = request(self.port, "GET", "/loc/sub?q")
        self.assertEqual((status, body), (200, b"GET /echo/sub?q 0"))

    def test_exclusion_serves_local_files(self):
        status, _, _ = request(self.port, "GET", "/static/none.txt")
        self.assertEqual(status, 404)
        status, _, body = request(self.port, "GET", "/4k.txt")
        self.assertEqual((status, body), (200, h.content_4k()))

    def test_proxy_pass_match_with_groups_and_exclusion(self):
        status, _, body = request(self.port, "GET", "/m/ab/c%20d?x=1")
        self.assertEqual((status, body), (200, b"GET /echo/c%20d/ab?x=1 0"))
        n = len(self.backend.records)
        # What a `!` exclusion leaves goes to Alias (then the files), as Apache's.
        status, _, body = request(self.port, "GET", "/m/skip/a.txt")
        self.assertEqual((status, body, len(self.backend.records)), (200, b"aliased", n))
        status, _, _ = request(self.port, "GET", "/m/other")
        self.assertEqual((status, len(self.backend.records)), (404, n))

    def test_hop_by_hop_request_fields_removed_and_forwarded_added(self):
        r = raw(self.port, b"GET /app/echo HTTP/1.1\r\nHost: front.test\r\n"
                b"Connection: keep-alive, X-Drop\r\nX-Drop: 1\r\nKeep-Alive: 300\r\n"
                b"TE: trailers\r\nUpgrade: h2c\r\nProxy-Authorization: x\r\n"
                b"X-Forwarded-For: 10.1.1.1\r\nX-Keep: yes\r\n\r\n")
        self.assertEqual(r.status, 200)
        rec = self.last()
        for name in ("connection", "x-drop", "keep-alive", "te", "upgrade",
                     "proxy-authorization"):
            self.assertNotIn(name, rec.names(), rec.head)
        self.assertEqual(rec.header("x-keep"), "yes")
        self.assertEqual(rec.header("x-forwarded-for"), "10.1.1.1, 127.0.0.1")
        self.assertEqual(rec.header("x-forwarded-host"), "front.test")
        self.assertEqual(rec.header("x-forwarded-server"), "proxy.test")
        self.assertEqual(rec.header("host"), "127.0.0.1:%d" % self.backend.port)

    def test_hop_by_hop_response_fields_removed(self):
        status, headers, body = request(self.port, "GET", "/app/hop")
        self.assertEqual((status, body), (200, b"hop"))
        for name in ("x-private", "keep-alive", "upgrade", "proxy-thing"):
            self.assertNotIn(name, headers)
        self.assertEqual(headers["x-public"], "yes")

    def test_content_length_body_framing_preserved(self):
        status, _, body = request(self.port, "POST", "/app/echo", body=b"x" * 1000,
                                  headers={"Content-Type": "text/plain"})
        self.assertEqual((status, body), (200, b"POST /echo 1000"))
        rec = self.last()
        self.assertEqual(rec.header("content-length"), "1000")
        self.assertIsNone(rec.header("transfer-encoding"))
        self.assertEqual(rec.raw_body, b"x" * 1000)

    def test_chunked_body_with_trailers_stays_chunked(self):
        r = raw(self.port, b"POST /app/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                b"\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Check: 7\r\n\r\n")
        self.assertEqual((r.status, r.body), (200, b"POST /echo 7"))
        rec = self.last()
        self.assertEqual(rec.header("transfer-encoding"), "chunked")
        self.assertIsNone(rec.header("content-length"))
        self.assertTrue(rec.raw_body.endswith(b"0\r\nX-Check: 7\r\n\r\n"), rec.raw_body)
        self.assertIn(b"abc", rec.raw_body)

    def test_chunked_response_with_trailers(self):
        status, _, body = request(self.port, "GET", "/app/chunked")
        self.assertEqual((status, body), (200, b"hello world"))

    def test_no_body_response(self):
        status, _, body = request(self.port, "GET", "/app/nobody")
        self.assertEqual((status, body), (204, b""))

    def test_head_keeps_backend_length(self):
        status, headers, body = request(self.port, "HEAD", "/app/big?12345")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(headers.get("content-length"), "12345")

    def test_proxy_pass_reverse_rewrites_location(self):
        status, headers, _ = request(self.port, "GET", "/app/redirect")
        self.assertEqual(status, 302)
        # Absolute, with the client's Host, as Apache writes it.
        self.assertEqual(headers["location"], "http://%s:%d/app/back/there?q=1"
                         % (h.HOST, self.port))
        self.assertEqual(headers["content-location"], "http://%s:%d/app/back/cl"
                         % (h.HOST, self.port))

    def test_garbage_is_502(self):
        status, _, _ = request(self.port, "GET", "/app/garbage")
        self.assertEqual(status, 502)
        self.assertIn("MPMD0302", log_text(self.server))

    def test_stall_is_504(self):
        status, _, _ = request(self.port, "GET", "/app/stall")
        self.assertEqual(status, 504)
        self.assertIn("MPMD0303", log_text(self.server))

    def test_short_body_cuts_the_response(self):
        conn = http.client.HTTPConnection(h.HOST, self.port, timeout=20)
        try:
            conn.request("GET", "/app/short")
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            with self.assertRaises(http.client.IncompleteRead):
                r.read()
        finally:
            conn.close()
        self.assertTrue(h.wait_until(lambda: "MPMD0304" in log_text(self.server), 5))

    def test_absolute_form_for_another_host_is_refused(self):
        r = raw(self.port, b"GET http://elsewhere.example/app/echo HTTP/1.1\r\n"
                b"Host: elsewhere.example\r\n\r\n")
        self.assertEqual(r.status, 403)


class VirtualHostRoutes(unittest.TestCase):
    def test_each_vhost_has_its_routes_and_the_servers(self):
        backend, server = serve(self, lambda b: f"""
ProxyPass /s {b}/echo/s retry=0
<VirtualHost *:*>
    ServerName main.test
</VirtualHost>
<VirtualHost *:*>
    ServerName v.test
    ProxyPass /v {b}/echo/v retry=0
    ProxyPreserveHost On
</VirtualHost>
""")
        def get(host, path):
            r = raw(server.port, b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host))
            return r.status, r.body
        self.assertEqual(get(b"v.test", b"/v/x"), (200, b"GET /echo/v/x 0"))
        self.assertEqual(backend.records[-1].header("host"), "v.test")
        self.assertEqual(get(b"v.test", b"/s"), (200, b"GET /echo/s 0"))
        self.assertEqual(get(b"main.test", b"/v/x")[0], 404)
        self.assertEqual(get(b"main.test", b"/s"), (200, b"GET /echo/s 0"))
        self.assertEqual(backend.records[-1].header("host"), "127.0.0.1:%d" % backend.port)


class KeepAliveRace(unittest.TestCase):
    """The backend closes a kept-alive connection when the proxy reuses it."""

    def setUp(self):
        # One child: both requests find the same pool.
        one_child = ("ServerLimit 1\nMaxRequestWorkers 1\n" if h.ENGINE == "prefork" else
                     "ServerLimit 1\nThreadsPerChild 2\nMaxRequestWorkers 2\n")
        self.backend, self.server = serve(
            self, lambda b: "ProxyPass / %s/ retry=0\n%s" % (b, one_child), start_servers=1)

    def test_idempotent_request_is_retried_on_a_new_connection(self):
        self.assertEqual(request(self.server.port, "GET", "/echo/1")[0], 200)
        self.backend.close_on_reuse = True
        status, _, body = request(self.server.port, "GET", "/echo/2")
        self.assertEqual((status, body), (200, b"GET /echo/2 0"))
        got = [r for r in self.backend.records if r.target == "/echo/2"]
        self.assertEqual(len(got), 2)  # once on the reused connection, once on a new one
        self.assertNotEqual(got[0].conn_no, got[1].conn_no)

    def test_post_is_never_sent_twice(self):
        self.assertEqual(request(self.server.port, "GET", "/echo/1")[0], 200)
        self.backend.close_on_reuse = True
        status, _, _ = request(self.server.port, "POST", "/echo/p", body=b"once")
        self.assertEqual(status, 502)
        self.assertEqual(len([r for r in self.backend.records if r.target == "/echo/p"]), 1)

    def test_client_abort_closes_the_backend_connection(self):
        self.backend.close_on_reuse = False
        s = socket.create_connection((h.HOST, self.server.port), 10)
        s.sendall(b"GET /big?%d HTTP/1.1\r\nHost: a\r\n\r\n" % (200 << 20))
        self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200"))
        big = self.backend.records[-1].conn_no
        s.close()  # gone mid-body
        # The backend sees its connection closed, and the next request a new one.
        self.assertTrue(h.wait_until(lambda: big not in self.backend.open_conns(), 10))
        self.assertEqual(request(self.server.port, "GET", "/echo/after")[0], 200)
        self.assertNotEqual(self.backend.records[-1].conn_no, big)

    def test_connections_are_reused(self):
        for i in range(5):
            self.assertEqual(request(self.server.port, "GET", "/echo/%d" % i)[0], 200)
        self.assertEqual(self.backend.connections, 1)


class Balancer(unittest.TestCase):
    """<Proxy balancer://NAME>: loadfactor shares, failover to the next member,
    a hot standby used only when the others are down, bybusyness."""

    def setUp(self):
        self.members = []
        for _ in range(3):
            b = Backend()
            self.addCleanup(b.stop)
            self.members.append(b)

    def start(self, text):
        if h.ENGINE == "prefork":
            one_child = "ServerLimit 1\nMaxRequestWorkers 1\n"
        else:
            one_child = "ServerLimit 1\nThreadsPerChild 4\nMaxRequestWorkers 4\n"
        urls = ["http://127.0.0.1:%d" % m.port for m in self.members]
        server = h.Server(one_child + text.format(*urls), start_servers=1)
        self.addCleanup(server.stop)
        server.start()
        return server

    def counts(self):
        return [len(m.records) for m in self.members]

    def test_loadfactor_failover_and_hot_standby(self):
        server = self.start("""
<Proxy balancer://pool>
    BalancerMember {0}/m0 loadfactor=3 retry=30
    BalancerMember {1}/m1 retry=30
    BalancerMember {2}/m2 status=+H retry=30
</Proxy>
ProxyPass /lb balancer://pool/echo
""")
        for i in range(40):
            status, _, body = request(server.port, "GET", "/lb/%d" % i)
            self.assertEqual(status, 200)
            self.assertTrue(body.startswith(b"GET /m"), body)
        self.assertEqual(self.counts(), [30, 10, 0])
        self.members[0].stop()
        for i in range(4):  # the first finds m0 down and goes on to m1
            self.assertEqual(request(server.port, "GET", "/lb/x")[0], 200)
        self.assertEqual(self.counts()[1:], [14, 0])
        self.members[1].stop()
        status, _, body = request(server.port, "GET", "/lb/y")
        self.assertEqual((status, body), (200, b"GET /m2/echo/y 0"))
        self.members[2].stop()
        self.assertEqual(request(server.port, "GET", "/lb/z")[0], 503)
        self.assertEqual(request(server.port, "GET", "/lb/z", timeout=5)[0], 503)
        self.assertTrue(h.wait_until(lambda: "balancer://pool" in log_text(server), 5))

    def test_bybusyness_avoids_the_busy_member(self):
        if h.ENGINE == "prefork":
            self.skipTest("one connection per child: nothing is busy beside the request")
        server = self.start("""
BalancerMember balancer://pool {0} retry=0
BalancerMember balancer://pool {1} retry=0
ProxySet balancer://pool lbmethod=bybusyness
ProxyPass /lb balancer://pool/ timeout=5
""")
        import threading
        stalled = threading.Thread(target=request, args=(server.port, "GET", "/lb/stall"),
                                   kwargs={"timeout": 20}, daemon=True)
        stalled.start()
        self.assertTrue(h.wait_until(lambda: sum(self.counts()) == 1, 5))
        busy = 0 if self.counts()[0] == 1 else 1
        for _ in range(4):
            self.assertEqual(request(server.port, "GET", "/lb/echo")[0], 200)
        self.assertEqual(len(self.members[busy].records), 1)
        self.assertEqual(len(self.members[1 - busy].records), 4)


class KilledBackend(unittest.TestCase):
    def test_killed_backend_gives_503_at_once(self):
        backend, server = serve(self, lambda b: "ProxyPass /b %s/echo retry=30\n" % b)
        self.assertEqual(request(server.port, "GET", "/b")[0], 200)
        backend.stop()
        self.assertEqual(request(server.port, "GET", "/b")[0], 503)
        self.assertIn("MPMD0300", log_text(server))
        # Then in error state (per child): 503 without waiting for any timeout.
        for _ in range(4):
            self.assertEqual(request(server.port, "GET", "/b", timeout=5)[0], 503)
        self.assertTrue(h.wait_until(lambda: "MPMD0301" in log_text(server), 5))
        self.assertIn("127.0.0.1:%d" % backend.port, log_text(server))


# Under a sanitizer (MPMD_SANITIZER) ASan's quarantine keeps every freed
# buffer for a while, so a child's RSS says nothing about what it holds:
# smaller transfers, their bytes still checked, and no RSS bound.
SANITIZED = bool(os.environ.get("MPMD_SANITIZER"))


class Streaming(unittest.TestCase):
    SIZE = (8 if SANITIZED else 50) << 20

    def setUp(self):
        self.backend, self.server = serve(
            self, lambda b: "ProxyPass / %s/ retry=0\nLimitRequestBody 0\n"
                            "ProxyIOBufferSize 16384\n" % b)

    def test_large_download_streams_with_bounded_memory(self):
        request(self.server.port, "GET", "/echo")
        before = children_rss_kb(self.server)
        conn = http.client.HTTPConnection(h.HOST, self.server.port, timeout=60)
        peak = before
        try:
            conn.request("GET", "/big?%d" % self.SIZE)
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            total = 0
            while True:
                piece = r.read(1 << 20)
                if not piece:
                    break
                total += len(piece)
                time.sleep(0.01)  # a client slower than the backend
                peak = max(peak, children_rss_kb(self.server))
            self.assertEqual(total, self.SIZE)
        finally:
            conn.close()
        if not SANITIZED:
            self.assertLess(peak - before, 20 * 1024, "RSS grew by %d kB" % (peak - before))

    def test_large_upload_streams_with_bounded_memory(self):
        request(self.server.port, "GET", "/echo")
        before = children_rss_kb(self.server)
        peak = [before]

        def body():
            block = b"u" * (1 << 20)
            for _ in range(self.SIZE >> 20):
                peak[0] = max(peak[0], children_rss_kb(self.server))
                yield block

        conn = http.client.HTTPConnection(h.HOST, self.server.port, timeout=60)
        try:
            conn.request("PUT", "/upload", body=body(),
                         headers={"Content-Length": str(self.SIZE)})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            size, md5 = r.read().decode().split()
        finally:
            conn.close()
        import hashlib
        self.assertEqual(int(size), self.SIZE)
        self.assertEqual(md5, hashlib.md5(b"u" * self.SIZE).hexdigest())
        if not SANITIZED:
            self.assertLess(peak[0] - before, 20 * 1024,
                            "RSS grew by %d kB" % (peak[0] - before))

    def test_chunked_upload(self):
        def body():
            for _ in range(64):
                yield b"c" * 65536
        conn = http.client.HTTPConnection(h.HOST, self.server.port, timeout=60)
        try:
            conn.request("POST", "/upload", body=body(), encode_chunked=True,
                         headers={"Transfer-Encoding": "chunked"})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            self.assertEqual(int(r.read().split()[0]), 64 * 65536)
        finally:
            conn.close()
        self.assertEqual(self.backend.records[-1].header("transfer-encoding"), "chunked")



# Requests whose forwarding mpmd and Apache agree on.
SAME_AS_APACHE = [
    b"GET /app/echo/a%20b?x=1&y=2 HTTP/1.1\r\nHost: front.test\r\n\r\n",
    b"GET /app/echo/x/../y HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /app/echo/%7euser/caf%C3%A9 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /app/echo/a;b=c/d+e HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /app/echo HTTP/1.1\r\nHost: a:81\r\nX-Forwarded-For: 10.0.0.1\r\n"
    b"X-Forwarded-Host: b\r\nConnection: X-Drop\r\nX-Drop: 1\r\nKeep-Alive: 1\r\n\r\n",
    b"POST /app/echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    b"DELETE /loc/x HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /app/redirect HTTP/1.1\r\nHost: front.test:8080\r\n\r\n",
    b"GET /app/nobody HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /app/chunked HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /m/ab/caf%C3%A9%20x;y?z=1 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /other/y.cgi?q HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /q/ab?z=1 HTTP/1.1\r\nHost: a\r\n\r\n",
]


@unittest.skipUnless(available(), "Debian's apache2 is not installed")
class SameAsApache(unittest.TestCase):
    """Debian's Apache (mod_proxy_http) and mpmd on the same ProxyPass lines,
    in front of the same test backend: the same answers, and the backend
    receives the same request line, Host, X-Forwarded-* and body."""

    ROUTES = """
ServerName proxy.test
ProxyPass /app/ {b}/ timeout=5 retry=0
ProxyPassReverse /app/ {b}/
<Location /loc>
    ProxyPass {b}/echo retry=0
</Location>
ProxyPassMatch ^/m/(\\w+)/(.*)$ {b}/echo/$2/$1 retry=0
ProxyPassMatch \\.cgi$ {b} retry=0
ProxyPassMatch ^/q/(\\w+)$ {b}/echo?v=$1 retry=0
"""

    def setUp(self):
        self.backend, self.mpmd = serve(self, lambda b: self.ROUTES.format(b=b))
        tmp = self.mpmd.tmp / "apache"
        tmp.mkdir()
        os.chmod(tmp, 0o1777)
        self.apache_port = h.free_port()
        self.apache = Apache(tmp, self.apache_port, 'DocumentRoot "%s"\n' % tmp + self.ROUTES.format(
            b="http://127.0.0.1:%d" % self.backend.port), modules=("proxy", "proxy_http"))
        self.addCleanup(self.apache.stop)
        self.apache.start()

    def answer(self, port, data):
        n = len(self.backend.records)
        r = raw(port, data)
        rec = self.backend.records[n] if len(self.backend.records) > n else None
        seen = None
        if rec is not None:
            seen = (rec.request_line, rec.raw_body) + tuple(
                rec.header(f) for f in ("host", "x-forwarded-for", "x-forwarded-host",
                                        "x-forwarded-server", "content-length", "x-drop"))
        fields = tuple(r.header(f) for f in ("location", "content-location", "content-type"))
        return r.status, r.body, fields, seen

    def test_forwarding_matches_apache(self):
        for data in SAME_AS_APACHE:
            with self.subTest(request=data.split(b"\r\n")[0]):
                self.assertEqual(self.answer(self.mpmd.port, data),
                                 self.answer(self.apache_port, data))


@unittest.skipUnless(GUNICORN, "gunicorn is not installed")
class Gunicorn(unittest.TestCase):
    """gunicorn (sync and gthread workers) over TCP and a Unix socket."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="mpmd-proxy-gunicorn-"))
        os.chmod(cls.tmp, 0o755)
        (cls.tmp / "app.py").write_text(APP)
        cls.procs = []
        cls.tcp_port = h.free_port()
        cls.sock = cls.tmp / "g.sock"
        cls.procs.append(cls.gunicorn(["--worker-class", "sync", "-b",
                                       "127.0.0.1:%d" % cls.tcp_port]))
        cls.procs.append(cls.gunicorn(["--worker-class", "gthread", "--threads", "4", "-b",
                                       "unix:%s" % cls.sock]))
        ok = wait_port(cls.tcp_port) and h.wait_until(cls.sock.exists, 10)
        cls.server = h.Server(f"""
ProxyPass /sync http://127.0.0.1:{cls.tcp_port} retry=0
ProxyPass /gthread unix:{cls.sock}|http://localhost retry=0
""")
        try:
            if not ok:
                raise AssertionError("gunicorn did not start")
            os.chmod(cls.sock, 0o777)
            cls.server.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def gunicorn(cls, args):
        return subprocess.Popen(
            [GUNICORN, "--chdir", str(cls.tmp), "-w", "1", "--keep-alive", "2"] + args +
            ["app:application"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        for p in cls.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, prefix):
        port = self.server.port
        status, _, body = request(port, "GET", prefix + "/hello")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"GET /hello 0 127.0.0.1")
        status, _, body = request(port, "POST", prefix + "/post", body=b"p" * 100000)
        self.assertEqual((status, body), (200, b"POST /post 100000 127.0.0.1"))
        # Kept alive across the backend's 2 s keep-alive: the pool closes first.
        time.sleep(2.5)
        self.assertEqual(request(port, "GET", prefix + "/again")[0], 200)

    def test_sync_worker_over_tcp(self):
        self.check("/sync")

    def test_gthread_worker_over_unix_socket(self):
        self.check("/gthread")


if __name__ == "__main__":
    h.main()
