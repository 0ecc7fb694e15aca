#!/usr/bin/env python3
"""Suite tls: HTTPS under the engine given, with real clients.

curl, openssl s_client and Python's ssl load pages (a 4 KB and a 1 MB file,
the latter read from the file in record-sized pieces); RSA and ECDSA
certificates side by side (the client's cipher picks); SNI picks a vhost's
certificate; plain HTTP on the TLS port gets Apache's 400; garbage and
truncated handshakes are closed and logged at info; a stalled handshake is
closed by RequestReadTimeout handshake= and delays nobody; client
certificates and SSLOptions +StdEnvVars reach an application; sessions
resume by ID (shmcb) and by ticket on a child other than the one that made
them, and after a graceful restart; ticket keys rotate with the previous one
still accepted; `-t` reports a key mismatch, an unreadable key, a passphrase
key and an expired certificate; `mpmd serve --tls`; Debian's default-ssl.conf
(its vhost's port aside) and certbot's files load unchanged; h2load drives
load over TLS.
"""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import mpmd_harness as h
import tls_support as t

PKI = None


def pki():
    global PKI
    if PKI is None:
        PKI = t.make_pki(Path(tempfile.mkdtemp(prefix="mpmd-pki-")))
    return PKI


def sizing():
    """Two or more processes under every engine, so a session can move between them."""
    if h.ENGINE == "worker":
        return "StartServers 3\nThreadsPerChild 2\nMinSpareThreads 1\nMaxSpareThreads 64\n"
    if h.ENGINE == "prefork":
        return "StartServers 3\nMinSpareServers 1\nMaxSpareServers 10\n"
    return "StartServers 2\n"


def curl(*args):
    p = subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, timeout=30)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class TlsServer(h.ServerTestCase):
    CACHE = "SSLSessionCache shmcb:/ignored(512000)\n"
    MORE = ""

    @classmethod
    def setUpClass(cls):
        cls.EXTRA = (sizing() + t.site_config(pki(), cls.CACHE + cls.MORE) + t.app_config())
        super().setUpClass()

    def url(self, path="/"):
        return "https://localhost:%d%s" % (self.port, path)

    def curl(self, path, *extra):
        return curl("--cacert", pki()["ca.pem"], "--resolve", "localhost:%d:127.0.0.1" % self.port,
                    *extra, self.url(path))

    def error_log(self):
        return self.server.error_log.read_text(errors="replace")


