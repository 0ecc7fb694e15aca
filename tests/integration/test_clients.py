#!/usr/bin/env python3
"""Suite clients: real clients (curl, Python's http.client) against the server."""

import http.client
import subprocess
import tempfile
from pathlib import Path

import mpmd_harness as h


def curl(*args, timeout=30):
    """Runs curl -sS with ARGS; returns (exit code, stdout, stderr)."""
    p = subprocess.run(
        ["curl", "-sS", "--max-time", "20", *args],
        capture_output=True,
        timeout=timeout,
    )
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


class Curl(h.ServerTestCase):
    def setUp(self):
        self.out_dir = tempfile.TemporaryDirectory(prefix="mpmd-curl-")
        self.out = Path(self.out_dir.name) / "body"

    def tearDown(self):
        self.out_dir.cleanup()

    def fetch(self, path, *extra):
        rc, out, err = curl("-o", str(self.out), "-w", "%{http_code} %{size_download}", *extra,
                            self.server.url + path)
        self.assertEqual(rc, 0, "curl failed: %s" % err)
        code, size = out.split()
        return int(code), int(size), self.out.read_bytes() if self.out.exists() else b""

    def test_get_small_file(self):
        code, size, body = self.fetch("/4k.txt")
        self.assertEqual((code, size), (200, 4096))
        self.assertEqual(body, h.content_4k())

    def test_get_large_file(self):
        code, size, body = self.fetch("/1m.bin")
        self.assertEqual((code, size), (200, 1 << 20))
        self.assertEqual(body, h.content_1m())

    def test_index(self):
        code, _, body = self.fetch("/")
        self.assertEqual(code, 200)
        self.assertEqual(body, h.INDEX_HTML)

    def test_not_found(self):
        code, _, _ = self.fetch("/missing")
        self.assertEqual(code, 404)

    def test_range(self):
        code, size, body = self.fetch("/1m.bin", "-r", "1000-1999")
        self.assertEqual((code, size), (206, 1000))
        self.assertEqual(body, h.content_1m()[1000:2000])

    def test_http10(self):
        code, size, body = self.fetch("/4k.txt", "--http1.0")
        self.assertEqual((code, size), (200, 4096))
        self.assertEqual(body, h.content_4k())

    def test_head(self):
        rc, out, err = curl("-I", self.server.url + "/4k.txt")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"^HTTP/1\.1 200")
        self.assertRegex(out, r"(?im)^content-length: 4096\r?$")

    def test_keep_alive_reuse(self):
        url = self.server.url
        rc, out, err = curl(
            "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
            "-w", "%{http_code} %{num_connects}\n",
            url + "/index.html", url + "/4k.txt", url + "/1m.bin",
        )
        self.assertEqual(rc, 0, err)
        lines = [line.split() for line in out.strip().splitlines()]
        self.assertEqual([code for code, _ in lines], ["200", "200", "200"], out)
        # The first transfer connects, the others reuse its connection.
        self.assertEqual([n for _, n in lines], ["1", "0", "0"], out)

    def test_name_with_space_and_percent(self):
        code, _, body = self.fetch("/a%20b%25c.txt")
        self.assertEqual(code, 200)
        self.assertEqual(body, h.SPACED_CONTENT)


class HttpClient(h.ServerTestCase):
    def connection(self):
        return http.client.HTTPConnection(h.HOST, self.server.port, timeout=10)

    def test_get(self):
        c = self.connection()
        c.request("GET", "/4k.txt")
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.read(), h.content_4k())
        self.assertIsNotNone(r.getheader("Date"))
        self.assertIsNotNone(r.getheader("Server"))
        c.close()

    def test_head(self):
        c = self.connection()
        c.request("HEAD", "/1m.bin")
        r = c.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Length"), str(1 << 20))
        self.assertEqual(r.read(), b"")
        c.close()

    def test_keep_alive_20_requests(self):
        c = self.connection()
        sockets = set()
        paths = ["/index.html", "/4k.txt", "/missing", "/dir/", "/1m.bin"]
        for i in range(20):
            path = paths[i % len(paths)]
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            self.assertEqual(r.status, 404 if path == "/missing" else 200, path)
            if path == "/1m.bin":
                self.assertEqual(len(body), 1 << 20)
            self.assertFalse(r.will_close, "server asked to close after request %d" % (i + 1))
            sockets.add(id(c.sock))
        self.assertEqual(len(sockets), 1, "http.client had to reconnect")
        c.close()

    def test_chunked_post_to_static_file(self):
        c = self.connection()
        c.request(
            "POST",
            "/4k.txt",
            body=iter([b"hello ", b"chunked ", b"world"]),
            encode_chunked=True,
            headers={"Transfer-Encoding": "chunked"},
        )
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 405)
        self.assertIn("GET", r.getheader("Allow") or "")
        # The body was consumed: the connection serves the next request.
        if not r.will_close:
            first = c.sock
            c.request("GET", "/index.html")
            r2 = c.getresponse()
            self.assertEqual(r2.status, 200)
            self.assertEqual(r2.read(), h.INDEX_HTML)
            self.assertIs(c.sock, first)
        c.close()


if __name__ == "__main__":
    h.main()
