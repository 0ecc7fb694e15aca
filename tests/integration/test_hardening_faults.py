#!/usr/bin/env python3
"""Suite hardening_faults: clients and files that go away mid-response, per engine.

* clients that reset (SO_LINGER 0) or close in the middle of the 1 MB file;
* a large file truncated, or removed, while a slow reader receives it (sendfile path);

after each: the connection closes (no hang), no child crashed (pids unchanged), and once
the server is idle again every child has as many descriptors open as before (no leak, no
descriptor of a removed file kept).
"""

import os
import socket
import struct
import time
import unittest

import mpmd_harness as h

BIG = 32 << 20  # bytes of the file truncated or removed while it is sent
POOLS = {  # keep the process pools still, so that a changed pid means a crash
    "prefork": "MinSpareServers 1\nMaxSpareServers 50\n",
    "worker": "MinSpareThreads 1\nMaxSpareThreads 1000\n",
}
CLOSE_LIMIT = 15.0  # seconds for the server to close a connection it cannot finish


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def deleted_fds(pid):
    out = []
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.endswith(" (deleted)"):
            out.append(target)
    return out


def slow_socket(port):
    """A connected socket with a small receive buffer, so that the server's send blocks."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((h.HOST, port))
    return s


def read_head(s):
    """Reads up to the end of the response head; returns (head, body bytes already read)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("closed before the head: %r" % data[:200])
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def read_to_close(s, limit):
    """Reads until the server closes; returns (bytes, seconds) or raises on LIMIT seconds."""
    start = time.monotonic()
    got = 0
    s.settimeout(1.0)
    while time.monotonic() - start < limit:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return got, time.monotonic() - start
        if not chunk:
            return got, time.monotonic() - start
        got += len(chunk)
    raise AssertionError("the server kept the connection open %.0f s (after %d bytes)"
                         % (limit, got))


class FaultBase(unittest.TestCase):
    """One server per class; setUp takes the children and their descriptor counts."""

    @classmethod
    def setUpClass(cls):
        cls.server = h.Server("KeepAliveTimeout 1\nTimeout 5\n" + POOLS.get(h.ENGINE, ""))
        big = cls.server.docroot / "big-template.bin"
        with open(big, "wb") as f:
            f.write(os.urandom(1 << 20) * (BIG >> 20))
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            raise
        h.wait_until(lambda: len(cls.server.children()) >= 2, 5)
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        # Warm up (file cache, logs), then wait for idle and take the baseline.
        for path in ("/index.html", "/1m.bin", "/4k.txt"):
            self.assertEqual(h.http_get(self.port, path)[0], 200)
        time.sleep(1.5)  # KeepAliveTimeout 1: the warm-up connections are closed
        self.kids = self.server.children()
        self.fds = self.steady_fds()

    def steady_fds(self):
        """Descriptors per child once the counts hold still for 1.5 s (a worker child's
        threads open their logs as they start, which a slow machine spreads out)."""
        counts, since = None, time.monotonic()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            now = {pid: fd_count(pid) for pid in self.kids}
            if now != counts:
                counts, since = now, time.monotonic()
            elif time.monotonic() - since >= 1.5:
                break
            time.sleep(0.25)
        return counts

    def assert_unharmed(self):
        self.assertTrue(self.server.running(), "the master died")
        status, _, body = h.http_get(self.port, "/1m.bin")
        self.assertEqual((status, len(body)), (200, 1 << 20))
        self.assertEqual(body, h.content_1m())
        self.assertEqual(self.server.children(), self.kids, "a child died or was replaced")

        def settled():
            now = {pid: fd_count(pid) for pid in self.kids}
            return now if now == self.fds else None

        time.sleep(1.5)  # KeepAliveTimeout 1
        self.assertTrue(h.wait_until(settled, 10, interval=0.5),
                        "descriptors per child: before %s, after %s"
                        % (self.fds, {pid: fd_count(pid) for pid in self.kids}))
        leftovers = {pid: deleted_fds(pid) for pid in self.kids if deleted_fds(pid)}
        self.assertEqual(leftovers, {}, "descriptors of removed files still open")

    def big_file(self, name):
        path = self.server.docroot / name
        os.link(self.server.docroot / "big-template.bin", path)  # same inode, no copy
        self.addCleanup(lambda: path.exists() and path.unlink())
        return path

    def start_slow_download(self, name):
        s = slow_socket(self.port)
        self.addCleanup(s.close)
        s.sendall(b"GET /%s HTTP/1.1\r\nHost: localhost\r\n\r\n" % name.encode())
        head, first = read_head(s)
        self.assertIn(b" 200 ", head.split(b"\r\n")[0])
        self.assertIn(b"content-length: %d" % BIG, head.lower())
        got = len(first)
        while got < 256 * 1024:  # the transfer is under way
            got += len(s.recv(16384))
        return s, got


