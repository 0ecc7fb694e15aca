"""Raw request -> expected response table, run by test_request_table.py against every engine.

Each row is a dict:
  name      identifier, becomes the test name
  request   raw bytes sent at once; @ETAG@ and @LASTMOD@ are replaced by the ETag and
            Last-Modified of /4k.txt taken from a first response
  status    expected status (int) or a tuple of acceptable statuses
  head      True when the request is HEAD (the response has no body)
  present   header names that must be present
  absent    header names that must be absent
  values    {header name: regex the value must fullmatch}
  body      exact body expected;  body_excludes: bytes the body must not contain
  close     True: the server closes after the response(s); False: the connection stays
            open (checked by a follow-up request on it); None: not checked
  responses for pipelined requests: a list of per-response dicts (status, head, present,
            absent, values, body) answered in order on one connection
  trickle   send the request N bytes at a time with a short pause (partial reads)
  no_interim  True: the first response must not be a 1xx
  continue_body  for Expect: 100-continue rows: REQUEST holds only the header; the client
            waits for the interim response (expected status in `interim`, None when the
            server must answer with the final status at once: the body is then never sent,
            and with no_interim and close the row proves it was neither awaited nor read),
            then sends this body.

Every response must be HTTP/1.1, carry Server and an IMF-fixdate Date, and Content-Length (or chunked framing)
unless it is 1xx/204/304 or answers HEAD; a closed HTTP/1.1 connection must be announced by
`Connection: close`. The server runs with config() below (LIMITS, status pages, an
application at /app).
"""

import os
from pathlib import Path

import mpmd_harness
from mpmd_harness import (DIR_INDEX_HTML, INDEX_HTML, SECRET, SPACED_CONTENT, STATUS_LOCATIONS,
                          content_1m, content_4k)

LIMIT_LINE = 1024
LIMIT_FIELD_SIZE = 1024
LIMIT_FIELDS = 20
LIMIT_BODY = 1000

LIMITS = f"""\
LimitRequestLine {LIMIT_LINE}
LimitRequestFieldSize {LIMIT_FIELD_SIZE}
LimitRequestFields {LIMIT_FIELDS}
LimitRequestBody {LIMIT_BODY}
"""



def config():
    """What the table's server runs with: the LIMITS, the status pages (/server-status,
    /metrics, and /denied that nobody may read) and tests/integration/apps/test_app.so at /app,
    a handler that reads request bodies (POST /app/echo answers 201 with the body). Called
    once the binary is known (the .so is built next to it; MPMD_APPS_DIR overrides)."""
    apps = os.environ.get("MPMD_APPS_DIR") or str(Path(mpmd_harness.MPMD).parent / "apps")
    return (LIMITS + STATUS_LOCATIONS + 'LoadApplication table "%s/test_app.so"\n' % apps
            + "<Location /app>\n    SetHandler table\n</Location>\n")


H = b"Host: localhost\r\n"
K4 = content_4k()
CONTENT_1M = content_1m()
FILE_HEADERS = ["Content-Length", "Content-Type", "Last-Modified", "ETag", "Accept-Ranges"]
TRAVERSAL = (400, 403, 404)
IMF_DATE = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT"  # anything but serving the file


def get(target, extra=b"", version=b"HTTP/1.1", method=b"GET"):
    return method + b" " + target + b" " + version + b"\r\n" + H + extra + b"\r\n"


def chunked_to(target, body, method=b"POST"):
    """METHOD TARGET with a chunked BODY (raw bytes after the head)."""
    return get(target, b"Transfer-Encoding: chunked\r\n", method=method) + body


def with_host(value):
    """GET /4k.txt with VALUE as its only Host field."""
    return b"GET /4k.txt HTTP/1.1\r\nHost: " + value + b"\r\n\r\n"


def accept_expecting(name, target, status, body, method=b"GET", version=b"HTTP/1.1"):
    """A request with Expect: 100-continue that will be accepted: 100 Continue, then the client
    sends its 5-byte body ("hello") and gets STATUS with BODY; the connection stays open."""
    return dict(name=name, request=get(target, b"Content-Length: 5\r\nExpect: 100-continue\r\n",
                                        method=method, version=version),
                interim=100, continue_body=b"hello", status=status, body=body, close=False)


def refuse_expecting(name, target, framing, status, method=b"POST"):
    """A request with Expect: 100-continue that is refused (STATUS): answered at once without
    100 Continue, while the client still holds its body back; then the connection closes."""
    return dict(name=name, request=get(target, framing + b"Expect: 100-continue\r\n",
                                        method=method),
                interim=None, continue_body=b"", no_interim=True, status=status, close=True)


