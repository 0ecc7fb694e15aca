"""The baseline responder answers each request, also when split or pipelined.
Needs MPMD_BASELINE (the mpmd-baseline binary; ctest sets it)."""
import os
import signal
import socket
import subprocess
import time
import unittest

from lib import check, servers

EXE = os.environ.get("MPMD_BASELINE", "")


@unittest.skipUnless(EXE and os.path.exists(EXE), "MPMD_BASELINE not set")
class Baseline(unittest.TestCase):
    def start(self, *extra):
        port = servers.free_port()
        p = subprocess.Popen([EXE, "--port", str(port), "--body-size", "4096", *extra])
        self.addCleanup(lambda: (p.send_signal(signal.SIGTERM), p.wait(timeout=10)))
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                time.sleep(0.02)
        self.fail("baseline did not listen")

    def test_answers_with_body_size(self):
        port = self.start()
        self.assertEqual(check.check(port, "/anything", 4096), "")

    def test_split_and_pipelined_requests(self):
        port = self.start()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r")
            time.sleep(0.05)
            s.sendall(b"\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
            data = b""
            while data.count(b"HTTP/1.1 200") < 3 or len(data) < 3 * 4096:
                chunk = s.recv(65536)
                self.assertTrue(chunk, "connection closed early")
                data += chunk
        self.assertEqual(data.count(b"HTTP/1.1 200 OK"), 3)

    def test_close_mode(self):
        port = self.start("--close")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\n\r\n")
            data = check.read_to_eof(s)
        status, length, body, err = check.parse_response(data)
        self.assertEqual((status, length, body, err), (200, 4096, 4096, ""))
        self.assertIn(b"Connection: close", data)


if __name__ == "__main__":
    unittest.main()
