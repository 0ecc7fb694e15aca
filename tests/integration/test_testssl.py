#!/usr/bin/env python3
"""testssl.sh (Debian's) against mpmd and against nginx, both with Mozilla's
"intermediate" settings (TLS 1.2 and 1.3, its cipher list, no tickets) and
the same ECDSA and RSA certificates, signed by a CA testssl is told about
(--add-ca), with a CRL and an OCSP address. One deviation from Mozilla's
intermediate: the server's cipher order is honoured (SSLHonorCipherOrder on,
ssl_prefer_server_ciphers on), because testssl 3.0 rates "no cipher order"
HIGH; the list's order is Mozilla's.

Passes when testssl rates no finding of mpmd HIGH or CRITICAL, and mpmd's
protocol and cipher findings (which protocols are offered, which cipher per
protocol) are nginx's. Run by `make testssl` (a few minutes: testssl makes
hundreds of handshakes per server); prints both summaries.

    python3 tests/integration/test_testssl.py --mpmd build/mpmd
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import mpmd_harness as h
import tls_support as t

INTERMEDIATE_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
# What is compared with nginx: the protocols and the ciphers offered per protocol.
COMPARED = ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3", "cipher-")


def testssl(port, ca, out):
    cmd = ["testssl", "--quiet", "--color", "0", "--warnings", "off", "--add-ca", ca,
           "--jsonfile", str(out), "--ip", "127.0.0.1", "-p", "-E", "-S", "-P", "-U",
           "localhost:%d" % port]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    return json.loads(out.read_text()), p.stdout


def compared(findings):
    return {f["id"]: f["finding"] for f in findings
            if f["id"].startswith(COMPARED) and not f["id"].startswith("cipher_order")}


class Testssl(h.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("testssl"):
            raise unittest_skip("testssl.sh is not installed (scripts/deps/tls.txt)")
        cls.pki = t.make_pki(Path(tempfile.mkdtemp(prefix="mpmd-testssl-pki-")))
        p = cls.pki
        cls.EXTRA = f"""
SSLEngine on
SSLCertificateFile "{p['ec.pem']}"
SSLCertificateKeyFile "{p['ec.key']}"
SSLCertificateFile "{p['rsa.pem']}"
SSLCertificateKeyFile "{p['rsa.key']}"
SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1
SSLCipherSuite {INTERMEDIATE_CIPHERS}
SSLHonorCipherOrder on
SSLSessionTickets off
SSLSessionCache shmcb:x(512000)
"""
        super().setUpClass()

    def start_nginx(self, work):
        p = self.pki
        port = h.free_port()
        (work / "nginx.conf").write_text(f"""
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/b; proxy_temp_path {work}/p; fastcgi_temp_path {work}/f;
    uwsgi_temp_path {work}/u; scgi_temp_path {work}/s;
    server {{
        listen 127.0.0.1:{port} ssl;
        root {self.server.docroot};
        ssl_certificate {p['ec.pem']};
        ssl_certificate_key {p['ec.key']};
        ssl_certificate {p['rsa.pem']};
        ssl_certificate_key {p['rsa.key']};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers {INTERMEDIATE_CIPHERS};
        ssl_prefer_server_ciphers on;
        ssl_session_tickets off;
        ssl_session_cache shared:SSL:1m;
    }}
}}
""")
        proc = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        h.wait_until(lambda: h.port_accepts(port), 10)
        return proc, port

    def test_no_high_findings_and_nginx_results(self):
        work = Path(tempfile.mkdtemp(prefix="mpmd-testssl-"))
        nginx, nginx_port = self.start_nginx(work)
        try:
            ours, ours_text = testssl(self.port, self.pki["ca.pem"], work / "mpmd.json")
            theirs, _ = testssl(nginx_port, self.pki["ca.pem"], work / "nginx.json")
        finally:
            nginx.terminate()
            nginx.wait(10)
        print("\n--- testssl against mpmd ---\n" + ours_text)
        bad = [f for f in ours if f.get("severity") in ("HIGH", "CRITICAL")]
        self.assertEqual(bad, [], "testssl rates these HIGH or CRITICAL")
        a, b = compared(ours), compared(theirs)
        diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        self.assertEqual(diff, {}, "protocol/cipher findings differ from nginx's (mpmd, nginx)")
        print("testssl: no HIGH/CRITICAL finding; %d protocol and cipher findings equal to "
              "nginx's" % len(a))
        shutil.rmtree(work, ignore_errors=True)


def unittest_skip(why):
    import unittest
    return unittest.SkipTest(why)


if __name__ == "__main__":
    h.main()
