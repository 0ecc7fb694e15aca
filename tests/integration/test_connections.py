#!/usr/bin/env python3
"""Suite connections: keep-alive limits and timeouts, slow and abandoning clients, concurrency."""

import socket
import threading
import time

import mpmd_harness as h

GET_4K = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"


class Connections(h.ServerTestCase):
    def assert_serves(self):
        resp, _ = h.exchange(self.server.port, GET_4K)
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, h.content_4k())

    def test_slow_reader_large_file(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(20)
        s.connect((h.HOST, self.server.port))
        with s:
            s.sendall(b"GET /1m.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
            time.sleep(0.5)  # the server's writes hit a full socket buffer meanwhile
            rd = h.Reader(s)
            resp = rd.read_response()
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.body, h.content_1m())
            s.sendall(GET_4K)  # and the connection is still usable
            self.assertEqual(rd.read_response().status, 200)

    def test_max_keepalive_requests(self):
        with h.connect(self.server.port) as s:
            rd = h.Reader(s)
            for i in range(1, 101):
                s.sendall(GET_4K)
                resp = rd.read_response()
                self.assertEqual(resp.status, 200, "request %d" % i)
                closing = "close" in (resp.header("Connection") or "").lower()
                self.assertEqual(closing, i == 100,
                                 "MaxKeepAliveRequests 100: Connection header of response %d is %r"
                                 % (i, resp.header("Connection")))
            self.assertTrue(rd.peer_closed(3.0), "not closed after the 100th response")

    def test_abandoned_requests(self):
        """Clients that connect and leave, or leave half a request, don't hurt anyone else."""
        for i in range(20):
            with h.connect(self.server.port) as s:
                if i % 2:
                    s.sendall(b"GET /4k.txt HTTP/1.1\r\nHost: loc")
        for _ in range(5):
            with h.connect(self.server.port) as s:
                s.sendall(b"GET /1m.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
                s.recv(1000)  # leave in the middle of the response
        half = h.connect(self.server.port)
        half.sendall(b"GET /4k.txt HTTP/1.1\r\n")
        try:
            self.assert_serves()
        finally:
            half.close()
        self.assertTrue(self.server.running() or h.os.environ.get("MPMD_STANDIN"))

    def test_concurrent_clients(self):
        errors = []

        def client(n):
            try:
                with h.connect(self.server.port) as s:
                    rd = h.Reader(s)
                    for _ in range(10):
                        s.sendall(GET_4K)
                        resp = rd.read_response()
                        if resp.status != 200 or resp.body != h.content_4k():
                            errors.append("client %d: status %d" % (n, resp.status))
            except (OSError, EOFError, ValueError) as e:
                errors.append("client %d: %s" % (n, e))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])

    def test_idle_connections_do_not_block(self):
        if self.server.engine != "event":
            self.skipTest("only the event engine serves idle connections without a worker each")
        idle = []
        try:
            for _ in range(200):
                idle.append(h.connect(self.server.port))
            started = time.monotonic()
            self.assert_serves()
            self.assertLess(time.monotonic() - started, 5.0)
        finally:
            for s in idle:
                s.close()


class Timeouts(h.ServerTestCase):
    """KeepAliveTimeout 1 and Timeout 2: idle and stalled connections are closed."""

    @classmethod
    def setUpClass(cls):
        cls.server = h.Server(keepalive_timeout=1, timeout=2)
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            raise

    def test_idle_keepalive_connection_closed(self):
        with h.connect(self.server.port) as s:
            rd = h.Reader(s)
            s.sendall(GET_4K)
            resp = rd.read_response()
            self.assertEqual(resp.status, 200)
            self.assertNotIn("close", (resp.header("Connection") or "").lower())
            self.assertTrue(rd.peer_closed(5.0), "KeepAliveTimeout 1: still open after 5 s")


def _stalled_test(partial, what):
    def test(self):
        with h.connect(self.server.port) as s:
            s.sendall(partial)
            rd = h.Reader(s)
            s.settimeout(8)
            try:
                said = rd.read_until_close()
            except socket.timeout:
                self.fail("Timeout 2: a client stalled in %s still connected after 8 s" % what)
            if said:  # an answer before closing is optional; if any, a 408
                self.assertRegex(said, rb"^HTTP/1\.1 408 ")

    return test


Timeouts.test_stalled_request_line = _stalled_test(b"GET /4k.txt HT", "the request line")
Timeouts.test_stalled_headers = _stalled_test(b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n", "the header")
Timeouts.test_stalled_body = _stalled_test(
    b"GET /4k.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc", "the body")


if __name__ == "__main__":
    h.main()
