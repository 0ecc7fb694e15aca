#!/usr/bin/env python3
"""Suite request_table_tls: every row of request_table.py (the hostile ones
included) over TLS: the same raw bytes, each written inside a TLS connection
(Python's ssl, certificate verified), with the same expected answers and
closes as over plain TCP."""

import socket
import tempfile

import mpmd_harness as h
import raw_http
import test_request_table as rt
import tls_support as t

CONTEXT = None


def tls_connect(port, timeout=10.0):
    s = socket.create_connection((h.HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return CONTEXT.wrap_socket(s, server_hostname="localhost")


# Every connection the table's helpers open is a TLS one.
raw_http.connect = tls_connect
h.connect = tls_connect
_plain_config = rt.config


class RequestTableTls(rt.RequestTable):
    @classmethod
    def setUpClass(cls):
        global CONTEXT
        pki = t.make_pki(tempfile.mkdtemp(prefix="mpmd-pki-"))
        CONTEXT = t.client_context(pki)
        rt.config = lambda: _plain_config() + t.site_config(pki)
        super().setUpClass()


if __name__ == "__main__":
    h.main()
