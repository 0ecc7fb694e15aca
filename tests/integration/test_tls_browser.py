#!/usr/bin/env python3
"""Suite tls_browser: headless Chromium (Debian's chromium) loads a page and a
4 KB file over HTTPS from mpmd (TLS 1.3, ALPN http/1.1 since Chromium offers
h2 first), and the access log shows the requests. Runs once (event engine)."""

import shutil
import subprocess
import tempfile

import mpmd_harness as h
import tls_support as t

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--ignore-certificate-errors"]


class Browser(h.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = t.make_pki(tempfile.mkdtemp(prefix="mpmd-pki-"))
        cls.EXTRA = t.site_config(cls.pki)
        super().setUpClass()

    def chromium(self, *args):
        exe = shutil.which("chromium")
        if not exe:
            self.skipTest("chromium is not installed (scripts/deps/tls.txt)")
        profile = tempfile.mkdtemp(prefix="mpmd-chromium-")
        try:
            p = subprocess.run([exe, *FLAGS, "--user-data-dir=" + profile, *args],
                               capture_output=True, text=True, timeout=120)
            return p.stdout, p.stderr
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def test_page_over_https(self):
        out, err = self.chromium("--dump-dom", "https://localhost:%d/index.html" % self.port)
        self.assertIn("<h1>mpmd index</h1>", out, err[-2000:])
        self.assertTrue(h.wait_until(
            lambda: '"GET /index.html HTTP/1.1" 200' in self.server.access_log.read_text(), 10))

    def test_screenshot(self):
        shot = tempfile.mktemp(suffix=".png")
        _, err = self.chromium("--screenshot=" + shot, "--window-size=640,300",
                               "https://localhost:%d/4k.txt" % self.port)
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n", err[-2000:])
        # The access log is written in batches (at least once a second): wait for it.
        self.assertTrue(h.wait_until(
            lambda: '"GET /4k.txt HTTP/1.1" 200 4096' in self.server.access_log.read_text(), 10),
            self.server.access_log.read_text())


if __name__ == "__main__":
    h.main()
