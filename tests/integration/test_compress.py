#!/usr/bin/env python3
"""Suite compress: mod_deflate's directives, with Debian's Apache as the oracle,
and what mpmd adds (brotli, zstd, precompressed sidecar files, streaming).

The same site file (Debian's deflate.conf lines, a <Location> with
SetOutputFilter DEFLATE) is served by Debian's Apache 2.4 (mod_filter and
mod_deflate) and by mpmd under the engine given. Each row of ROWS goes to
both; status, Content-Encoding, Vary and ETag must be equal, and a body must
decode to the file. Where mpmd deliberately answers otherwise (README,
"Compression"), the row names the fields that differ and what mpmd sends.
Skipped rows against Apache when apache2 is not installed.
"""

import ctypes
import ctypes.util
import http.client
import os
import shutil
import subprocess
import time
import unittest
import zlib
from pathlib import Path

import mpmd_harness as h
from apache_oracle import Apache, available

h.suppress_python_leaks()  # the Applications class runs a WSGI application
DEFLATE_CONF = Path("/etc/apache2/mods-available/deflate.conf")


def html(n):
    out, i, size = [], 0, 0
    while size < n:
        out.append("<p>paragraph %d: the quick brown fox %d</p>\n" % (i, i * 7919 % 1013))
        size += len(out[-1])
        i += 1
    return "".join(out)[:n].encode()


FILES = {
    "big.html": html(100 * 1024),
    "page.html": html(5000),
    "index.html": html(3000),
    "s68.html": b"y" * 68,
    "s69.html": b"y" * 69,
    "empty.html": b"",
    "style.css": b"body { color: red; margin: 0 }\n" * 80,
    "app.js": b"function f(x) { return x * 2; }\n" * 80,
    "feed.xml": b"<?xml version='1.0'?><feed>" + b"<entry>e</entry>" * 200 + b"</feed>",
    "plain.txt": b"plain text line\n" * 200,
    "data.json": b'{"key": "value"}, ' * 200,
    "image.png": bytes(range(256)) * 20,
    "all/image.png": bytes(range(256)) * 20,
    "all/s10.bin": b"0123456789",
    "huge.html": html(3 * 1024 * 1024),
}

SITE = """\
DocumentRoot "{root}"
<Directory "{root}">
    Require all granted
</Directory>
{deflate}
<Location /all>
    SetOutputFilter DEFLATE
</Location>
"""