ROWS = [
    # --- methods on files ---------------------------------------------------
    dict(
        name="get_file",
        request=get(b"/4k.txt"),
        status=200,
        present=FILE_HEADERS,
        values={
            "Content-Length": "4096",
            "Content-Type": "text/plain.*",
            "Accept-Ranges": "bytes",
            "ETag": '(W/)?"[^"]*"',
            "Last-Modified": IMF_DATE,
        },
        body=K4,
        close=False,
    ),
    dict(
        name="head_file",
        request=get(b"/4k.txt", method=b"HEAD"),
        head=True,
        status=200,
        present=FILE_HEADERS,
        values={"Content-Length": "4096"},
        close=False,
    ),
    dict(
        name="options_file",
        request=get(b"/4k.txt", method=b"OPTIONS"),
        status=200,
        present=["Allow"],
        values={"Allow": "(?i).*GET.*", "Content-Length": "0"},
        close=False,
    ),
    dict(
        name="options_star",
        request=get(b"*", method=b"OPTIONS"),
        status=200,
        present=["Allow"],
        close=False,
    ),
    dict(
        name="get_html_type",
        request=get(b"/index.html"),
        status=200,
        values={"Content-Type": "text/html.*"},
        body=INDEX_HTML,
    ),
    dict(name="not_found", request=get(b"/nope.txt"), status=404, close=False),
    dict(
        name="spaces_percent_name",
        request=get(b"/a%20b%25c.txt"),
        status=200,
        body=SPACED_CONTENT,
    ),
    dict(name="symlink_inside", request=get(b"/link-in"), status=200, body=K4),
    dict(
        name="symlink_outside_forbidden",
        request=get(b"/link-out"),
        status=403,
        body_excludes=SECRET,
    ),
    dict(
        name="directory_redirect",
        request=get(b"/dir"),
        status=301,
        values={"Location": r"(http://[^/]+)?/dir/"},
        close=False,
    ),
    dict(name="directory_index", request=get(b"/dir/"), status=200, body=DIR_INDEX_HTML),
    dict(name="root_index", request=get(b"/"), status=200, body=INDEX_HTML),
    dict(name="directory_without_index", request=get(b"/noindex/"), status=403),
    dict(
        name="post_file_405",
        request=get(b"/4k.txt", b"Content-Length: 5\r\n", method=b"POST") + b"hello",
        status=405,
        present=["Allow"],
        values={"Allow": "(?i).*GET.*"},
        close=False,
    ),
    dict(
        name="delete_file_405",
        request=get(b"/4k.txt", method=b"DELETE"),
        status=405,
        present=["Allow"],
        values={"Allow": "(?i).*HEAD.*"},
    ),
    dict(name="unknown_method_501", request=get(b"/4k.txt", method=b"BREW"), status=501),
    # --- versions and request line --------------------------------------------
    dict(name="http2_version_505", request=get(b"/4k.txt", version=b"HTTP/2.0"), status=505),
    dict(name="http3_version_505", request=get(b"/4k.txt", version=b"HTTP/3.0"), status=505),
    # RFC 9110 2.5: a higher HTTP/1 minor version is served as HTTP/1.1 (and answered in it).
    dict(name="http12_served_as_11", request=get(b"/4k.txt", version=b"HTTP/1.2"), status=200,
         body=K4, close=False),
    dict(name="http19_chunked_served_as_11",
         request=get(b"/index.html", b"Transfer-Encoding: chunked\r\n", version=b"HTTP/1.9")
         + b"3\r\nabc\r\n0\r\n\r\n", status=200, body=INDEX_HTML, close=False),
    dict(name="http15_connection_close",
         request=get(b"/index.html", b"Connection: close\r\n", version=b"HTTP/1.5"), status=200,
         values={"Connection": "(?i)close"}, body=INDEX_HTML, close=True),
    dict(name="http12_pipelined_kept_alive",
         request=get(b"/index.html", version=b"HTTP/1.2") + get(b"/dir/", version=b"HTTP/1.9")
         + get(b"/4k.txt", method=b"HEAD", version=b"HTTP/1.3"),
         responses=[dict(status=200, body=INDEX_HTML), dict(status=200, body=DIR_INDEX_HTML),
                    dict(status=200, head=True, values={"Content-Length": "4096"})],
         close=False),
    dict(
        name="garbage_request_line_400",
        request=b"GET /4k.txt HTTP/1.1 extra\r\n" + H + b"\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="absolute_form",
        request=get(b"http://localhost/4k.txt"),
        status=200,
        body=K4,
    ),
    dict(
        name="request_line_at_limit_ok",
        request=get(b"/" + b"a" * (LIMIT_LINE - 40)),
        status=404,
        close=False,
    ),
    dict(
        name="request_line_too_long_414",
        request=get(b"/" + b"a" * (LIMIT_LINE + 100)),
        status=414,
        close=True,
    ),
    # --- header syntax (RFC 9112) ---------------------------------------------
    dict(
        name="http11_without_host_400",
        request=b"GET /4k.txt HTTP/1.1\r\n\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="http10_without_host_ok",
        request=b"GET /4k.txt HTTP/1.0\r\n\r\n",
        status=200,
        body=K4,
        close=True,
    ),
    dict(
        name="content_length_and_chunked_400",
        request=get(
            b"/4k.txt",
            b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
            method=b"POST",
        )
        + b"0\r\n\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="differing_content_lengths_400",
        request=get(b"/4k.txt", b"Content-Length: 5\r\nContent-Length: 6\r\n", method=b"POST")
        + b"hello!",
        status=400,
        close=True,
    ),
    dict(
        name="obs_fold_400",
        request=get(b"/4k.txt", b"X-Folded: first\r\n  second\r\n"),
        status=400,
        close=True,
    ),
    dict(
        name="space_before_colon_400",
        request=b"GET /4k.txt HTTP/1.1\r\nHost : localhost\r\n\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="bare_cr_400",
        request=get(b"/4k.txt", b"X-Bad: a\rb\r\n"),
        status=400,
        close=True,
    ),
    dict(
        name="nul_in_header_400",
        request=get(b"/4k.txt", b"X-Bad: a\x00b\r\n"),
        status=400,
        close=True,
    ),
    dict(
        name="invalid_header_name_400",
        request=get(b"/4k.txt", b"Bad[Name]: x\r\n"),
        status=400,
        close=True,
    ),
    dict(
        name="unknown_transfer_coding_501",
        request=get(b"/4k.txt", b"Transfer-Encoding: gzip\r\n", method=b"POST"),
        status=(400, 501),
        close=True,
    ),
    dict(
        name="header_field_under_limit_ok",
        request=get(b"/4k.txt", b"X-Big: " + b"a" * (LIMIT_FIELD_SIZE - 100) + b"\r\n"),
        status=200,
        close=False,
    ),
    dict(
        name="header_field_too_large_431",
        request=get(b"/4k.txt", b"X-Big: " + b"a" * (LIMIT_FIELD_SIZE + 100) + b"\r\n"),
        status=431,
        close=True,
    ),
    dict(
        name="header_count_under_limit_ok",
        request=get(b"/4k.txt", b"".join(b"X-H%d: v\r\n" % i for i in range(LIMIT_FIELDS - 2))),
        status=200,
        close=False,
    ),
    dict(
        name="too_many_headers_431",
        request=get(b"/4k.txt", b"".join(b"X-H%d: v\r\n" % i for i in range(LIMIT_FIELDS + 5))),
        status=431,
        close=True,
    ),
    # --- bodies ----------------------------------------------------------------
    dict(
        name="body_over_limit_413",
        request=get(b"/4k.txt", b"Content-Length: %d\r\n" % (LIMIT_BODY + 1000))
        + b"x" * (LIMIT_BODY + 1000),
        status=413,
        close=True,
    ),
    dict(
        name="chunked_body_over_limit_413",
        request=get(b"/4k.txt", b"Transfer-Encoding: chunked\r\n")
        + b"%x\r\n" % (LIMIT_BODY + 1000)
        + b"x" * (LIMIT_BODY + 1000)
        + b"\r\n0\r\n\r\n",
        status=413,
        close=True,
    ),
    dict(
        name="get_with_small_body_ok",
        request=get(b"/4k.txt", b"Content-Length: 5\r\n") + b"hello",
        status=200,
        body=K4,
        close=False,
    ),
    dict(
        name="expect_100_continue",
        request=get(b"/4k.txt", b"Content-Length: 5\r\nExpect: 100-continue\r\n"),
        interim=100,
        continue_body=b"hello",
        status=200,
        body=K4,
        close=False,
    ),
    dict(
        name="expect_100_over_limit_no_continue",
        request=get(
            b"/4k.txt",
            b"Content-Length: %d\r\nExpect: 100-continue\r\n" % (LIMIT_BODY + 1000),
        ),
        interim=None,
        continue_body=b"",
        no_interim=True,
        status=413,
        close=True,
    ),
    # 100 Continue only for a request that will be accepted; a refusal comes at once, the
    # body never sent nor awaited, and the connection closes.
    refuse_expecting("expect_100_post_file_405", b"/4k.txt", b"Content-Length: 5\r\n", 405),
    refuse_expecting("expect_100_chunked_post_file_405", b"/4k.txt",
                     b"Transfer-Encoding: chunked\r\n", 405),
    refuse_expecting("expect_100_denied_403", b"/denied/x", b"Content-Length: 5\r\n", 403),
    refuse_expecting("expect_100_get_denied_403", b"/denied/x", b"Content-Length: 5\r\n", 403,
                     method=b"GET"),
    refuse_expecting("expect_100_status_post_405", b"/server-status", b"Content-Length: 5\r\n",
                     405),
    refuse_expecting("expect_100_not_found_404", b"/nope.txt", b"Content-Length: 5\r\n", 404,
                     method=b"GET"),
    accept_expecting("expect_100_app_reads_body", b"/app/echo", 201, b"hello", method=b"POST"),
    accept_expecting("expect_100_http12", b"/4k.txt", 200, K4, version=b"HTTP/1.2"),
    # --- status pages: they list clients and requests, no cache may keep them --------------
    dict(name="server_status_no_store", request=get(b"/server-status"), status=200,
         values={"Cache-Control": "no-store"}, close=False),
    dict(name="server_status_auto_no_store", request=get(b"/server-status?auto"), status=200,
         values={"Cache-Control": "no-store", "Content-Type": "text/plain.*"}, close=False),
    dict(name="server_status_json_no_store", request=get(b"/server-status?json"), status=200,
         values={"Cache-Control": "no-store", "Content-Type": "application/json.*"}),
    dict(name="server_status_head_no_store", request=get(b"/server-status", method=b"HEAD"),
         head=True, status=200, values={"Cache-Control": "no-store"}),
    dict(name="metrics_no_store", request=get(b"/metrics"), status=200,
         values={"Cache-Control": "no-store"}, close=False),
    # --- Host and absolute-form authorities RFC 3986 admits (RFC 9112 3.2) -----------------
    dict(name="host_with_port_ok", request=with_host(b"localhost:80"), status=200, body=K4,
         close=False),
    dict(name="host_empty_port_ok", request=with_host(b"localhost:"), status=200, body=K4,
         close=False),
    dict(name="host_ipv4_port_ok", request=with_host(b"127.0.0.1:8080"), status=200, body=K4,
         close=False),
    dict(name="host_ipv6_ok", request=with_host(b"[::1]"), status=200, body=K4, close=False),
    dict(name="host_ipv6_port_ok", request=with_host(b"[4712::abcd]:8000"), status=200, body=K4,
         close=False),
    dict(name="host_punycode_trailing_dot_ok", request=with_host(b"xn--bcher-kva.example."),
         status=200, body=K4, close=False),
    dict(name="host_underscore_ok", request=with_host(b"foo_bar.example.com"), status=200,
         body=K4, close=False),
    dict(name="absolute_form_ipv6_port_ok", request=get(b"http://[::1]:8080/4k.txt"), status=200,
         body=K4, close=False),
    # --- a request body that a handler reads (the application at /app) ---------------------
    dict(name="app_reads_chunked_body",
         request=get(b"/app/echo", b"Transfer-Encoding: chunked\r\n", method=b"POST")
         + b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", status=201, body=b"hello world",
         close=False),
    dict(name="post_file_chunked_405_kept",
         request=get(b"/4k.txt", b"Transfer-Encoding: chunked\r\n", method=b"POST")
         + b"5\r\nhello\r\n0\r\n\r\n", status=405, present=["Allow"], close=False),
    # --- conditional requests ------------------------------------------------------
    dict(
        name="if_none_match_304",
        request=get(b"/4k.txt", b"If-None-Match: @ETAG@\r\n"),
        status=304,
        present=["ETag"],
        absent=["Content-Range"],
        close=False,
    ),
    dict(
        name="if_none_match_other_200",
        request=get(b"/4k.txt", b'If-None-Match: "not-the-etag"\r\n'),
        status=200,
        body=K4,
    ),
    dict(
        name="if_modified_since_304",
        request=get(b"/4k.txt", b"If-Modified-Since: @LASTMOD@\r\n"),
        status=304,
        close=False,
    ),
    dict(
        name="if_modified_since_old_200",
        request=get(b"/4k.txt", b"If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n"),
        status=200,
        body=K4,
    ),
    dict(
        name="if_match_mismatch_412",
        request=get(b"/4k.txt", b'If-Match: "not-the-etag"\r\n'),
        status=412,
    ),
    dict(
        name="if_match_ok_200",
        request=get(b"/4k.txt", b"If-Match: @ETAG@\r\n"),
        status=200,
        body=K4,
    ),
    # --- ranges ---------------------------------------------------------------
    dict(
        name="range_206",
        request=get(b"/4k.txt", b"Range: bytes=0-99\r\n"),
        status=206,
        values={"Content-Range": "bytes 0-99/4096", "Content-Length": "100"},
        body=K4[0:100],
        close=False,
    ),
    dict(
        name="range_suffix_206",
        request=get(b"/4k.txt", b"Range: bytes=-10\r\n"),
        status=206,
        values={"Content-Range": "bytes 4086-4095/4096"},
        body=K4[-10:],
    ),
    dict(
        name="range_open_end_206",
        request=get(b"/4k.txt", b"Range: bytes=4000-\r\n"),
        status=206,
        values={"Content-Range": "bytes 4000-4095/4096"},
        body=K4[4000:],
    ),
    dict(
        name="range_multipart_206",
        request=get(b"/4k.txt", b"Range: bytes=0-9,100-109\r\n"),
        status=206,
        values={"Content-Type": "multipart/byteranges; ?boundary=.+"},
        absent=["Content-Range"],
        body_contains=[K4[0:10], K4[100:110], b"bytes 0-9/4096", b"bytes 100-109/4096"],
    ),
    dict(
        name="range_unsatisfiable_416",
        request=get(b"/4k.txt", b"Range: bytes=5000-6000\r\n"),
        status=416,
        values={"Content-Range": r"bytes \*/4096"},
        close=False,
    ),
    dict(
        name="if_range_mismatch_full_200",
        request=get(b"/4k.txt", b'Range: bytes=0-9\r\nIf-Range: "not-the-etag"\r\n'),
        status=200,
        body=K4,
    ),
    # --- connection management -----------------------------------------------------
    dict(
        name="http10_closes",
        request=b"GET /index.html HTTP/1.0\r\n\r\n",
        status=200,
        body=INDEX_HTML,
        close=True,
    ),
    dict(
        name="http10_keep_alive",
        request=b"GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        status=200,
        values={"Connection": "(?i)keep-alive"},
        body=INDEX_HTML,
        close=False,
    ),
    dict(
        name="http11_connection_close",
        request=get(b"/index.html", b"Connection: close\r\n"),
        status=200,
        values={"Connection": "(?i)close"},
        close=True,
    ),
    dict(
        name="pipelined_in_order",
        request=get(b"/index.html")
        + get(b"/4k.txt", method=b"HEAD")
        + get(b"/nope.txt")
        + get(b"/dir/")
        + get(b"/4k.txt", b"Range: bytes=10-19\r\n"),
        responses=[
            dict(status=200, body=INDEX_HTML),
            dict(status=200, head=True, values={"Content-Length": "4096"}),
            dict(status=404),
            dict(status=200, body=DIR_INDEX_HTML),
            dict(status=206, body=K4[10:20]),
        ],
        close=False,
    ),
    dict(
        name="pipelined_with_bodies",
        request=get(b"/4k.txt", b"Content-Length: 5\r\n", method=b"POST")
        + b"hello"
        + get(b"/index.html", b"Transfer-Encoding: chunked\r\n")
        + b"3\r\nabc\r\n0\r\n\r\n"
        + get(b"/dir/"),
        responses=[dict(status=405), dict(status=200, body=INDEX_HTML),
                   dict(status=200, body=DIR_INDEX_HTML)],
        close=False,
    ),
    dict(
        name="pipelined_fifty",
        request=get(b"/index.html") * 50,
        responses=[dict(status=200, body=INDEX_HTML)] * 50,
        close=False,
    ),
    dict(
        name="trickled_byte_by_byte",
        request=get(b"/4k.txt", b"X-Slow: yes\r\n"),
        trickle=1,
        status=200,
        body=K4,
        close=False,
    ),
    dict(
        name="trickled_chunked_body",
        request=get(b"/index.html", b"Transfer-Encoding: chunked\r\n")
        + b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        trickle=3,
        status=200,
        body=INDEX_HTML,
        close=False,
    ),
    dict(
        name="leading_empty_line_ok",
        request=b"\r\n" + get(b"/index.html"),
        status=200,
        body=INDEX_HTML,
    ),
    dict(
        name="header_ows_and_case_ok",
        request=b"GET /4k.txt HTTP/1.1\r\nhOsT:    localhost   \r\nrange:bytes=0-3\r\n\r\n",
        status=206,
        body=K4[:4],
    ),
    # --- more framing and syntax errors ----------------------------------------------
    dict(
        name="duplicate_host_400",
        request=b"GET /4k.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="non_numeric_content_length_400",
        request=get(b"/4k.txt", b"Content-Length: 5x\r\n", method=b"POST") + b"hello",
        status=400,
        close=True,
    ),
    dict(
        name="negative_content_length_400",
        request=get(b"/4k.txt", b"Content-Length: -5\r\n", method=b"POST"),
        status=400,
        close=True,
    ),
    dict(
        name="invalid_chunk_size_400",
        request=get(b"/4k.txt", b"Transfer-Encoding: chunked\r\n") + b"zz\r\nhello\r\n0\r\n\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="target_without_slash_400",
        request=b"GET 4k.txt HTTP/1.1\r\n" + H + b"\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="binary_garbage_400",
        request=b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
        status=400,
        close=True,
    ),
    dict(
        name="lowercase_version_400",
        request=b"GET /4k.txt http/1.1\r\n" + H + b"\r\n",
        status=400,
        close=True,
    ),
    # --- more conditionals and ranges ---------------------------------------------------
    dict(
        name="if_none_match_star_304",
        request=get(b"/4k.txt", b"If-None-Match: *\r\n"),
        status=304,
    ),
    dict(
        name="if_unmodified_since_old_412",
        request=get(b"/4k.txt", b"If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n"),
        status=412,
    ),
    dict(
        name="head_with_range_206",
        request=get(b"/4k.txt", b"Range: bytes=0-9\r\n", method=b"HEAD"),
        head=True,
        status=206,
        values={"Content-Range": "bytes 0-9/4096", "Content-Length": "10"},
        close=False,
    ),
    dict(
        name="invalid_range_syntax_ignored_200",
        request=get(b"/4k.txt", b"Range: bytes=abc\r\n"),
        status=(200, 416),  # RFC 9110 14.2: ignore or reject; Apache ignores it
    ),
    dict(
        name="range_end_past_size_206",
        request=get(b"/4k.txt", b"Range: bytes=4090-9999\r\n"),
        status=206,
        values={"Content-Range": "bytes 4090-4095/4096"},
        body=K4[4090:],
    ),
    dict(
        name="range_large_file_206",
        request=get(b"/1m.bin", b"Range: bytes=524288-524351\r\n"),
        status=206,
        body=CONTENT_1M[524288:524352],
    ),
    # --- paths -------------------------------------------------------------------
    dict(
        name="pipelined_after_close_ignored",
        request=get(b"/index.html", b"Connection: close\r\n") + get(b"/4k.txt"),
        responses=[dict(status=200, body=INDEX_HTML)],
        close=True,
    ),
    dict(
        name="http10_expect_no_100",
        request=b"GET /4k.txt HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
        no_interim=True,
        status=200,
        body=K4,
    ),
    dict(
        name="unknown_expectation_417",
        request=get(b"/4k.txt", b"Expect: teapot\r\n"),
        status=417,
    ),
    dict(
        name="huge_content_length",
        request=get(b"/4k.txt", b"Content-Length: 99999999999999999999999\r\n", method=b"POST"),
        status=(400, 413),
        close=True,
    ),
    dict(name="encoded_name_ok", request=get(b"/%34k.txt"), status=200, body=K4),
    dict(name="query_ignored_ok", request=get(b"/4k.txt?x=1&y=%zz"), status=200, body=K4),
    dict(name="dot_segment_ok", request=get(b"/dir/./index.html"), status=200, body=DIR_INDEX_HTML),
    dict(name="file_with_trailing_slash_404", request=get(b"/4k.txt/"), status=404),
    dict(
        name="traversal_dotdot",
        request=get(b"/../outside/secret.txt"),
        status=TRAVERSAL,
        body_excludes=SECRET,
    ),
    dict(
        name="traversal_encoded_dots",
        request=get(b"/%2e%2e/outside/secret.txt"),
        status=TRAVERSAL,
        body_excludes=SECRET,
    ),
    dict(
        name="traversal_nested_dotdot",
        request=get(b"/dir/../../outside/secret.txt"),
        status=TRAVERSAL,
        body_excludes=SECRET,
    ),
    dict(
        name="dotdot_inside_docroot_ok",
        request=get(b"/dir/../4k.txt"),
        status=200,
        body=K4,
    ),
    dict(
        name="encoded_slash_404",
        request=get(b"/dir%2findex.html"),
        status=404,
    ),
    dict(
        name="traversal_encoded_slash",
        request=get(b"/..%2foutside%2fsecret.txt"),
        status=TRAVERSAL,
        body_excludes=SECRET,
    ),
    dict(
        name="encoded_nul_404",
        request=get(b"/4k.txt%00.html"),
        status=(400, 404),
        body_excludes=K4[:64],
    ),
]


