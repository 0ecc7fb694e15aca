"""Certificates and TLS clients for the TLS suites, made with the openssl CLI.

make_pki(dir) writes, below DIR:
  ca.pem / ca.key              a test CA
  ec.pem / ec.key              ECDSA P-256 for localhost, a.test (signed by the CA, chain in ec.pem)
  rsa.pem / rsa.key            RSA-2048 for localhost, a.test
  b.pem / b.key                ECDSA for b.test only (SNI)
  client.pem / client.key      a client certificate (CN=alice) signed by the CA
  expired.pem / expired.key    a certificate that expired yesterday
  soon.pem / soon.key          one that expires in 5 days
  secret.key                   ec.key encrypted with the passphrase "s3cret"
  ask-pass.sh                  an SSLPassPhraseDialog exec: program printing it
and returns a dict of those paths.
"""

import os
import socket
import ssl
import subprocess
from pathlib import Path

import mpmd_harness as h


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _leaf(d, name, key_args, sans, days="30", cn="localhost"):
    _openssl("req", "-new", "-newkey", *key_args, "-nodes", "-keyout", name + ".key",
             "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
    # Where revocation would be checked (testssl rates a certificate without
    # either as HIGH); nothing answers there, and nothing here asks.
    (d / (name + ".ext")).write_text(
        "subjectAltName=" + sans + "\ncrlDistributionPoints=URI:http://127.0.0.1/ca.crl\n"
        "authorityInfoAccess=OCSP;URI:http://127.0.0.1/ocsp\n")
    args = ["x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", name + ".crt", "-extfile", name + ".ext"]
    if days.startswith("-"):
        # Already expired (OpenSSL 3.0's x509 cannot date a certificate in the
        # past; its ca command can).
        (d / "ca.cnf").write_text(
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\n"
            "serial = ca.srl\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n"
            "[p]\ncommonName = supplied\n")
        (d / "index.txt").write_text("")
        if not (d / "ca.srl").exists():
            (d / "ca.srl").write_text("1000\n")
        _openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
                 "-in", name + ".csr", "-out", name + ".crt", "-notext", "-startdate",
                 "20200101000000Z", "-enddate", "20200102000000Z", "-extfile", name + ".ext", cwd=d)
    else:
        _openssl(*args, "-days", days, cwd=d)
    # The leaf followed by its chain, as certbot's fullchain.pem.
    (d / (name + ".pem")).write_bytes((d / (name + ".crt")).read_bytes() + (d / "ca.pem").read_bytes())


EC = ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
RSA = ["rsa:2048"]


def make_pki(directory):
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", *EC, "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "365", "-subj", "/CN=mpmd test CA", cwd=d)
    _leaf(d, "ec", EC, "DNS:localhost,DNS:a.test,IP:127.0.0.1", days="365")
    _leaf(d, "rsa", RSA, "DNS:localhost,DNS:a.test,IP:127.0.0.1", days="365")
    _leaf(d, "b", EC, "DNS:b.test", days="365", cn="b.test")
    _leaf(d, "client", EC, "DNS:alice", days="365", cn="alice")
    _leaf(d, "expired", EC, "DNS:localhost", days="-1")
    _leaf(d, "soon", EC, "DNS:localhost", days="5")
    _openssl("pkey", "-in", "ec.key", "-out", "secret.key", "-aes256", "-passout", "pass:s3cret",
             cwd=d)
    ask = d / "ask-pass.sh"
    ask.write_text("#!/bin/sh\necho s3cret\n")
    ask.chmod(0o755)
    names = ["ca", "ec", "rsa", "b", "client", "expired", "soon"]
    out = {n + ".pem": str(d / (n + ".pem")) for n in names}
    out.update({n + ".key": str(d / (n + ".key")) for n in names})
    out["secret.key"] = str(d / "secret.key")
    out["ask-pass.sh"] = str(ask)
    return out


def site_config(pki, extra=""):
    """Server-level TLS on every Listen with both certificates."""
    return f"""
SSLEngine on
SSLCertificateFile "{pki['ec.pem']}"
SSLCertificateKeyFile "{pki['ec.key']}"
SSLCertificateFile "{pki['rsa.pem']}"
SSLCertificateKeyFile "{pki['rsa.key']}"
{extra}
"""


def client_context(pki, tls_max=None, ciphers=None, cert=False):
    ctx = ssl.create_default_context(cafile=pki["ca.pem"])
    ctx.check_hostname = True
    if tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if ciphers:
        ctx.set_ciphers(ciphers)
    if cert:
        ctx.load_cert_chain(pki["client.pem"], pki["client.key"])
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def tls_connect(port, ctx, server_hostname="localhost", session=None, timeout=10.0):
    raw = socket.create_connection((h.HOST, port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname=server_hostname, session=session)


def get(sock, path="/index.html", host="localhost"):
    """One request on an open TLS socket; returns (status, headers text, body bytes)."""
    sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path.encode(), host.encode()))
    rd = h.Reader(sock)
    resp = rd.read_response()
    return resp


def session_of(port, ctx, path="/index.html"):
    """A full handshake and one request; returns the session to resume (after the
    request, so that TLS 1.3 tickets have arrived)."""
    with tls_connect(port, ctx) as s:
        resp = get(s, path)
        assert resp.status == 200, resp.describe()
        return s.session


def env_of(port, ctx, session=None, path="/app/env"):
    """GET /app/env (the test application) -> (dict of its lines, session_reused, socket session)."""
    with tls_connect(port, ctx, session=session) as s:
        resp = get(s, path)
        assert resp.status == 200, resp.describe()
        values = dict(line.split("=", 1) for line in resp.body.decode().splitlines() if "=" in line)
        return values, s.session_reused, s.session


def app_config():
    app = os.path.join(os.path.dirname(h.MPMD), "apps", "test_app.so")
    return f"""
LoadApplication app "{app}"
<Location /app>
    SetHandler app
</Location>
"""