class Clients(TlsServer):
    def test_curl_files(self):
        rc, out, err = self.curl("/4k.txt")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, h.content_4k())
        # 1 MB: read from the file in record-sized pieces (no kTLS here).
        rc, out, err = self.curl("/1m.bin")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, h.content_1m())
        rc, out, err = self.curl("/1m.bin", "-r", "1000-1999")
        self.assertEqual((rc, out), (0, h.content_1m()[1000:2000]), err)

    def test_python_http_client_and_alpn(self):
        import http.client
        ctx = t.client_context(pki())
        c = http.client.HTTPSConnection("localhost", self.port, context=ctx, timeout=10)
        for _ in range(3):  # keep-alive over one TLS connection
            c.request("GET", "/index.html")
            r = c.getresponse()
            self.assertEqual((r.status, r.read()), (200, h.INDEX_HTML))
        self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
        c.close()

    def test_openssl_s_client(self):
        p = subprocess.run(
            ["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.port, "-servername",
             "localhost", "-CAfile", pki()["ca.pem"], "-verify_return_error", "-quiet",
             "-alpn", "http/1.1"],
            input=b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            capture_output=True, timeout=30)
        self.assertIn(b"HTTP/1.1 200 OK", p.stdout, p.stderr.decode(errors="replace"))
        self.assertIn(h.INDEX_HTML, p.stdout)

    def test_rsa_and_ecdsa_side_by_side(self):
        for cipher, key_type in (("ECDHE-ECDSA-AES128-GCM-SHA256", "id-ecPublicKey"),
                                 ("ECDHE-RSA-AES128-GCM-SHA256", "rsaEncryption")):
            ctx = t.client_context(pki(), tls_max="1.2", ciphers=cipher)
            with t.tls_connect(self.port, ctx) as s:
                self.assertEqual(s.cipher()[0], cipher)
                der = s.getpeercert(binary_form=True)
                text = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"],
                                      input=der, capture_output=True).stdout.decode()
                self.assertIn(key_type, text)
                self.assertEqual(t.get(s).status, 200)

    def test_plain_http_on_tls_port(self):
        resp, closed = h.exchange(self.port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                                  close_wait=3.0)
        self.assertEqual(resp.status, 400)
        self.assertIn(b"speaking plain HTTP to an SSL-enabled server port", resp.body)
        self.assertTrue(closed)

    def test_garbage_and_truncated_handshakes_are_logged_and_harmless(self):
        with h.connect(self.port) as s:
            s.sendall(b"\x00\x01\x02garbage\r\n\r\n")
            s.settimeout(5)
            self.assertEqual(s.recv(100), b"")
        # Half a ClientHello, then the client goes away.
        hello = self.client_hello()
        with h.connect(self.port) as s:
            s.sendall(hello[: len(hello) // 2])
        # A record that claims to be a handshake but holds junk.
        with h.connect(self.port) as s:
            s.sendall(b"\x16\x03\x01\x00\x10" + b"\xff" * 16)
            s.settimeout(5)
            try:
                s.recv(100)
            except ConnectionResetError:
                pass
        self.assertTrue(h.wait_until(lambda: self.error_log().count("MPMD0041") >= 3, 10),
                        self.error_log()[-2000:])
        self.assertIn("not a TLS handshake (first byte 0x00)", self.error_log())
        self.assertIn("[mpmd:info]", [l for l in self.error_log().splitlines() if "MPMD0041" in l][0])
        rc, out, err = self.curl("/index.html")
        self.assertEqual((rc, out), (0, h.INDEX_HTML), err)

    def client_hello(self):
        """A real ClientHello, captured from Python's ssl with memory BIOs."""
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        return outgoing.read()

    def test_h2load_over_tls(self):
        if not shutil.which("h2load"):
            self.skipTest("h2load not installed")
        p = subprocess.run(["h2load", "-n", "2000", "-c", "8", "-m", "1", self.url("/4k.txt")],
                           capture_output=True, text=True, timeout=120)
        self.assertIn("2000 succeeded", p.stdout, p.stdout + p.stderr)
        self.assertIn("Application protocol: http/1.1", p.stdout)


class Environment(TlsServer):
    @classmethod
    def setUpClass(cls):
        cls.MORE = """
SSLOptions +StdEnvVars +ExportCertData
SSLVerifyClient optional
SSLVerifyDepth 2
SSLCACertificateFile "%s"
""" % pki()["ca.pem"]
        super().setUpClass()

    def test_std_env_vars_and_client_certificate(self):
        env, _, _ = t.env_of(self.port, t.client_context(pki(), cert=True))
        self.assertEqual(env.get("HTTPS"), "on")
        self.assertEqual(env.get("SSL_PROTOCOL"), "TLSv1.3")
        self.assertEqual(env.get("SSL_TLS_SNI"), "localhost")
        self.assertEqual(env.get("SSL_SESSION_RESUMED"), "Initial")
        self.assertEqual(env.get("SSL_CLIENT_VERIFY"), "SUCCESS")
        self.assertEqual(env.get("SSL_CLIENT_S_DN"), "CN=alice")
        self.assertEqual(env.get("SSL_CLIENT_I_DN"), "CN=mpmd test CA")
        self.assertIn("SSL_CLIENT_CERT", env)
        # Without a certificate (optional): served, and said so.
        env, _, _ = t.env_of(self.port, t.client_context(pki()))
        self.assertEqual(env.get("SSL_CLIENT_VERIFY"), "NONE")
        self.assertNotIn("SSL_CLIENT_S_DN", env)


class RequireClientCertificate(TlsServer):
    @classmethod
    def setUpClass(cls):
        cls.MORE = 'SSLVerifyClient require\nSSLCACertificateFile "%s"\n' % pki()["ca.pem"]
        super().setUpClass()

    def test_required(self):
        env, _, _ = t.env_of(self.port, t.client_context(pki(), cert=True))
        self.assertEqual(env.get("HTTPS"), "on")
        with self.assertRaises((ssl.SSLError, ConnectionError, EOFError)):
            with t.tls_connect(self.port, t.client_context(pki())) as s:
                t.get(s)  # TLS 1.3: the refusal arrives after the handshake


class Resumption(TlsServer):
    """Sessions made on one child resume on another (shared cache, shared ticket keys)."""

    @classmethod
    def setUpClass(cls):
        # Connections held open fill the first child, so the next one must be
        # accepted by another: worker and prefork run out of threads and
        # processes; an event child never does, so it gets a small
        # WorkerConnections (which child wins an accept is the kernel's pick).
        if h.ENGINE == "event":
            cls.MORE = cls.MORE + "WorkerConnections 4\n"
        super().setUpClass()

    def resume_elsewhere(self, ctx, tries=300):
        env, reused, session = t.env_of(self.port, ctx)
        self.assertFalse(reused)
        first = env["pid"]
        held = []  # connections kept open on the first child: its threads get busy
        try:
            for _ in range(tries):
                s = t.tls_connect(self.port, ctx, session=session)
                resp = t.get(s, "/app/env")
                env = dict(l.split("=", 1) for l in resp.body.decode().splitlines() if "=" in l)
                self.assertTrue(s.session_reused, "a session made by pid %s was not resumed" % first)
                if env["pid"] != first:
                    s.close()
                    return session
                held.append(s)
            self.fail("every resumption landed on pid %s (%d tries)" % (first, tries))
        finally:
            for s in held:
                s.close()

    def test_by_ticket_tls13(self):
        self.resume_elsewhere(t.client_context(pki()))

    def test_by_ticket_tls12(self):
        self.resume_elsewhere(t.client_context(pki(), tls_max="1.2"))

    def test_across_graceful_restart(self):
        ctx = t.client_context(pki())
        session = t.session_of(self.port, ctx)
        old = set(self.server.children())
        os.kill(self.server.proc.pid, signal.SIGUSR1)
        self.assertTrue(h.wait_until(lambda: "generation 1" in self.error_log(), 20))
        _, reused, _ = t.env_of(self.port, ctx, session=session)
        self.assertTrue(reused, "ticket refused after a graceful restart")
        self.assertTrue(h.wait_until(lambda: not (old & set(self.server.children())), 20))
        env, reused, _ = t.env_of(self.port, ctx, session=session)
        self.assertTrue(reused)
        self.assertNotIn(int(env["pid"]), old)


class ResumptionById(Resumption):
    """SSLSessionTickets off: TLS 1.2 resumes by session ID, TLS 1.3 by stateful
    tickets, both through the shmcb cache the children share."""

    MORE = "SSLSessionTickets off\n"

    def test_by_ticket_tls12(self):
        # TLS 1.2 without tickets: the session ID, looked up in the shared cache.
        ctx = t.client_context(pki(), tls_max="1.2")
        session = self.resume_elsewhere(ctx)
        self.assertFalse(session.has_ticket)
        self.assertTrue(session.id)


class NoCache(TlsServer):
    CACHE = "SSLSessionCache none\nSSLSessionTickets off\n"

    def test_nothing_resumes(self):
        ctx = t.client_context(pki(), tls_max="1.2")
        session = t.session_of(self.port, ctx)
        _, reused, _ = t.env_of(self.port, ctx, session=session)
        self.assertFalse(reused)


class TicketRotation(TlsServer):
    MORE = "SSLSessionTicketKeyRotation 1\n"

    def rotations(self):
        return len(re.findall(r"MPMD0042", self.error_log()))

    def test_previous_key_still_accepted(self):
        ctx = t.client_context(pki())
        # One rotation later the ticket's key is the previous one: accepted.
        # Keys rotate every second whatever the test does, so a try counts only
        # if no second rotation came before the resumption (a slow machine
        # tries again).
        for _ in range(10):
            before = self.rotations()
            session = t.session_of(self.port, ctx)
            self.assertTrue(h.wait_until(lambda: self.rotations() >= before + 1, 15))
            _, reused, _ = t.env_of(self.port, ctx, session=session)
            if self.rotations() == before + 1:
                self.assertTrue(reused, "a ticket of the previous key was refused")
                break
        else:
            self.fail("two rotations came between every ticket and its resumption")
        # Two more and its key is gone: a full handshake.
        start = self.rotations()
        self.assertTrue(h.wait_until(lambda: self.rotations() >= start + 2, 15))
        _, reused, _ = t.env_of(self.port, ctx, session=session)
        self.assertFalse(reused, "a ticket two keys old was accepted")


class HandshakeTimeout(TlsServer):
    MORE = "RequestReadTimeout handshake=1 header=20-40,MinRate=500\n"

    def test_stalled_handshakes_are_closed_and_delay_nobody(self):
        hello = Clients.client_hello(self)
        stalled = []
        for i in range(20):
            s = h.connect(self.port)
            if i % 2:
                s.sendall(hello[:40])  # mid-handshake
            stalled.append(s)
        try:
            # Others are served meanwhile (event: no thread is held; blocking
            # engines: the stalled ones end after handshake=1).
            rc, out, err = self.curl("/index.html", "--max-time", "20")
            self.assertEqual((rc, out), (0, h.INDEX_HTML), err)
            for s in stalled:
                s.settimeout(15)
                try:
                    self.assertEqual(s.recv(100), b"")
                except ConnectionResetError:
                    pass
        finally:
            for s in stalled:
                s.close()


class Sni(h.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        p = pki()
        cls.EXTRA = f"""
{sizing()}
<VirtualHost *:*>
    ServerName a.test
    ServerAlias localhost
    SSLEngine on
    SSLCertificateFile "{p['ec.pem']}"
    SSLCertificateKeyFile "{p['ec.key']}"
</VirtualHost>
<VirtualHost *:*>
    ServerName b.test
    SSLEngine on
    SSLCertificateFile "{p['b.pem']}"
    SSLCertificateKeyFile "{p['b.key']}"
</VirtualHost>
"""
        super().setUpClass()

    def subject(self, name):
        ctx = ssl.create_default_context(cafile=pki()["ca.pem"])
        with t.tls_connect(self.port, ctx, server_hostname=name) as s:
            self.assertEqual(t.get(s, host=name).status, 200)
            return dict(x[0] for x in s.getpeercert()["subject"])["commonName"]

    def test_sni_selects_the_certificate(self):
        self.assertEqual(self.subject("b.test"), "b.test")
        self.assertEqual(self.subject("a.test"), "localhost")
        self.assertEqual(self.subject("localhost"), "localhost")

    def test_unknown_name_gets_the_first_site(self):
        ctx = ssl.create_default_context(cafile=pki()["ca.pem"])
        ctx.check_hostname = False
        with t.tls_connect(self.port, ctx, server_hostname="other.test") as s:
            self.assertEqual(dict(x[0] for x in s.getpeercert()["subject"])["commonName"],
                             "localhost")


    def test_host_naming_another_vhost_than_sni_gets_421(self):
        # Apache's answer: the connection's certificate and TLS settings are
        # those of the SNI name's vhost, so another vhost's request needs a
        # new connection.
        ctx = ssl.create_default_context(cafile=pki()["ca.pem"])
        with t.tls_connect(self.port, ctx, server_hostname="b.test") as s:
            r = t.get(s, host="a.test")
            self.assertEqual(r.status, 421)
            self.assertIn(b"Misdirected Request", r.body)
        with t.tls_connect(self.port, ctx, server_hostname="b.test") as s:
            self.assertEqual(t.get(s, host="B.test:443").status, 200)  # same vhost
        with t.tls_connect(self.port, ctx, server_hostname="a.test") as s:
            self.assertEqual(t.get(s, host="localhost").status, 200)  # an alias of a.test


class ConfigChecks(unittest.TestCase):
    """`mpmd -t` reads certificates and keys: file:line errors, expiry warnings."""

    def check(self, cert, key, extra=""):
        d = Path(tempfile.mkdtemp(prefix="mpmd-tls-t-"))
        (d / "www").mkdir()
        conf = d / "mpmd.conf"
        conf.write_text(f"""ServerRoot "{d}"
Listen 127.0.0.1:{h.free_port()} https
DocumentRoot "{d}/www"
ErrorLog "{d}/error.log"
PidFile "{d}/pid"
SSLEngine on
SSLCertificateFile "{cert}"
SSLCertificateKeyFile "{key}"
{extra}""")
        p = subprocess.run([h.MPMD, "-t", "-f", str(conf)], capture_output=True, text=True,
                           timeout=30)
        shutil.rmtree(d, ignore_errors=True)
        return p.returncode, p.stderr

    def test_good(self):
        rc, err = self.check(pki()["ec.pem"], pki()["ec.key"])
        self.assertEqual(rc, 0, err)
        self.assertIn("Syntax OK", err)

    def test_mismatch(self):
        rc, err = self.check(pki()["ec.pem"], pki()["b.key"])
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"mpmd\.conf:8: SSLCertificateKeyFile: .*b\.key does not match the "
                              r"certificate in .*ec\.pem")

    def test_unreadable(self):
        rc, err = self.check(pki()["ec.pem"], "/nonexistent/key.pem")
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"mpmd\.conf:8: SSLCertificateKeyFile: cannot read "
                              r"/nonexistent/key\.pem: No such file")

    def test_expired_and_expiring_warn(self):
        rc, err = self.check(pki()["expired.pem"], pki()["expired.key"])
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"warning: .*mpmd\.conf:7: SSLCertificateFile: .*expired\.pem: the "
                              r"certificate expired on Jan  2 00:00:00 2020 GMT")
        rc, err = self.check(pki()["soon.pem"], pki()["soon.key"])
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"warning: .*the certificate expires in [45] days")

    def test_passphrase_key(self):
        rc, err = self.check(pki()["ec.pem"], pki()["secret.key"])
        self.assertEqual(rc, 1)
        self.assertIn("protected by a passphrase", err)
        self.assertIn("SSLPassPhraseDialog exec:", err)
        rc, err = self.check(pki()["ec.pem"], pki()["secret.key"],
                             'SSLPassPhraseDialog "exec:%s"\n' % pki()["ask-pass.sh"])
        self.assertEqual(rc, 0, err)

    def test_https_listen_without_site(self):
        d = Path(tempfile.mkdtemp(prefix="mpmd-tls-t-"))
        conf = d / "mpmd.conf"
        conf.write_text(f'ServerRoot "{d}"\nListen 127.0.0.1:{h.free_port()} https\n'
                        f'ErrorLog "{d}/e.log"\n')
        p = subprocess.run([h.MPMD, "-t", "-f", str(conf)], capture_output=True, text=True)
        shutil.rmtree(d, ignore_errors=True)
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"mpmd\.conf:2: Listen: https, but no site with SSLEngine on")


