#!/usr/bin/env python3
"""Suite hardening_table: the hostile rows of request_table.py (smuggling, parser abuse,
limits, paths) against one engine, with pass counts printed for the engine.

* every hostile row, checked exactly as test_request_table.py checks it;
* every rejected row again with a valid request pipelined behind it: the rejection is the
  only response, the connection closes, the second request is never answered;
* a sweep of traversal targets x methods: the secret outside the DocumentRoot never appears.
"""

import re
import socket

import mpmd_harness as h
import test_request_table as table
from request_table import HOSTILE, ROWS, config

BY_NAME = {row["name"]: row for row in ROWS}
FOLLOW = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"


def rejected(row):
    """True for a single-request row that must be answered by an error and a close."""
    if row.get("close") is not True or "responses" in row:
        return False
    if row.get("trickle") or "continue_body" in row:
        return False
    status = row["status"] if isinstance(row["status"], tuple) else (row["status"],)
    return all(s >= 400 for s in status)


class HardeningTable(h.ServerTestCase):
    tokens = {}  # the hostile rows use no @ETAG@ / @LASTMOD@

    @classmethod
    def setUpClass(cls):
        cls.EXTRA = config()  # the table's own server: status pages, /denied, the app at /app
        super().setUpClass()

    # The row checks are test_request_table's own, so both suites judge a row alike.
    fill = table.RequestTable.fill
    run_row = table.RequestTable.run_row
    check_continue = table.RequestTable.check_continue
    check_response = table.RequestTable.check_response
    check_close = table.RequestTable.check_close

    def report(self, what, passed, total, failures):
        print("\nhardening table [%s]: %s: %d/%d passed" % (h.ENGINE, what, passed, total),
              flush=True)
        if failures:
            self.fail("%d of %d failed:\n\n%s" % (len(failures), total, "\n\n".join(failures)))

    def test_a_table_holds_60_hostile_requests(self):
        self.assertGreaterEqual(len(HOSTILE), 60)
        self.assertEqual(len(set(HOSTILE)), len(HOSTILE), "duplicate names in HOSTILE")
        missing = [n for n in HOSTILE if n not in BY_NAME]
        self.assertEqual(missing, [], "HOSTILE names without a row")

    def test_b_hostile_rows(self):
        failures = []
        for name in HOSTILE:
            try:
                self.run_row(BY_NAME[name])
            except AssertionError as e:
                failures.append("%s: %s" % (name, e))
        self.report("hostile rows", len(HOSTILE) - len(failures), len(HOSTILE), failures)
        self.assertTrue(self.server.running(), "the master died during the table")

    def test_c_rejection_then_pipelined_request(self):
        rows = [BY_NAME[n] for n in HOSTILE if rejected(BY_NAME[n])]
        failures = []
        for row in rows:
            try:
                self.reject_then_follow(row)
            except (AssertionError, OSError, EOFError, ValueError) as e:
                failures.append("%s: %r\n  %s" % (row["name"], row["request"][:200], e))
        self.report("rejections with a request pipelined behind", len(rows) - len(failures),
                    len(rows), failures)

    def reject_then_follow(self, row):
        allowed = row["status"] if isinstance(row["status"], tuple) else (row["status"],)
        with h.connect(self.port, timeout=10) as s:
            s.sendall(row["request"] + FOLLOW)
            rd = h.Reader(s)
            resp = rd.read_response(head_request=row.get("head", False))
            if resp.status not in allowed:
                raise AssertionError("status %d, expected %s" % (resp.status, allowed))
            if not rd.peer_closed(timeout=3.0):  # raises on any byte of a second response
                raise AssertionError("connection still open 3 s after the rejection")
            if h.SECRET in resp.raw:
                raise AssertionError("the secret was served")

    def test_d_secret_never_served(self):
        targets = [
            b"/../outside/secret.txt", b"/%2e%2e/outside/secret.txt",
            b"/%2E%2e/outside/secret.txt", b"/.%2E/outside/secret.txt",
            b"/%252e%252e/outside/secret.txt", b"/..%2foutside%2fsecret.txt",
            b"/..%2Foutside/secret.txt", b"/..\\outside/secret.txt", b"/..%5coutside/secret.txt",
            b"/%c0%ae%c0%ae/outside/secret.txt", b"/%c0%2e%c0%2e/outside/secret.txt",
            b"/%e0%80%ae%e0%80%ae/outside/secret.txt", b"/..%c0%afoutside/secret.txt",
            b"/..%00/outside/secret.txt", b"/../outside/secret.txt%00",
            b"/dir/../../outside/secret.txt", b"/dir/%2e%2e/%2e%2e/outside/secret.txt",
            b"/./.././outside/secret.txt", b"/noindex/../../outside/secret.txt",
            b"/link-out", b"/link%2Dout", b"/./link-out", b"/dir/../link-out", b"/link-out%00",
            b"/link-out?x", b"/link-out#x", b"/" + b"../" * 64 + b"outside/secret.txt",
        ]
        variants = [
            (b"GET", b"", lambda t: t),
            (b"HEAD", b"", lambda t: t),
            (b"GET", b"Range: bytes=0-\r\n", lambda t: t),
            (b"GET", b"", lambda t: b"http://localhost" + t),
        ]
        failures = []
        total = 0
        for target in targets:
            for method, extra, form in variants:
                total += 1
                request = (method + b" " + form(target) + b" HTTP/1.1\r\nHost: localhost\r\n"
                           + extra + b"Connection: close\r\n\r\n")
                raw = self.raw_exchange(request)
                m = re.match(rb"HTTP/1\.1 (\d{3})", raw)
                if h.SECRET.strip() in raw:
                    failures.append("%r: the secret was served" % request[:120])
                elif not m or m.group(1)[:1] in (b"2", b"3") and m.group(1) != b"301":
                    failures.append("%r: answered %r" % (request[:120], raw[:80]))
        self.report("traversal sweep (secret never served)", total - len(failures), total,
                    failures)

    def raw_exchange(self, request):
        """Everything the server sends for REQUEST until it closes (bounded by 5 s)."""
        with h.connect(self.port, timeout=5) as s:
            s.sendall(request)
            data = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            return data


if __name__ == "__main__":
    h.main()
