#!/usr/bin/env python3
"""Suite hardening_slow: RequestReadTimeout against slow clients, per engine.

With `RequestReadTimeout header=2-4,MinRate=500 body=2,MinRate=500` (Apache's syntax,
short values): a client trickling its header or its body is answered 408 and closed
within the stage's limit; a client slower than a burst but above MinRate is served; a
client that stops reading its response is dropped after Timeout.
"""

import select
import socket
import time
import unittest

import mpmd_harness as h

READ_TIMEOUT = "RequestReadTimeout header=2-4,MinRate=500 body=2,MinRate=500\n"
HEADER_MAX = 4.0  # seconds: header=2-4
BODY_MIN = 2.0  # seconds: body=2, extended by 1 s per 500 bytes
SLACK = 2.0  # the event engine checks deadlines once a second; scheduling


def trickle(port, head, piece, interval, limit):
    """Sends HEAD, then PIECE every INTERVAL s until the server closes or LIMIT s pass.

    Returns (everything received, seconds from connect to the server's close or None)."""
    start = time.monotonic()
    received = b""
    with h.connect(port, timeout=5) as s:
        s.sendall(head)
        next_send = time.monotonic() + interval
        while time.monotonic() - start < limit:
            wait = max(0.0, next_send - time.monotonic())
            readable, _, _ = select.select([s], [], [], wait)
            if readable:
                try:
                    data = s.recv(65536)
                except ConnectionResetError:
                    data = b""
                if not data:
                    return received, time.monotonic() - start
                received += data
                continue
            try:
                s.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server closed; the next recv tells
            next_send += interval
    return received, None


def paced(port, data, seconds):
    """Sends DATA evenly over SECONDS, then reads one response; returns it."""
    with h.connect(port, timeout=10) as s:
        n = 50
        pieces = [data[i : i + n] for i in range(0, len(data), n)]
        start = time.monotonic()
        for i, p in enumerate(pieces):
            delay = start + seconds * i / len(pieces) - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            s.sendall(p)
        return h.Reader(s).read_response()


class SlowClients(h.ServerTestCase):
    EXTRA = READ_TIMEOUT

    def assert_408_closed(self, received, closed_after, stage_limit):
        self.assertIsNotNone(closed_after, "still open after %.0f s; got %r"
                             % (stage_limit + 2 * SLACK, received[:200]))
        self.assertTrue(received.startswith(b"HTTP/1.1 408 "), "expected 408, got %r"
                        % received[:200])
        self.assertLessEqual(received.count(b"HTTP/1.1 "), 1, "more than one response")
        self.assertLessEqual(closed_after, stage_limit + SLACK, "closed late")

    def test_trickled_header_408(self):
        # 2 bytes a second: far under MinRate, cut at header=2 (at most 4) seconds.
        head = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
        received, closed = trickle(self.port, head, b"a", 0.5, HEADER_MAX + 2 * SLACK)
        self.assert_408_closed(received, closed, HEADER_MAX)
        self.assertGreaterEqual(closed, 2.0 - 0.2, "cut before header=2 s")

    def test_slowloris_header_lines_408(self):
        # A new header line every 0.5 s, the classic slowloris.
        head = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n"
        received, closed = trickle(self.port, head, b"X-a: b\r\n", 0.5, HEADER_MAX + 2 * SLACK)
        self.assert_408_closed(received, closed, HEADER_MAX)

    def test_trickled_second_request_408(self):
        # On a keep-alive connection the header stage starts again with the next request.
        first = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
        head = first + b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
        received, closed = trickle(self.port, head, b"a", 0.5, HEADER_MAX + 2 * SLACK)
        self.assertTrue(received.startswith(b"HTTP/1.1 200 "), received[:100])
        second = received[received.index(h.INDEX_HTML) + len(h.INDEX_HTML):]
        self.assert_408_closed(second, closed, HEADER_MAX)

    def test_trickled_body_408(self):
        # The head at once, then 10 bytes of a 60000-byte body every 0.5 s. The
        # static file does not read it; a body this small (at most 64 KiB to come)
        # is read and dropped before the answer, under the body stage's deadline.
        # (A larger one is not read at all: 405 at once, connection closed.)
        head = b"POST /4k.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000\r\n\r\n"
        received, closed = trickle(self.port, head, b"x" * 10, 0.5, BODY_MIN + 3 * SLACK)
        self.assert_408_closed(received, closed, BODY_MIN + 1)

    def test_trickled_chunked_body_408(self):
        head = b"POST /4k.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        received, closed = trickle(self.port, head, b"1\r\nx\r\n", 0.5, BODY_MIN + 3 * SLACK)
        self.assert_408_closed(received, closed, BODY_MIN + 1)

    def test_header_above_min_rate_is_served(self):
        # 3000 header bytes over 2.5 s (1200 B/s, above MinRate=500): never cut.
        fields = b"".join(b"X-Pad-%02d: %s\r\n" % (i, b"p" * 88) for i in range(30))
        request = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n" + fields + b"\r\n"
        resp = paced(self.port, request, 2.5)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, h.content_4k())

    def test_body_above_min_rate_is_served(self):
        # 3000 body bytes over 3 s (1000 B/s): body=2 extended by 1 s per 500 bytes.
        body = b"b" * 3000
        request = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3000\r\n\r\n"
        resp = paced(self.port, request + body, 3.0)
        self.assertEqual(resp.status, 200)

    def test_silent_connection_closed(self):
        # Connect and send nothing: closed by the header stage (with or without a 408).
        received, closed = trickle(self.port, b"", b"", 10.0, HEADER_MAX + 2 * SLACK)
        self.assertIsNotNone(closed, "a silent connection stayed open")
        self.assertLessEqual(closed, HEADER_MAX + SLACK)
        self.assertTrue(received == b"" or received.startswith(b"HTTP/1.1 408 "), received[:100])

    def test_service_unaffected(self):
        status, _, body = h.http_get(self.port, "/index.html")
        self.assertEqual((status, body), (200, h.INDEX_HTML))


class SlowReader(unittest.TestCase):
    """A client that stops reading its response is dropped after Timeout (3 s here)."""

    def test_stalled_reader_dropped_after_timeout(self):
        server = h.Server(READ_TIMEOUT, timeout=3)
        self.addCleanup(server.stop)
        size = 32 << 20  # far more than the socket buffers hold
        (server.docroot / "big.bin").write_bytes(b"\0" * size)
        server.start()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((h.HOST, server.port))
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        time.sleep(3 + SLACK + 1)  # read nothing: the server's writes make no progress
        s.settimeout(5)
        got, closed = 0, False
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    closed = True
                    break
                got += len(data)
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
        self.assertTrue(closed, "still open %.0f s after the reader stalled" % (3 + SLACK + 6))
        self.assertLess(got, size, "the whole file arrived: the stall was not tested")
        self.assertEqual(h.http_get(server.port, "/index.html")[0], 200)


if __name__ == "__main__":
    h.main()
