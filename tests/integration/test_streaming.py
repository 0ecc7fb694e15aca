#!/usr/bin/env python3
"""Suite streaming: request and response bodies stream through every engine with
bounded memory (the application routes of tests/integration/apps/test_app.cpp).

* a 1 GB chunked upload to a route that counts it as it arrives (blocking: reads
  waiting for each piece; non_blocking: pieces handed over as they arrive): every
  byte is counted and the child's RSS does not grow by more than a few windows;
* a 1 GB upload announced to a static file is refused at once, without the
  child reading it (and its memory does not move);
* a generator producing 1 GB to a client that reads at 1 MB/s: the child's RSS
  stays flat while the client is slow, then the rest arrives whole;
* a blocking handler writing 128 MB piece by piece, waiting on a slow client;
* pipelined requests after a streamed body are answered in order.

Under a sanitizer (MPMD_SANITIZER) the sizes are smaller: the checks are the same."""

import http.client
import os
import socket
import sys
import time
import unittest
from pathlib import Path

import mpmd_harness as h

APPS = None
SANITIZED = bool(os.environ.get("MPMD_SANITIZER"))
GB = 1 << 30
MB = 1 << 20
UPLOAD = GB // 4 if SANITIZED else GB
# What a child may grow by while it streams: a few windows, buffers and pages
# touched; a body held whole would be hundreds of MB.
RSS_SLACK_KB = 48 * 1024