# (name, method, path, request headers, differences): `differences` maps a
# field to what mpmd sends where it deliberately differs from Apache.
ROWS = [
    ("gzip", "GET", "/big.html", {"Accept-Encoding": "gzip"}, {}),
    ("no Accept-Encoding", "GET", "/big.html", {}, {}),
    ("gzip;q=0", "GET", "/big.html", {"Accept-Encoding": "gzip;q=0"}, {}),
    ("identity", "GET", "/big.html", {"Accept-Encoding": "identity"}, {}),
    ("empty Accept-Encoding", "GET", "/big.html", {"Accept-Encoding": ""}, {}),
    ("upper case, q=0.5", "GET", "/big.html", {"Accept-Encoding": "GZIP;q=0.5"}, {}),
    ("deflate only", "GET", "/big.html", {"Accept-Encoding": "deflate"}, {}),
    ("identity;q=0, gzip", "GET", "/big.html", {"Accept-Encoding": "identity;q=0, gzip"}, {}),
    ("page", "GET", "/page.html", {"Accept-Encoding": "gzip"}, {}),
    ("css", "GET", "/style.css", {"Accept-Encoding": "gzip"}, {}),
    ("javascript", "GET", "/app.js", {"Accept-Encoding": "gzip"}, {}),
    ("xml", "GET", "/feed.xml", {"Accept-Encoding": "gzip"}, {}),
    ("text/plain", "GET", "/plain.txt", {"Accept-Encoding": "gzip"}, {}),
    ("json: not in deflate.conf", "GET", "/data.json", {"Accept-Encoding": "gzip"}, {}),
    ("png: not in deflate.conf", "GET", "/image.png", {"Accept-Encoding": "gzip"}, {}),
    ("68 bytes: too small", "GET", "/s68.html", {"Accept-Encoding": "gzip"}, {}),
    ("69 bytes", "GET", "/s69.html", {"Accept-Encoding": "gzip"}, {}),
    ("empty file", "GET", "/empty.html", {"Accept-Encoding": "gzip"}, {}),
    ("directory index", "GET", "/", {"Accept-Encoding": "gzip"}, {}),
    ("HEAD", "HEAD", "/big.html", {"Accept-Encoding": "gzip"}, {}),
    ("HEAD without gzip", "HEAD", "/big.html", {}, {}),
    ("SetOutputFilter in <Location>", "GET", "/all/image.png", {"Accept-Encoding": "gzip"}, {}),
    ("SetOutputFilter, tiny", "GET", "/all/s10.bin", {"Accept-Encoding": "gzip"}, {}),
    ("404", "GET", "/nothere.html", {"Accept-Encoding": "gzip"}, {}),
    ("range without gzip", "GET", "/big.html", {"Range": "bytes=0-99"}, {}),
    # Apache compresses, then cuts the range out of the gzip stream; mpmd
    # sends the range of the file itself (a range of a compressed stream is
    # of no use to a client that has not got the rest).
    ("range with gzip", "GET", "/big.html", {"Range": "bytes=0-99", "Accept-Encoding": "gzip"},
     {"content-encoding": None, "etag": "file"}),
    # A 304 keeps the Vary its 200 would have (RFC 9110 15.4.5); Apache drops it.
    ("If-None-Match, no gzip", "GET", "/big.html", {"If-None-Match": "{etag}"},
     {"vary": "Accept-Encoding"}),
    # Both answer 304; mpmd names the representation the client has (-gzip)
    # and keeps Vary, as RFC 9110 asks of a 304.
    ("If-None-Match file tag, gzip", "GET", "/big.html",
     {"If-None-Match": "{etag}", "Accept-Encoding": "gzip"},
     {"etag": "-gzip", "vary": "Accept-Encoding"}),
    # Apache 2.4 answers 200 to its own -gzip tag (its bug 45023); mpmd 304.
    ("If-None-Match -gzip tag", "GET", "/big.html",
     {"If-None-Match": "{etag-gzip}", "Accept-Encoding": "gzip"},
     {"status": 304, "content-encoding": None}),
    ("If-Modified-Since, gzip", "GET", "/big.html",
     {"If-Modified-Since": "{last-modified}", "Accept-Encoding": "gzip"},
     {"etag": "-gzip", "vary": "Accept-Encoding"}),
    # mpmd offers br and zstd too, the client's preference first.
    ("browser: gzip, deflate, br", "GET", "/big.html",
     {"Accept-Encoding": "gzip, deflate, br"}, {"content-encoding": "br", "etag": "-br"}),
    ("gzip, zstd", "GET", "/big.html", {"Accept-Encoding": "gzip, zstd"},
     {"content-encoding": "zstd", "etag": "-zstd"}),
    ("br only", "GET", "/big.html", {"Accept-Encoding": "br"},
     {"content-encoding": "br", "etag": "-br"}),
    ("gzip preferred over br by q", "GET", "/big.html",
     {"Accept-Encoding": "br;q=0.5, gzip"}, {}),
    # "*" accepts any coding, x-gzip is gzip (RFC 9110 12.5.3); Apache ignores both.
    ("*", "GET", "/big.html", {"Accept-Encoding": "*"}, {"content-encoding": "br", "etag": "-br"}),
    ("x-gzip", "GET", "/big.html", {"Accept-Encoding": "x-gzip"},
     {"content-encoding": "gzip", "etag": "-gzip"}),
    # Hostile values.
    ("huge list, gzip last", "GET", "/big.html",
     {"Accept-Encoding": ", ".join("c%d;q=0.%d" % (i, i % 10) for i in range(600)) + ", gzip"},
     {}),
    ("q out of range", "GET", "/big.html", {"Accept-Encoding": "gzip;q=2"}, "mpmd-only"),
    ("q with 4 decimals", "GET", "/big.html", {"Accept-Encoding": "gzip;q=0.0001"}, "mpmd-only"),
    ("q negative", "GET", "/big.html", {"Accept-Encoding": "gzip;q=-1"}, "mpmd-only"),
    ("q not a number, br after", "GET", "/big.html",
     {"Accept-Encoding": "gzip;q=NaN, br"}, "mpmd-only"),
    # Empty list elements are allowed (RFC 9110 5.6.1); Apache stops at the first.
    ("empty elements", "GET", "/big.html", {"Accept-Encoding": ",,, ,gzip,,"},
     {"content-encoding": "gzip", "etag": "-gzip"}),
    ("semicolons only", "GET", "/big.html", {"Accept-Encoding": ";;;=;q"}, {}),
    ("long token", "GET", "/big.html", {"Accept-Encoding": "g" * 6000 + ", gzip"}, {}),
    ("gzip twice, q=0 second", "GET", "/big.html",
     {"Accept-Encoding": "gzip;q=0.5, gzip;q=0"}, "mpmd-only"),
]