# ---------------------------------------------------------------------------------
# Hostile requests: smuggling, parser abuse, limits and paths (run by this table and by
# test_hardening_table.py, which also re-sends every rejected one with a request pipelined
# behind it and checks that the second is never answered). Rejections close the connection.


def reject(name, request, status=400):
    """A hostile request answered by STATUS (int or tuple) and a closed connection."""
    return dict(name=name, request=request, status=status, close=True)


def reject_then(name, request, status=400):
    """REQUEST with a valid one pipelined behind it: only the rejection is ever answered."""
    return dict(name=name, request=request + get(b"/index.html"), responses=[dict(status=status)],
                close=True)


def outside(name, target, status=TRAVERSAL, method=b"GET", extra=b""):
    """A target that must not serve anything from outside the DocumentRoot."""
    return dict(name=name, request=get(target, extra, method=method), status=status,
                head=method == b"HEAD", body_excludes=SECRET)


def one_meaning(name, request, body=K4):
    """An odd but valid GET /4k.txt with a body, then GET /dir/: both answered, in order."""
    return dict(name=name, request=request + get(b"/dir/"),
                responses=[dict(status=200, body=body), dict(status=200, body=DIR_INDEX_HTML)],
                close=False)


def chunked(body, extra=b""):
    """GET /4k.txt with a chunked BODY (raw bytes after the head)."""
    return get(b"/4k.txt", b"Transfer-Encoding: chunked\r\n" + extra) + body