class Files(FaultBase):
    """Files truncated or removed while a slow reader receives them."""

    def test_file_truncated_while_sent(self):
        # A copy (not a link): truncating must not change the template.
        path = self.server.docroot / "truncated.bin"
        path.write_bytes((self.server.docroot / "big-template.bin").read_bytes())
        self.addCleanup(lambda: path.exists() and path.unlink())
        s, got = self.start_slow_download("truncated.bin")
        os.truncate(path, 512 * 1024)
        more, seconds = read_to_close(s, CLOSE_LIMIT)
        print("\ntruncated [%s]: %d of %d bytes received, closed %.2f s after the truncation"
              % (h.ENGINE, got + more, BIG, seconds), flush=True)
        self.assertLess(got + more, BIG, "the promised length arrived from a truncated file")
        self.assert_unharmed()

    def test_file_truncated_to_zero_while_sent(self):
        path = self.server.docroot / "zeroed.bin"
        path.write_bytes((self.server.docroot / "big-template.bin").read_bytes())
        self.addCleanup(lambda: path.exists() and path.unlink())
        s, got = self.start_slow_download("zeroed.bin")
        os.truncate(path, 0)
        more, _ = read_to_close(s, CLOSE_LIMIT)
        self.assertLess(got + more, BIG)
        self.assert_unharmed()

    def test_file_removed_while_sent(self):
        path = self.big_file("removed.bin")
        s, got = self.start_slow_download("removed.bin")
        path.unlink()
        more, _ = read_to_close(s, CLOSE_LIMIT + BIG / (1 << 20))  # may still complete
        self.assertLessEqual(got + more, BIG + 1024)
        status, _, _ = h.http_get(self.port, "/removed.bin")
        self.assertEqual(status, 404, "a removed file is still served")
        self.assert_unharmed()


class Resets(FaultBase):
    """Clients that reset (SO_LINGER 0) or close while a response is being sent."""

    ROUNDS = 60  # of the four ways below; stops at the first dead child

    def test_resets_mid_response(self):
        big = self.big_file("reset.bin")
        done = 0
        for i in range(self.ROUNDS):
            self.reset_mid_response("/1m.bin", rst=i % 2 == 0)
            self.reset_mid_response("/" + big.name, rst=i % 2 == 1)
            self.reset_pipelined()
            self.reset_slow_download(big.name)
            done += 1
            if i % 5 == 4 and self.server.children() != self.kids:
                break
        print("\nresets [%s]: %d rounds of 4 resets or closes mid-response" % (h.ENGINE, done),
              flush=True)
        big.unlink()  # no descriptor may keep the removed file (assert_unharmed)
        self.assert_unharmed()

    def reset_slow_download(self, name):
        # A slow reader of a large file (sendfile under way) resets.
        try:
            s, _ = self.start_slow_download(name)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except (OSError, EOFError):
            pass  # a crashed child: assert_unharmed reports it

    def reset_mid_response(self, path, rst):
        s = slow_socket(self.port)
        try:
            s.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path.encode())
            s.settimeout(3)
            read_head(s)
            s.recv(16384)
            if rst:  # reset: SO_LINGER on, 0 s
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except (OSError, EOFError):
            pass  # a crashed child: assert_unharmed reports it
        finally:
            s.close()

    def reset_pipelined(self):
        # Several responses queued for a client that resets without reading them.
        s = slow_socket(self.port)
        s.sendall(b"GET /1m.bin HTTP/1.1\r\nHost: localhost\r\n\r\n" * 8)
        time.sleep(0.01)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()



if __name__ == "__main__":
    h.main()
