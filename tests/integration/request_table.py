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
            server must answer with the final status at once), then sends this body.

Every response must be HTTP/1.1, carry Server and an IMF-fixdate Date, and Content-Length (or chunked framing)
unless it is 1xx/204/304 or answers HEAD; a closed HTTP/1.1 connection must be announced by
`Connection: close`. The server runs with the LIMITS below.
"""

from mpmd_harness import DIR_INDEX_HTML, INDEX_HTML, SECRET, SPACED_CONTENT, content_1m, content_4k

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

H = b"Host: localhost\r\n"
K4 = content_4k()
CONTENT_1M = content_1m()
FILE_HEADERS = ["Content-Length", "Content-Type", "Last-Modified", "ETag", "Accept-Ranges"]
TRAVERSAL = (400, 403, 404)
IMF_DATE = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT"  # anything but serving the file


def get(target, extra=b"", version=b"HTTP/1.1", method=b"GET"):
    return method + b" " + target + b" " + version + b"\r\n" + H + extra + b"\r\n"


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
        status=413,
        close=True,
    ),
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
