"""The correctness check: wrong status or body length is marked, not counted."""
import socket
import threading
import unittest

from lib import check, parse


class OneShotServer:
    """Answers each connection on 127.0.0.1 with a canned response (in-process)."""

    def __init__(self, response, close=True):
        self.response, self.close = response, close
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.recv(4096)
            conn.sendall(self.response)
            if not self.close:
                conn.recv(4096)  # keeps the connection open until the client leaves

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
        self.thread.join(timeout=5)


def answer(status, body, length=None):
    length = len(body) if length is None else length
    return (b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n" % (status, length)) + body


class Check(unittest.TestCase):
    def test_right_answer(self):
        with OneShotServer(answer(200, b"x" * 13)) as s:
            self.assertEqual(check.check(s.port, "/13b.txt", 13), "")

    def test_keep_alive_server_answer_complete_without_close(self):
        with OneShotServer(answer(200, b"x" * 13), close=False) as s:
            self.assertEqual(check.check(s.port, "/13b.txt", 13), "")

    def test_wrong_status(self):
        with OneShotServer(answer(404, b"not found")) as s:
            self.assertIn("status 404", check.check(s.port, "/13b.txt", 13))

    def test_wrong_length(self):
        with OneShotServer(answer(200, b"x" * 12)) as s:
            self.assertIn("expected 13", check.check(s.port, "/13b.txt", 13))

    def test_truncated_body(self):
        with OneShotServer(answer(200, b"x" * 5, length=13)) as s:
            self.assertIn("body of 5 bytes", check.check(s.port, "/13b.txt", 13))

    def test_not_http(self):
        with OneShotServer(b"SSH-2.0-OpenSSH\r\n\r\n") as s:
            self.assertIn("bad status line", check.check(s.port, "/", 13))

    def test_nobody_listening(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.assertIn("no answer", check.check(port, "/", 13))


class CheckLoad(unittest.TestCase):
    def test_marks(self):
        ok = parse.LoadResult(requests=10, bytes=10 * 4200, duration_s=1)
        self.assertEqual(check.check_load(ok, 4096), "")
        short = parse.LoadResult(requests=10, bytes=10 * 300, duration_s=1)
        self.assertIn("bytes per response", check.check_load(short, 4096))
        non2xx = parse.LoadResult(requests=10, bytes=10 * 4200, duration_s=1, non2xx=3)
        self.assertIn("3 non-2xx", check.check_load(non2xx, 4096))
        self.assertIn("no response", check.check_load(parse.LoadResult(), 13))


if __name__ == "__main__":
    unittest.main()
