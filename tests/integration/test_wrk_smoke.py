#!/usr/bin/env python3
"""Suite wrk_smoke: a short wrk load on loopback; no errors, no rate thresholds."""

import re
import subprocess

import mpmd_harness as h

THREADS, CONNECTIONS, SECONDS = 2, 64, 3


def parse_wrk(text):
    """The counters of wrk's report: requests, socket errors, non-2xx/3xx responses."""
    m = re.search(r"(\d+) requests in ", text)
    result = {"requests": int(m.group(1)) if m else None}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    for i, name in enumerate(("connect", "read", "write", "timeout")):
        result[name] = int(m.group(i + 1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non2xx3xx"] = int(m.group(1)) if m else 0
    return result


class WrkSmoke(h.ServerTestCase):
    def test_parse_wrk_report(self):
        sample = (
            "  2 threads and 64 connections\n  12345 requests in 3.00s, 50.00MB read\n"
            "  Socket errors: connect 1, read 2, write 3, timeout 4\n"
            "  Non-2xx or 3xx responses: 5\n"
        )
        self.assertEqual(
            parse_wrk(sample),
            dict(requests=12345, connect=1, read=2, write=3, timeout=4, non2xx3xx=5),
        )

    def test_load_4k_file(self):
        p = subprocess.run(
            [
                "wrk", "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % SECONDS, "--timeout", "5s",
                self.server.url + "/4k.txt",
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS + 30,
        )
        report = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, report)
        counts = parse_wrk(report)
        self.assertIsNotNone(counts["requests"], "no request count in wrk output:\n" + report)
        self.assertGreater(counts["requests"], 0, report)
        for name in ("connect", "read", "write", "timeout", "non2xx3xx"):
            self.assertEqual(counts[name], 0, "%s errors in:\n%s" % (name, report))
        self.assertTrue(self.server.running() or h.os.environ.get("MPMD_STANDIN"),
                        "the server died under load")
        # Still serving afterwards.
        resp, _ = h.exchange(self.server.port, b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(resp.status, 200)
        print("\nwrk: %d requests in %d s, %d connections" % (counts["requests"], SECONDS,
                                                             CONNECTIONS))


if __name__ == "__main__":
    h.main()