# What mpmd sends for the "mpmd-only" rows: Content-Encoding.
MPMD_ONLY = {
    "q out of range": None,
    "q with 4 decimals": None,
    "q negative": None,
    "q not a number, br after": "br",
    "gzip twice, q=0 second": "gzip",
}


def _lib(name):
    path = ctypes.util.find_library(name)
    return ctypes.CDLL(path) if path else None


_BROTLI = _lib("brotlidec")
_ZSTD = _lib("zstd")


def decode(encoding, data):
    """The body decoded (gzip with zlib, br and zstd with Debian's libraries)."""
    if encoding in (None, ""):
        return data
    if encoding == "gzip":
        return zlib.decompress(data, 31)
    cap = len(data) * 200 + 65536
    out = ctypes.create_string_buffer(cap)
    if encoding == "br":
        n = ctypes.c_size_t(cap)
        rc = _BROTLI.BrotliDecoderDecompress(ctypes.c_size_t(len(data)), data, ctypes.byref(n),
                                             out)
        if rc != 1:
            raise AssertionError("bad brotli stream")
        return out.raw[:n.value]
    if encoding == "zstd":
        _ZSTD.ZSTD_decompress.restype = ctypes.c_size_t
        _ZSTD.ZSTD_isError.restype = ctypes.c_uint
        n = _ZSTD.ZSTD_decompress(out, ctypes.c_size_t(cap), data, ctypes.c_size_t(len(data)))
        if _ZSTD.ZSTD_isError(ctypes.c_size_t(n)):
            raise AssertionError("bad zstd frame")
        return out.raw[:n]
    raise AssertionError("unknown Content-Encoding %r" % encoding)