class ServeTls(unittest.TestCase):
    def test_serve_tls(self):
        s = h.Server(engine=h.ENGINE)
        try:
            s.start(["serve", str(s.docroot), "--port", str(s.port), "--listen",
                     "127.0.0.1", "--mpm", h.ENGINE, "--tls"])
            rc, out, err = curl("-k", "https://127.0.0.1:%d/4k.txt" % s.port)
            self.assertEqual((rc, out), (0, h.content_4k()), err)
            self.assertIn("self-signed certificate for localhost made in memory",
                          s.output.read_text())
        finally:
            s.stop()


class ApacheFiles(unittest.TestCase):
    """Debian's default-ssl.conf and certbot's options-ssl-apache.conf with its
    -le-ssl.conf vhost, included as they are."""

    def test_certbot(self):
        d = Path(tempfile.mkdtemp(prefix="mpmd-certbot-"))
        # certbot's options-ssl-apache.conf (certbot-apache 2.x), verbatim, and
        # its live/DOMAIN/fullchain.pem and privkey.pem.
        (d / "options-ssl-apache.conf").write_text(CERTBOT_OPTIONS)
        shutil.copy(pki()["ec.pem"], d / "fullchain.pem")
        shutil.copy(pki()["ec.key"], d / "privkey.pem")
        s = h.Server(engine=h.ENGINE)
        s.conf.write_text(s.conf.read_text() + f"""
<IfModule mod_ssl.c>
<VirtualHost *:*>
    ServerName a.test
    ServerAdmin webmaster@localhost
Include {d}/options-ssl-apache.conf
SSLCertificateFile {d}/fullchain.pem
SSLCertificateKeyFile {d}/privkey.pem
</VirtualHost>
</IfModule>
""")
        try:
            s.start()
            rc, out, err = curl("--cacert", pki()["ca.pem"], "--resolve",
                                "a.test:%d:127.0.0.1" % s.port, "https://a.test:%d/4k.txt" % s.port)
            self.assertEqual((rc, out), (0, h.content_4k()), err)
        finally:
            s.stop()
            shutil.rmtree(d, ignore_errors=True)

    def test_debian_default_ssl(self):
        path = Path("/etc/apache2/sites-available/default-ssl.conf")
        snakeoil = Path("/etc/ssl/certs/ssl-cert-snakeoil.pem")
        if not path.exists() or not snakeoil.exists():
            self.skipTest("apache2's default-ssl.conf or ssl-cert's snakeoil certificate missing")
        logs = Path(tempfile.mkdtemp(prefix="mpmd-apache-logs-"))
        s = h.Server(engine=h.ENGINE)
        # The file as Debian ships it but for its vhost's port: 443 is one port
        # for every suite (and every engine's run of this one) on the machine.
        text = path.read_text()
        self.assertIn("<VirtualHost *:443>", text)
        copy = logs / "default-ssl.conf"
        copy.write_text(text.replace("<VirtualHost *:443>", "<VirtualHost *:%d>" % s.port))
        s.conf.write_text(s.conf.read_text() + "Include %s\n" % copy)
        os.environ["APACHE_LOG_DIR"] = str(logs)
        try:
            s.start()
            rc, out, err = curl("-k", "https://127.0.0.1:%d/" % s.port)
            self.assertEqual(rc, 0, err)
        finally:
            del os.environ["APACHE_LOG_DIR"]
            s.stop()
            shutil.rmtree(logs, ignore_errors=True)


CERTBOT_OPTIONS = """\
# This file contains important security parameters. If you modify this file
# manually, Certbot will be unable to automatically provide future security
# updates. Instead, Certbot will print and log an error message with a path to
# the up-to-date file that you will need to refer to when manually updating
# this file. Contents are based on https://ssl-config.mozilla.org

SSLEngine on

# Intermediate configuration, tweak to your needs
SSLProtocol             all -SSLv2 -SSLv3 -TLSv1 -TLSv1.1
SSLCipherSuite          ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384
SSLHonorCipherOrder     off
SSLSessionTickets       off

SSLOptions +StrictRequire

# Add vhost name to log entries:
LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-agent}i\\"" vhost_combined
LogFormat "%v %h %l %u %t \\"%r\\" %>s %b" vhost_common
"""


if __name__ == "__main__":
    h.main()
