#!/usr/bin/env python3
"""Suite request_table: every row of request_table.py over a raw socket, one test per row."""

import json
import re
import time

import mpmd_harness as h
from request_table import IMF_DATE, ROWS, config

PROBE = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
NO_BODY_STATUSES = (204, 304)


class RequestTable(h.ServerTestCase):
    tokens = {}

    @classmethod
    def setUpClass(cls):
        cls.EXTRA = config()  # once main() has set the binary (the app is built next to it)
        super().setUpClass()
        try:
            resp, _ = h.exchange(cls.server.port, b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
            cls.tokens = {
                b"@ETAG@": (resp.header("ETag") or '"no-etag-in-first-response"').encode(),
                b"@LASTMOD@": (resp.header("Last-Modified") or "no-last-modified").encode(),
            }
        except (OSError, EOFError, ValueError) as e:
            cls.tokens = {b"@ETAG@": b'"none"', b"@LASTMOD@": b"none"}
            print("first GET /4k.txt failed: %s" % e)

    def fill(self, raw):
        for k, v in self.tokens.items():
            raw = raw.replace(k, v)
        return raw

    def run_row(self, row):
        request = self.fill(row["request"])
        transcript = []  # what came back, for the failure message
        try:
            with h.connect(self.port, timeout=10) as s:
                rd = h.Reader(s)
                if row.get("trickle"):
                    n = row["trickle"]
                    for i in range(0, len(request), n):
                        s.sendall(request[i : i + n])
                        time.sleep(0.002)
                else:
                    s.sendall(request)
                if "continue_body" in row:
                    self.check_continue(row, s, rd, transcript)
                    expected = [row]
                else:
                    expected = row.get("responses") or [row]
                for i, exp in enumerate(expected):
                    resp = rd.read_response(
                        head_request=exp.get("head", False),
                        skip_interim=not (i == 0 and row.get("no_interim")),
                    )
                    transcript.append(resp.describe())
                    self.check_response(exp, resp, "response %d" % (i + 1))
                self.check_close(row, rd, s, resp, transcript)
        except (AssertionError, OSError, EOFError, ValueError) as e:
            self.fail(
                "\nrequest: %r\nexpected: status %s%s\ngot:\n%s\nerror: %s"
                % (
                    request[:600],
                    row.get("status", [r["status"] for r in row.get("responses", [])]),
                    "" if row.get("close") is None else ", close=%s" % row["close"],
                    "\n---\n".join(transcript) or "(no response)",
                    e,
                )
            )

    def check_continue(self, row, s, rd, transcript):
        if row["interim"] is None:
            return  # the final response must come without the body being sent
        s.settimeout(5)
        interim = rd.read_response(skip_interim=False)
        transcript.append(interim.describe())
        if interim.status != row["interim"]:
            raise AssertionError(
                "expected interim %d before sending the body, got %d"
                % (row["interim"], interim.status)
            )
        s.sendall(row["continue_body"])

    def check_response(self, exp, resp, where):
        status = exp["status"]
        allowed = status if isinstance(status, tuple) else (status,)
        if resp.status not in allowed:
            raise AssertionError("%s: status %d, expected %s" % (where, resp.status, status))
        if resp.version != "HTTP/1.1":
            raise AssertionError("%s: status line version %s, expected HTTP/1.1" % (where, resp.version))
        if not re.fullmatch(IMF_DATE, resp.header("Date") or ""):
            raise AssertionError("%s: Date %r is not an IMF-fixdate" % (where, resp.header("Date")))
        for name in ["Date", "Server"] + list(exp.get("present", [])):
            if resp.header(name) is None:
                raise AssertionError("%s: header %s missing" % (where, name))
        for name in exp.get("absent", []):
            if resp.header(name) is not None:
                raise AssertionError("%s: header %s must be absent" % (where, name))
        framed = resp.header("Content-Length") is not None or resp.framing == "chunked"
        if resp.status not in NO_BODY_STATUSES and resp.status >= 200 and not framed:
            raise AssertionError("%s: no Content-Length (body delimited by close)" % where)
        if len(resp.header_all("Content-Length")) > 1:
            raise AssertionError("%s: several Content-Length headers" % where)
        if resp.header("Content-Length") and resp.header("Transfer-Encoding"):
            raise AssertionError("%s: both Content-Length and Transfer-Encoding" % where)
        for name, pattern in exp.get("values", {}).items():
            value = resp.header(name)
            if value is None or not re.fullmatch(pattern, value):
                raise AssertionError("%s: %s is %r, expected /%s/" % (where, name, value, pattern))
        if "body" in exp and resp.body != exp["body"]:
            raise AssertionError(
                "%s: body differs (%d bytes, expected %d)" % (where, len(resp.body), len(exp["body"]))
            )
        for part in exp.get("body_contains", []):
            if part not in resp.body:
                raise AssertionError("%s: body lacks %r" % (where, part))
        if "body_excludes" in exp and exp["body_excludes"] in resp.body:
            raise AssertionError("%s: body contains %r" % (where, exp["body_excludes"]))

    def check_close(self, row, rd, s, last, transcript):
        want = row.get("close")
        if want is None:
            return
        if want:
            if not rd.peer_closed(timeout=3.0):
                raise AssertionError("connection still open 3 s after the response")
            if last.version == "HTTP/1.1" and b"HTTP/1.1" in row["request"].split(b"\r\n")[0]:
                if "close" not in (last.header("Connection") or "").lower():
                    raise AssertionError("closing HTTP/1.1 connection without Connection: close")
            return
        if rd.buf:
            raise AssertionError("unexpected extra bytes: %r" % rd.buf[:200])
        if rd.eof:
            raise AssertionError("server closed a connection that should stay open")
        try:
            s.settimeout(5)
            s.sendall(PROBE)
            probe = rd.read_response()
        except (OSError, EOFError) as e:
            raise AssertionError("connection not reusable: follow-up request failed: %s" % e)
        transcript.append("(follow-up) " + probe.describe(80))
        if probe.status != 200:
            raise AssertionError("follow-up request on the same connection got %d" % probe.status)


class Backend(h.ServerTestCase):
    """The rows above ran under the backend asked for (--event-backend), not the default."""
    EXTRA = h.STATUS_LOCATIONS

    def test_status_page_names_the_backend_in_use(self):
        auto = h.status_auto(self.port)
        if h.ENGINE != "event":
            self.assertNotIn("EventBackend", auto)
            return
        self.assertEqual(auto.get("EventBackend"), h.EVENT_BACKEND or "epoll", auto)
        status, _, body = h.http_get(self.port, "/server-status?json")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["event_backend"], h.EVENT_BACKEND or "epoll")
        status, _, body = h.http_get(self.port, "/server-status")
        self.assertIn(b"Event Backend: " + (h.EVENT_BACKEND or "epoll").encode(), body)

    def test_select_caps_worker_connections_below_fd_setsize(self):
        if h.ENGINE != "event" or h.EVENT_BACKEND != "select":
            self.skipTest("EventBackend select only")
        log = h.wait_until(lambda: "MPMD0400" in self.server.error_log.read_text() and
                           self.server.error_log.read_text(), 5)
        self.assertTrue(log, "no MPMD0400 at start-up")
        self.assertRegex(log, r"MPMD0400: EventBackend select cannot wait for descriptors at or "
                              r"above 1024 \(FD_SETSIZE\): WorkerConnections .* capped at \d+ "
                              r"per child")


def _make_test(row):
    def test(self):
        self.run_row(row)

    test.__doc__ = row["name"]
    return test


for _row in ROWS:
    assert re.fullmatch(r"\w+", _row["name"]), _row["name"]
    assert not hasattr(RequestTable, "test_" + _row["name"]), "duplicate row " + _row["name"]
    setattr(RequestTable, "test_" + _row["name"], _make_test(_row))

if __name__ == "__main__":
    h.main()