def with_length(length, body, extra=b""):
    return get(b"/4k.txt", b"Content-Length: " + length + b"\r\n" + extra) + body


SMUGGLED = get(b"/index.html")  # a complete request hidden in a body
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"

HOSTILE_ROWS = [
    # --- Content-Length and Transfer-Encoding together, or ambiguous ---------------
    reject_then("cl_te_smuggle_400",
                with_length(b"6", b"0\r\n\r\nG", b"Transfer-Encoding: chunked\r\n")),
    reject_then("te_cl_smuggle_400",
                chunked(b"0\r\n\r\n", b"Content-Length: %d\r\n" % (5 + len(SMUGGLED))) + SMUGGLED),
    reject("cl_comma_differing_400", with_length(b"5, 6", b"hello!")),
    reject("cl_three_values_differing_400", with_length(b"5,5,6", b"hello!")),
    one_meaning("cl_comma_identical_one_meaning", with_length(b"5, 5", b"hello")),
    one_meaning("cl_duplicate_identical_one_meaning",
                with_length(b"5", b"hello", b"Content-Length: 5\r\n")),
    one_meaning("cl_leading_zeros_one_meaning", with_length(b"005", b"hello")),
    reject("cl_plus_sign_400", with_length(b"+5", b"hello")),
    reject("cl_hex_400", with_length(b"0x5", b"hello")),
    reject("cl_inner_space_400", with_length(b"1 2", b"x" * 12)),
    reject("cl_empty_400", with_length(b"", b"")),
    reject("cl_only_commas_400", with_length(b",,", b"")),
    reject("cl_2_pow_64_400", with_length(b"18446744073709551616", b"hello"), (400, 413)),
    reject("cl_space_before_colon_400",
           get(b"/4k.txt", b"Content-Length : 5\r\n") + b"hello" + SMUGGLED),
    one_meaning("cl_body_holding_a_request_one_meaning",
                with_length(b"%d" % len(SMUGGLED), SMUGGLED)),
    reject("te_chunked_gzip_400", chunked(b"0\r\n\r\n").replace(b"chunked", b"chunked, gzip")),
    reject("te_gzip_chunked_501", chunked(b"0\r\n\r\n").replace(b"chunked", b"gzip, chunked"),
           (400, 501)),
    reject("te_chunked_twice_list_400",
           chunked(b"0\r\n\r\n").replace(b"chunked", b"chunked, chunked")),
    reject("te_chunked_two_fields_400",
           chunked(b"0\r\n\r\n", b"Transfer-Encoding: chunked\r\n")),
    reject("te_gzip_then_chunked_fields_400",
           get(b"/4k.txt", b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n")
           + b"0\r\n\r\n"),
    reject("te_identity_400_or_501",
           get(b"/4k.txt", b"Transfer-Encoding: identity\r\n") + b"0\r\n\r\n", (400, 501)),
    reject("te_xchunked_400_or_501",
           get(b"/4k.txt", b"Transfer-Encoding: xchunked\r\n") + b"0\r\n\r\n", (400, 501)),
    reject("te_chunked_with_param_400_or_501",
           get(b"/4k.txt", b"Transfer-Encoding: chunked;q=1\r\n") + b"0\r\n\r\n", (400, 501)),
    reject("te_empty_400", get(b"/4k.txt", b"Transfer-Encoding: \r\n") + b"0\r\n\r\n"),
    reject("te_vertical_tab_400",
           get(b"/4k.txt", b"Transfer-Encoding: \x0bchunked\r\n") + b"0\r\n\r\n"),
    reject("te_space_before_colon_400",
           get(b"/4k.txt", b"Transfer-Encoding : chunked\r\n") + b"0\r\n\r\n" + SMUGGLED),
    reject("te_obs_fold_400",
           get(b"/4k.txt", b"Transfer-Encoding: gzip\r\n ,chunked\r\n") + b"0\r\n\r\n"),
    one_meaning("te_uppercase_one_meaning",
                chunked(b"5\r\nhello\r\n0\r\n\r\n").replace(b"chunked", b"CHUNKED")),
    one_meaning("te_odd_whitespace_one_meaning",
                chunked(b"5\r\nhello\r\n0\r\n\r\n").replace(b": chunked", b":\t chunked \t")),
    dict(name="te_chunked_http10_closes",
         request=b"GET /4k.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
         + SMUGGLED, responses=[dict(status=200, body=K4)], close=True),
    # --- chunk sizes, extensions and trailers ------------------------------------------
    reject("chunk_size_2_pow_64_400", chunked(b"10000000000000000\r\nhello\r\n0\r\n\r\n"),
           (400, 413)),
    reject("chunk_size_2_pow_63_400", chunked(b"8000000000000000\r\nhello\r\n0\r\n\r\n"),
           (400, 413)),
    reject("chunk_size_all_f_400", chunked(b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n"), (400, 413)),
    reject("chunk_size_overflow_wraps_to_small_400",
           chunked(b"10000000000000005\r\nhello\r\n0\r\n\r\n"), (400, 413)),
    reject("chunk_size_many_digits_400", chunked(b"0" * 100 + b"5\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_negative_400", chunked(b"-5\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_0x_prefix_400", chunked(b"0x5\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_empty_400", chunked(b"\r\nhello\r\n0\r\n\r\n")),
    # Whitespace after a chunk size with no extension (RFC 9112 7.1.1): 400 on every path,
    # also where the answer needs no body (a file, 405, 403) and the core judges it unread.
    reject("chunk_size_trailing_space_400", chunked(b"3 \r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_tab_400", chunked(b"3\t\r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_space_later_400",
           chunked(b"3\r\nabc\r\n3 \r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_space_post_file_400",
           chunked_to(b"/4k.txt", b"3 \r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_space_denied_400",
           chunked_to(b"/denied/x", b"3 \r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_space_status_post_400",
           chunked_to(b"/server-status", b"3 \r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_space_app_400",
           chunked_to(b"/app/echo", b"3 \r\nabc\r\n0\r\n\r\n")),
    reject_then("chunk_size_trailing_space_post_file_then_400",
                chunked_to(b"/4k.txt", b"3 \r\nabc\r\n0\r\n\r\n")),
    reject("chunk_size_bare_lf_400", chunked(b"5\nhello\r\n0\r\n\r\n")),
    reject("chunk_data_bare_lf_400", chunked(b"5\r\nhello\n0\r\n\r\n")),
    reject("chunk_data_longer_than_size_400", chunked(b"3\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_data_without_crlf_400", chunked(b"5\r\nhelloXX0\r\n\r\n")),
    reject("chunk_extension_unbounded_400",
           chunked(b"5;" + b"e" * 20000 + b"\r\nhello\r\n0\r\n\r\n"), (400, 413, 431)),
    reject("chunk_extension_nul_400", chunked(b"5;a=\x00\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_extension_bare_cr_400", chunked(b"5;a\rb\r\nhello\r\n0\r\n\r\n")),
    one_meaning("chunk_extension_quoted_one_meaning",
                chunked(b'5;name="quoted; value"\r\nhello\r\n0;last\r\n\r\n')),
    reject_then("last_chunk_without_final_crlf_400", chunked(b"0\r\n")),
    one_meaning("trailer_content_length_keeps_framing",
                chunked(b"5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n")),
    one_meaning("trailer_transfer_encoding_keeps_framing",
                chunked(b"5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n")),
    reject("trailer_obs_fold_400", chunked(b"0\r\nX-T: a\r\n folded\r\n\r\n")),
    reject("trailer_bare_lf_400", chunked(b"0\r\nX-T: a\n\r\n")),
    reject("trailer_space_before_colon_400", chunked(b"0\r\nX-T : a\r\n\r\n")),
    reject("trailer_too_long_431",
           chunked(b"0\r\nX-T: " + b"t" * (LIMIT_FIELD_SIZE + 100) + b"\r\n\r\n"), (400, 431)),
    reject("trailer_too_many_431",
           chunked(b"0\r\n" + b"".join(b"X-T%d: t\r\n" % i for i in range(LIMIT_FIELDS + 10))
                   + b"\r\n"), (400, 431)),
    # --- header syntax ----------------------------------------------------------------
    reject("obs_fold_tab_400", get(b"/4k.txt", b"X-Folded: a\r\n\tb\r\n")),
    reject("first_field_line_folded_400", b"GET /4k.txt HTTP/1.1\r\n Host: localhost\r\n\r\n"),
    reject("space_before_colon_tab_400", b"GET /4k.txt HTTP/1.1\r\nHost\t: localhost\r\n\r\n"),
    reject("empty_field_name_400", get(b"/4k.txt", b": value\r\n")),
    reject("field_without_colon_400", get(b"/4k.txt", b"NoColonHere\r\n")),
    reject("bare_cr_in_request_line_400", b"GET /4k.txt\rHTTP/1.1\r\n" + H + b"\r\n"),
    reject("bare_cr_before_crlf_400", get(b"/4k.txt", b"X-A: a\r\r\n")),
    reject("bare_cr_in_field_name_400", get(b"/4k.txt", b"X\rY: a\r\n")),
    reject("bare_cr_ending_host_400", b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\r\n\r\n"),
    one_meaning("bare_lf_line_ends_one_meaning",
                b"GET /4k.txt HTTP/1.1\nHost: localhost\nContent-Length: 5\n\nhello"),
    reject("nul_in_request_line_400", b"GET /4k\x00.txt HTTP/1.1\r\n" + H + b"\r\n"),
    reject("nul_in_field_name_400", get(b"/4k.txt", b"X\x00Y: a\r\n")),
    reject("nul_in_content_length_400", with_length(b"5\x00", b"hello")),
    reject("control_byte_in_value_400", get(b"/4k.txt", b"X-A: a\x01b\r\n")),
    reject("del_in_value_400", get(b"/4k.txt", b"X-A: a\x7fb\r\n")),
    reject("escape_in_target_400", b"GET /4k\x1b.txt HTTP/1.1\r\n" + H + b"\r\n"),
    reject("tab_in_request_line_400", b"GET\t/4k.txt HTTP/1.1\r\n" + H + b"\r\n"),
    reject("two_spaces_in_request_line_400", b"GET  /4k.txt HTTP/1.1\r\n" + H + b"\r\n"),
    reject("trailing_space_in_request_line_400", b"GET /4k.txt HTTP/1.1 \r\n" + H + b"\r\n"),
    reject("http09_simple_request_rejected", b"GET /4k.txt\r\n\r\n", (400, 505)),
    reject("version_1_10_400", get(b"/4k.txt", version=b"HTTP/1.10")),
    reject("http12_without_host_400", b"GET /4k.txt HTTP/1.2\r\n\r\n"),
    reject("http21_version_505", get(b"/4k.txt", version=b"HTTP/2.1"), 505),
    reject("http99_version_505", get(b"/4k.txt", version=b"HTTP/9.9"), 505),
    reject("http08_version_505", get(b"/4k.txt", version=b"HTTP/0.8"), 505),
    reject("version_without_dot_400", get(b"/4k.txt", version=b"HTTP/11")),
    reject("asterisk_target_with_get_400", get(b"*")),
    reject("host_with_space_400", b"GET /4k.txt HTTP/1.1\r\nHost: local host\r\n\r\n"),
    reject("host_with_path_400", b"GET /4k.txt HTTP/1.1\r\nHost: localhost/../x\r\n\r\n"),
    # Host and absolute-form authorities RFC 3986 refuses (RFC 9112 3.2): 400, no handler.
    reject("host_port_not_digits_400", with_host(b"localhost:80x")),
    reject("host_two_ports_400", with_host(b"localhost:80:80")),
    reject("host_port_too_large_400", with_host(b"localhost:99999")),
    reject("host_port_65536_400", with_host(b"localhost:65536")),
    reject("host_port_zero_400", with_host(b"localhost:0")),
    reject("host_port_signed_400", with_host(b"localhost:+80")),
    reject("host_port_only_400", with_host(b":80")),
    reject("host_ipv6_unbracketed_400", with_host(b"4713::abcd:8001")),
    reject("host_ipv6_two_gaps_400", with_host(b"[4712::abcd::]")),
    reject("host_ipv6_unclosed_400", with_host(b"[::1")),
    reject("host_ipv6_suffix_400", with_host(b"[::1]x")),
    reject("host_ipv6_bad_port_400", with_host(b"[::1]:bad")),
    reject("host_ipv6_zone_400", with_host(b"[fe80::1%25eth0]")),
    reject("host_obs_text_400", with_host(b"abc\xa0")),
    reject("host_userinfo_400", with_host(b"user@localhost")),
    reject("host_backslash_400", with_host(b"localhost\\x")),
    reject("host_bad_percent_400", with_host(b"local%zzhost")),
    reject("host_dot_dot_400", with_host(b"local..host")),
    reject("host_list_400", with_host(b"localhost,other")),
    reject("host_hex_ipv4_400", with_host(b"0x7f.1")),
    reject("host_octal_ipv4_400", with_host(b"017700000001")),
    reject("host_leading_zero_ipv4_400", with_host(b"127.01.0.1")),
    reject("host_bad_http10_400", b"GET /4k.txt HTTP/1.0\r\nHost: localhost:80x\r\n\r\n"),
    reject("host_bad_status_page_400",
           b"GET /server-status HTTP/1.1\r\nHost: localhost:1:2\r\n\r\n"),
    reject("host_bad_app_400", b"POST /app/echo HTTP/1.1\r\nHost: localhost:80x\r\n"
           b"Content-Length: 5\r\n\r\nhello"),
    reject("host_bad_with_absolute_form_400",
           b"GET http://localhost/4k.txt HTTP/1.1\r\nHost: localhost:80:80\r\n\r\n"),
    reject("absolute_form_port_not_digits_400", get(b"http://localhost:80x/4k.txt")),
    reject("absolute_form_two_ports_400", get(b"http://localhost:80:80/4k.txt")),
    reject("absolute_form_port_too_large_400", get(b"http://localhost:99999/4k.txt")),
    reject("absolute_form_ipv6_unbracketed_400", get(b"http://4713::abcd:8001/4k.txt")),
    reject("absolute_form_ipv6_two_gaps_400", get(b"http://[4712::abcd::]/4k.txt")),
    reject("absolute_form_ipv6_unclosed_400", get(b"http://[::1/4k.txt")),
    # --- lengths and counts -------------------------------------------------------------
    reject("long_method_501", get(b"/4k.txt", method=b"M" * 300), 501),
    reject("method_longer_than_line_414", get(b"/4k.txt", method=b"M" * (LIMIT_LINE + 100)), 414),
    reject("long_version_400", get(b"/4k.txt", version=b"HTTP/1.1" + b"1" * 300), (400, 505)),
    reject("request_line_huge_414", get(b"/" + b"a" * 100000), 414),
    reject("field_name_too_long_431", get(b"/4k.txt", b"X" * (LIMIT_FIELD_SIZE + 100) + b": v\r\n"),
           431),
    reject("field_value_huge_431", get(b"/4k.txt", b"X-Big: " + b"v" * 100000 + b"\r\n"), 431),
    reject("many_small_fields_431", get(b"/4k.txt", b"A:\r\n" * 1000), 431),
    reject("leading_empty_lines_flood_400", b"\r\n" * (LIMIT_LINE + 10) + get(b"/4k.txt")),
    # --- other protocols and targets ----------------------------------------------------
    reject("h2_preface_505", H2_PREFACE, (400, 505)),
    reject("h2_preface_with_settings_frame_505", H2_PREFACE + H2_SETTINGS, (400, 505)),
    dict(name="absolute_form_other_host_uses_target", request=b"GET http://other.example/4k.txt "
         b"HTTP/1.1\r\nHost: localhost\r\n\r\n", status=200, body=K4, close=False),
    reject("absolute_form_userinfo_400", get(b"http://user@localhost/4k.txt")),
    reject("absolute_form_other_scheme_400", get(b"ftp://localhost/4k.txt")),
    reject("absolute_form_empty_host_400", get(b"http:///4k.txt")),
    dict(name="trace_not_echoed", request=get(b"/4k.txt", b"Cookie: session=SECRETCOOKIE\r\n",
                                              method=b"TRACE"),
         status=(403, 405, 501), body_excludes=b"SECRETCOOKIE"),
    # Many overlapping ranges are not amplified into many copies (CVE-2011-3192).
    dict(name="range_overlap_flood_not_amplified",
         request=get(b"/4k.txt", b"Range: bytes=" + b",".join([b"0-"] * 200) + b"\r\n"),
         status=(200, 206), body=K4),
    dict(name="range_repeated_whole_not_amplified",
         request=get(b"/4k.txt", b"Range: bytes=" + b",".join([b"0-4095"] * 60) + b"\r\n"),
         status=(200, 206), body=K4),
    # --- rejected requests with a valid one pipelined behind: never answered ----------
    reject_then("pipelined_after_400", get(b"/4k.txt", b"X-A: a\x00b\r\n")),
    reject_then("pipelined_after_414", get(b"/" + b"a" * (LIMIT_LINE + 100)), 414),
    reject_then("pipelined_after_431", get(b"/4k.txt", b"X-Big: " + b"a" * 2000 + b"\r\n"), 431),
    reject_then("pipelined_after_501", get(b"/4k.txt", method=b"BREW"), 501),
    reject_then("pipelined_after_505", get(b"/4k.txt", version=b"HTTP/2.0"), 505),
    reject_then("pipelined_after_413", with_length(b"%d" % (LIMIT_BODY + 1), b""), 413),
    reject_then("pipelined_after_chunked_413",
                chunked(b"%x\r\n" % (LIMIT_BODY + 1) + b"x" * (LIMIT_BODY + 1) + b"\r\n0\r\n\r\n"),
                413),
    reject_then("pipelined_after_h2_preface", H2_PREFACE, (400, 505)),
    # --- paths: nothing outside the DocumentRoot --------------------------------------
    outside("traversal_uppercase_encoded_dots", b"/%2E%2E/outside/secret.txt"),
    outside("traversal_one_encoded_dot", b"/.%2e/outside/secret.txt"),
    outside("traversal_double_encoded", b"/%252e%252e/outside/secret.txt"),
    outside("traversal_double_encoded_slash", b"/..%252foutside%252fsecret.txt"),
    outside("traversal_backslash", b"/..\\outside\\secret.txt"),
    outside("traversal_encoded_backslash", b"/..%5coutside%5csecret.txt"),
    outside("traversal_overlong_utf8_dots", b"/%c0%ae%c0%ae/outside/secret.txt"),
    outside("traversal_overlong_utf8_slash", b"/..%c0%afoutside%c0%afsecret.txt"),
    outside("traversal_nul_suffix", b"/../outside/secret.txt%00.html"),
    outside("traversal_nul_then_dots", b"/4k.txt%00/../../outside/secret.txt"),
    outside("traversal_semicolon", b"/..;/outside/secret.txt"),
    outside("traversal_many_dotdots", b"/dir/" + b"../" * 30 + b"outside/secret.txt"),
    outside("traversal_mixed_encoded_slashes", b"/dir/..%2f..%2foutside/secret.txt"),
    outside("traversal_double_slash", b"//../outside/secret.txt"),
    outside("traversal_absolute_form", b"http://localhost/../outside/secret.txt"),
    outside("traversal_head", b"/../outside/secret.txt", method=b"HEAD"),
    outside("traversal_with_range", b"/%2e%2e/outside/secret.txt", extra=b"Range: bytes=0-\r\n"),
    outside("symlink_out_encoded_name", b"/link%2dout", 403),
    outside("symlink_out_dot_segments", b"/dir/../link-out", 403),
    outside("symlink_out_trailing_slash", b"/link-out/", (403, 404)),
    outside("symlink_out_range", b"/link-out", 403, extra=b"Range: bytes=0-5\r\n"),
    outside("symlink_out_head", b"/link-out", 403, method=b"HEAD"),
    dict(name="directory_without_index_not_listed", request=get(b"/noindex/"), status=403,
         body_excludes=b"file.txt"),
    dict(name="directory_without_index_encoded_not_listed", request=get(b"/%6eoindex/"),
         status=403, body_excludes=b"file.txt"),
]

# Rows above this block that are hostile too (smuggling, limits, syntax, paths).
HOSTILE_EARLIER = [
    "unknown_method_501", "http2_version_505", "http3_version_505", "garbage_request_line_400",
    "request_line_too_long_414", "http11_without_host_400", "content_length_and_chunked_400",
    "differing_content_lengths_400", "obs_fold_400", "space_before_colon_400", "bare_cr_400",
    "nul_in_header_400", "invalid_header_name_400", "unknown_transfer_coding_501",
    "header_field_too_large_431", "too_many_headers_431", "body_over_limit_413",
    "chunked_body_over_limit_413", "expect_100_over_limit_no_continue", "duplicate_host_400",
    "non_numeric_content_length_400", "negative_content_length_400", "invalid_chunk_size_400",
    "target_without_slash_400", "binary_garbage_400", "lowercase_version_400",
    "pipelined_after_close_ignored", "huge_content_length", "symlink_outside_forbidden",
    "directory_without_index", "traversal_dotdot", "traversal_encoded_dots",
    "traversal_nested_dotdot", "traversal_encoded_slash", "encoded_nul_404",
]
HOSTILE = HOSTILE_EARLIER + [r["name"] for r in HOSTILE_ROWS]
ROWS += HOSTILE_ROWS