def rss_kb(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def children_rss(server):
    return {pid: rss_kb(pid) for pid in server.children()}


def read_head(sock):
    """Reads a response head; returns (status, {lower header: value}, bytes after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before the response head: %r" % data)
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        fields[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), fields, rest


def send_chunked(sock, total, piece=MB):
    block = b"u" * piece
    frame = b"%x\r\n" % piece + block + b"\r\n"
    sent = 0
    while sent + piece <= total:
        sock.sendall(frame)
        sent += piece
    if sent < total:
        n = total - sent
        sock.sendall(b"%x\r\n" % n + block[:n] + b"\r\n")
    sock.sendall(b"0\r\n\r\n")


class Streaming(h.ServerTestCase):
    EXTRA = ('LoadApplication app "%s"\n<Location /app>\n    SetHandler app\n</Location>\n'
             "LimitRequestBody 0\nThreadsPerChild 4\n")

    @classmethod
    def setUpClass(cls):
        cls.EXTRA = cls.EXTRA % str(Path(APPS) / "test_app.so")
        super().setUpClass()

    def upload(self, path):
        before = children_rss(self.server)
        with h.connect(self.port) as s:
            s.settimeout(120)
            s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      % path.encode())
            send_chunked(s, UPLOAD)
            status, fields, rest = read_head(s)
            body = rest
            length = int(fields.get("content-length", "0"))
            while len(body) < length:
                body += s.recv(65536)
        self.assertEqual(status, 200, body)
        text = body.decode()
        self.assertTrue(text.startswith("%d bytes" % UPLOAD), text)
        pid = int(text.split(" in ")[1])
        grown = rss_kb(pid) - before.get(pid, 0)
        self.assertIn(pid, before, "the answering child existed before the upload")
        self.assertLess(grown, RSS_SLACK_KB,
                        "child %d grew by %d kB for a %d MB upload" % (pid, grown, UPLOAD // MB))

    def test_upload_read_by_a_blocking_route(self):
        self.upload("/app/count")

    def test_upload_read_as_it_arrives(self):
        self.upload("/app/count-async")

    def test_large_upload_to_a_static_file_is_refused_unread(self):
        before = children_rss(self.server)
        with h.connect(self.port) as s:
            s.settimeout(20)
            s.sendall(b"POST /4k.txt HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % GB)
            s.sendall(b"x" * MB)  # the start of it; the rest is never sent
            status, fields, _ = read_head(s)
            self.assertEqual(status, 405)
            self.assertEqual(fields.get("connection"), "close")
        after = children_rss(self.server)
        for pid, kb in after.items():
            if pid in before:
                self.assertLess(kb - before[pid], RSS_SLACK_KB)

    def slow_then_fast(self, path, total, chunked_ok=False):
        """GETs PATH, reads 1 MB/s for 3 s while watching the child's RSS, then the rest."""
        with h.connect(self.port) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            s.settimeout(60)
            s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
            status, fields, rest = read_head(s)
            self.assertEqual(status, 200)
            pid = int(fields["x-pid"])
            got = len(rest)
            start_rss = rss_kb(pid)
            peak = start_rss
            t0 = time.monotonic()
            while time.monotonic() - t0 < 3.0:  # 64 KB every 64 ms: 1 MB/s
                got += len(s.recv(64 * 1024))
                peak = max(peak, rss_kb(pid))
                time.sleep(0.064)
            self.assertLess(got, 8 * MB, "the client was slow, yet it got %d bytes" % got)
            self.assertLess(peak - start_rss, RSS_SLACK_KB,
                            "child %d grew by %d kB behind a slow client" % (pid, peak - start_rss))
            # Then everything else, as fast as it comes.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * MB)
            if "content-length" in fields:
                want = int(fields["content-length"])
                while got < want:
                    n = len(s.recv(4 * MB))
                    if n == 0:
                        break
                    got += n
                self.assertEqual(got, want)
                return got
            self.assertTrue(chunked_ok)
            self.assertEqual(fields.get("transfer-encoding"), "chunked")
            data = b""
            while not data.endswith(b"\r\n0\r\n\r\n"):
                chunk = s.recv(4 * MB)
                if not chunk:
                    break
                data += chunk
            return data

    def test_generator_to_a_slow_client(self):
        total = UPLOAD
        got = self.slow_then_fast("/app/generate?bytes=%d&length=1" % total, total)
        self.assertEqual(got, total)

    def test_blocking_writer_waits_for_a_slow_client(self):
        total = 32 * MB if SANITIZED else 128 * MB
        self.slow_then_fast("/app/write?bytes=%d" % total, total, chunked_ok=True)
        # The whole body, de-chunked, through a client that decodes it.
        conn = http.client.HTTPConnection(h.HOST, self.port, timeout=60)
        try:
            conn.request("GET", "/app/write?bytes=%d" % (4 * MB))
            r = conn.getresponse()
            body = r.read()
            self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
            self.assertEqual(len(body), 4 * MB)
            self.assertEqual(body.count(b"w"), 4 * MB)
        finally:
            conn.close()

    def test_pipelined_requests_after_streamed_bodies(self):
        with h.connect(self.port) as s:
            s.settimeout(30)
            s.sendall(b"POST /app/count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"5\r\nhello\r\n0\r\n\r\n"
                      b"GET /app/generate?bytes=70000 HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
            rd = h.Reader(s)
            first = rd.read_response()
            self.assertEqual(first.status, 200)
            self.assertTrue(first.body.startswith(b"5 bytes"), first.body)
            second = rd.read_response()
            self.assertEqual(second.status, 200)
            self.assertEqual(second.body, b"g" * 70000)
            third = rd.read_response()
            self.assertEqual(third.status, 200)
            self.assertEqual(third.body, h.content_4k())


def main():
    global APPS
    args = sys.argv[1:]
    mpmd = os.environ.get("MPMD_BIN", h.MPMD)
    if "--mpmd" in args:
        mpmd = args[args.index("--mpmd") + 1]
    APPS = os.environ.get("MPMD_APPS_DIR") or str(Path(os.path.abspath(mpmd)).parent / "apps")
    if not (Path(APPS) / "test_app.so").exists():
        print("test applications not built in %s" % APPS, file=sys.stderr)
        sys.exit(1)
    h.main()


if __name__ == "__main__":
    main()