def fetch(port, method, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def summary(status, headers):
    return {"status": status, "content-encoding": headers.get("content-encoding"),
            "vary": headers.get("vary"), "etag": headers.get("etag")}


def make_tree(root):
    for name, data in FILES.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        # An hour old: Apache makes the ETag of a file changed in the last second weak.
        old = time.time() - 3600
        os.utime(p, (old, old))


def compress_apache(tmp, site, port):
    """Debian's apache2 with mod_filter and mod_deflate on SITE, in its own temp dir."""
    return Apache(tmp, port, 'DirectoryIndex index.html\nInclude "%s"\n' % site,
                  modules=("filter", "deflate"), server_name="main.test")


class Compress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = h.server_dir("mpmd-integ-compress-", writable=True)
        cls.www = cls.root / "www"
        make_tree(cls.www)
        pre = cls.www / "pre"
        pre.mkdir()
        cls.make_sidecars(pre)
        (cls.root / "apache").mkdir()
        os.chmod(cls.root / "apache", 0o1777)
        deflate = DEFLATE_CONF.read_text() if DEFLATE_CONF.exists() else (
            "<IfModule mod_filter.c>\n"
            "AddOutputFilterByType DEFLATE text/html text/plain text/xml text/css text/javascript\n"
            "AddOutputFilterByType DEFLATE application/javascript application/xml\n"
            "</IfModule>\n")
        site = cls.root / "site.conf"
        site.write_text(SITE.format(root=cls.www, deflate=deflate))
        cls.mpmd = h.Server(f"""\
TypesConfig /etc/mime.types
Include "{site}"
<Directory "{pre}">
    CompressStatic On
</Directory>
""")
        cls.apache = None
        if available():
            cls.apache = compress_apache(cls.root / "apache", site, h.free_port())
        try:
            cls.mpmd.start()
            if cls.apache:
                cls.apache.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.apache:
            cls.apache.stop()
        cls.mpmd.stop()
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(cls.root, ignore_errors=True)

    @classmethod
    def make_sidecars(cls, pre):
        text = html(20000)
        (pre / "a.html").write_bytes(text)
        # Sidecars made with other settings than mpmd's, so that serving them
        # shows in Content-Length.
        (pre / "a.html.gz").write_bytes(_gzip(text, 1))
        (pre / "a.html.zst").write_bytes(_zstd(text, 19))
        # A type deflate.conf leaves alone: served precompressed all the same.
        data = b'{"sidecar": true}, ' * 300
        (pre / "d.json").write_bytes(data)
        (pre / "d.json.gz").write_bytes(_gzip(data, 9))
        # A stale sidecar (older than its file) is not used.
        (pre / "stale.json").write_bytes(data)
        (pre / "stale.json.gz").write_bytes(_gzip(b"old content " * 100, 9))
        old = time.time() - 3600
        os.utime(pre / "stale.json.gz", (old, old))

    def expand(self, headers, server_port):
        """{etag}, {etag-gzip}, {last-modified}: big.html's validators on that server."""
        _, hdrs, _ = fetch(server_port, "HEAD", "/big.html", {})
        etag, lm = hdrs.get("etag", ""), hdrs.get("last-modified", "")
        out = {}
        for k, v in headers.items():
            v = v.replace("{etag-gzip}", etag[:-1] + '-gzip"').replace("{etag}", etag)
            out[k] = v.replace("{last-modified}", lm)
        return out

    def check_body(self, name, path, method, status, headers, body):
        if method == "HEAD" or status != 200:
            return
        want = (self.www / path.lstrip("/")).read_bytes() if not path.endswith("/") else \
            (self.www / "index.html").read_bytes()
        got = decode(headers.get("content-encoding"), body)
        self.assertEqual(got, want, "%s: decoded body differs from the file" % name)
        if "content-encoding" in headers:
            self.assertLess(len(body), len(want), name)

    @unittest.skipUnless(available(), "Debian's apache2 is not installed")
    def test_rows_match_apache(self):
        differences = []
        for name, method, path, headers, expected in ROWS:
            if expected == "mpmd-only":
                continue
            ours_h = self.expand(headers, self.mpmd.port)
            status, hdrs, body = fetch(self.mpmd.port, method, path, ours_h)
            self.check_body(name, path, method, status, hdrs, body)
            ours = summary(status, hdrs)
            a_status, a_hdrs, _ = fetch(self.apache.port, method, path,
                                        self.expand(headers, self.apache.port))
            theirs = summary(a_status, a_hdrs)
            for field, value in expected.items():
                if field == "etag" and value == "file":
                    theirs["etag"] = (theirs["etag"] or "").replace("-gzip", "")
                elif field == "etag":
                    base = (theirs["etag"] or '""').replace("-gzip", "")
                    theirs["etag"] = base[:-1] + value + '"'
                else:
                    theirs[field] = value
            if ours != theirs:
                differences.append("%s (%s %s %r):\n  mpmd   %r\n  expect %r\n  apache %r" % (
                    name, method, path, headers, ours, theirs, summary(a_status, a_hdrs)))
        self.assertEqual(differences, [], "\n".join(differences))

    def test_rows_without_apache(self):
        # Every row under mpmd alone: the body decodes to the file, HEAD and
        # GET agree on the fields.
        for name, method, path, headers, expected in ROWS:
            status, hdrs, body = fetch(self.mpmd.port, method, path,
                                       self.expand(headers, self.mpmd.port))
            self.check_body(name, path, method, status, hdrs, body)
            if expected == "mpmd-only":
                self.assertEqual(hdrs.get("content-encoding"), MPMD_ONLY[name], name)
                self.assertEqual(hdrs.get("vary"), "Accept-Encoding", name)

    def test_head_has_the_headers_of_get(self):
        for ae in ("gzip", "br", "zstd", ""):
            _, g, gbody = fetch(self.mpmd.port, "GET", "/big.html", {"Accept-Encoding": ae})
            _, hd, hbody = fetch(self.mpmd.port, "HEAD", "/big.html", {"Accept-Encoding": ae})
            self.assertEqual(hbody, b"")
            for f in ("content-encoding", "vary", "etag", "content-length", "content-type"):
                self.assertEqual(hd.get(f), g.get(f), (ae, f))
            self.assertEqual(int(g["content-length"]), len(gbody))

    def test_compressed_once_per_file_version(self):
        p = self.www / "version.html"
        p.write_bytes(html(10000))
        first = fetch(self.mpmd.port, "GET", "/version.html", {"Accept-Encoding": "br"})
        again = fetch(self.mpmd.port, "GET", "/version.html", {"Accept-Encoding": "br"})
        self.assertEqual(first[2], again[2])
        self.assertEqual(decode("br", first[2]), p.read_bytes())
        p.write_bytes(html(12000) + b"changed")

        def fresh():
            r = fetch(self.mpmd.port, "GET", "/version.html", {"Accept-Encoding": "br"})
            return decode("br", r[2]) == p.read_bytes() and r[1]["etag"] != first[1]["etag"]
        h.wait_until(fresh, timeout=5)  # revalidated within a second

    def test_large_file_streams_chunked(self):
        for ae in ("gzip", "br", "zstd"):
            status, hdrs, body = fetch(self.mpmd.port, "GET", "/huge.html", {"Accept-Encoding": ae})
            self.assertEqual(status, 200)
            self.assertEqual(hdrs.get("content-encoding"), ae)
            self.assertEqual(hdrs.get("transfer-encoding"), "chunked")
            self.assertNotIn("content-length", hdrs)
            self.assertEqual(decode(ae, body), FILES["huge.html"], ae)

    def test_sidecars(self):
        pre = self.www / "pre"
        # .gz and .zst exist: served as they are (their own size).
        for ae, suffix in (("gzip", ".gz"), ("zstd", ".zst"), ("gzip;q=0.5, zstd", ".zst")):
            status, hdrs, body = fetch(self.mpmd.port, "GET", "/pre/a.html", {"Accept-Encoding": ae})
            self.assertEqual(status, 200, ae)
            self.assertEqual(body, (pre / ("a.html" + suffix)).read_bytes(), ae)
            self.assertEqual(hdrs["vary"], "Accept-Encoding")
        # No .br sidecar: compressed on the fly (text/html is in deflate.conf).
        status, hdrs, body = fetch(self.mpmd.port, "GET", "/pre/a.html", {"Accept-Encoding": "br"})
        self.assertEqual(hdrs["content-encoding"], "br")
        self.assertEqual(decode("br", body), (pre / "a.html").read_bytes())
        # JSON is not filtered by type, but its sidecar is served.
        status, hdrs, body = fetch(self.mpmd.port, "GET", "/pre/d.json",
                                   {"Accept-Encoding": "br, gzip"})
        self.assertEqual(hdrs.get("content-encoding"), "gzip")
        self.assertEqual(body, (pre / "d.json.gz").read_bytes())
        status, hdrs, body = fetch(self.mpmd.port, "GET", "/pre/d.json", {"Accept-Encoding": "br"})
        self.assertIsNone(hdrs.get("content-encoding"))
        self.assertEqual(body, (pre / "d.json").read_bytes())
        # A stale sidecar is not used.
        status, hdrs, body = fetch(self.mpmd.port, "GET", "/pre/stale.json",
                                   {"Accept-Encoding": "gzip"})
        self.assertIsNone(hdrs.get("content-encoding"))
        self.assertEqual(body, (pre / "stale.json").read_bytes())
        # Outside the CompressStatic directory the .gz is not looked at.
        (self.www / "d.json").write_bytes((pre / "d.json").read_bytes())
        (self.www / "d.json.gz").write_bytes((pre / "d.json.gz").read_bytes())
        _, hdrs, _ = fetch(self.mpmd.port, "GET", "/d.json", {"Accept-Encoding": "gzip"})
        self.assertIsNone(hdrs.get("content-encoding"))

    def test_curl_compressed(self):
        url = "%s/big.html" % self.mpmd.url
        for ae in ("gzip", "br", "zstd"):
            out = subprocess.run(["curl", "-s", "--compressed", "-H", "Accept-Encoding: " + ae,
                                  "-D", "-", "-o", str(self.root / "curl.out"), url],
                                 capture_output=True, text=True, timeout=30)
            self.assertIn("content-encoding: %s" % ae, out.stdout.lower(), out.stderr)
            self.assertEqual((self.root / "curl.out").read_bytes(), FILES["big.html"], ae)


WSGI_APP = """\
def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    line = b"a line of text from the application, number %d\\n"
    if path == "/whole":
        body = b"".join(line % i for i in range(2000))
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body))), ("ETag", '"w1"')])
        return [body]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return (line % i for i in range(20000))
    if path == "/json":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"a": 1}' * 500]
    if path == "/encoded":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")])
        return [WHOLE_GZ]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"no such page here, sorry, nothing to see, move along please, thank you" * 3]


import zlib  # noqa: E402
_c = zlib.compressobj(6, zlib.DEFLATED, 31)
WHOLE_GZ = _c.compress(b"precompressed by the application " * 100) + _c.flush()
"""


class Applications(unittest.TestCase):
    """WSGI responses (answered later, on the handler pool under event) go
    through the compressor: whole bodies get a Content-Length, generators
    stream chunked."""

    @classmethod
    def setUpClass(cls):
        cls.root = h.server_dir("mpmd-integ-compress-wsgi-", writable=True)
        app = cls.root / "app.wsgi"
        app.write_text(WSGI_APP)
        cls.mpmd = h.Server(f"""\
WSGIScriptAlias /w "{app}"
AddOutputFilterByType DEFLATE text/plain
""")
        try:
            cls.mpmd.start()
        except BaseException:
            cls.mpmd.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.mpmd.stop()
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(cls.root, ignore_errors=True)

    def test_whole_and_streamed_bodies(self):
        line = b"a line of text from the application, number %d\n"
        whole = b"".join(line % i for i in range(2000))
        stream = b"".join(line % i for i in range(20000))
        for ae in ("gzip", "br", "zstd"):
            status, hdrs, body = fetch(self.mpmd.port, "GET", "/w/whole", {"Accept-Encoding": ae})
            self.assertEqual((status, hdrs.get("content-encoding")), (200, ae))
            self.assertEqual(hdrs.get("vary"), "Accept-Encoding")
            self.assertEqual(hdrs.get("etag"), '"w1-%s"' % ae)
            self.assertEqual(int(hdrs["content-length"]), len(body))
            self.assertEqual(decode(ae, body), whole)
            status, hdrs, body = fetch(self.mpmd.port, "GET", "/w/stream", {"Accept-Encoding": ae})
            self.assertEqual((status, hdrs.get("content-encoding")), (200, ae))
            self.assertEqual(hdrs.get("transfer-encoding"), "chunked")
            self.assertEqual(decode(ae, body), stream)
            self.assertLess(len(body), len(stream) / 5)

    def test_left_alone(self):
        status, hdrs, body = fetch(self.mpmd.port, "GET", "/w/whole", {})
        self.assertEqual((status, hdrs.get("content-encoding"), hdrs.get("vary")),
                         (200, None, "Accept-Encoding"))
        _, hdrs, body = fetch(self.mpmd.port, "GET", "/w/json", {"Accept-Encoding": "gzip"})
        self.assertIsNone(hdrs.get("content-encoding"))
        _, hdrs, body = fetch(self.mpmd.port, "GET", "/w/encoded", {"Accept-Encoding": "br"})
        self.assertEqual(hdrs.get("content-encoding"), "gzip")  # the application's own
        self.assertEqual(decode("gzip", body), b"precompressed by the application " * 100)
        status, hdrs, _ = fetch(self.mpmd.port, "GET", "/w/missing", {"Accept-Encoding": "gzip"})
        self.assertEqual((status, hdrs.get("content-encoding")), (404, None))
        status, hdrs, body = fetch(self.mpmd.port, "HEAD", "/w/whole", {"Accept-Encoding": "gzip"})
        self.assertEqual((status, hdrs.get("content-encoding"), body), (200, None, b""))


def _zstd(data, level):
    """A zstd frame made with Debian's libzstd (the zstd tool may be missing)."""
    _ZSTD.ZSTD_compressBound.restype = ctypes.c_size_t
    _ZSTD.ZSTD_compress.restype = ctypes.c_size_t
    cap = _ZSTD.ZSTD_compressBound(ctypes.c_size_t(len(data)))
    out = ctypes.create_string_buffer(cap)
    n = _ZSTD.ZSTD_compress(out, ctypes.c_size_t(cap), data, ctypes.c_size_t(len(data)),
                            ctypes.c_int(level))
    return out.raw[:n]


def _gzip(data, level):
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


if __name__ == "__main__":
    h.main()
