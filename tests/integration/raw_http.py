"""A tiny raw HTTP/1.x client side: response reader that notices a closed connection."""

import re
import socket

HOST = "127.0.0.1"


class Response:
    def __init__(self):
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers = []  # [(name, value)] in order, names as sent
        self.body = b""
        self.raw = b""
        self.framing = ""  # "length", "chunked", "close", "none"

    def header(self, name):
        """The first value of header NAME (case-insensitive), or None."""
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def describe(self, body_bytes=300):
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        body = self.body[:body_bytes]
        more = " ... (%d bytes)" % len(self.body) if len(self.body) > body_bytes else ""
        return "%s\n\n%r%s" % (head, body, more)


class Reader:
    """Reads successive responses from one socket, keeping unread bytes."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self):
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _take(self, n):
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_line(self):
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise EOFError("connection closed in a line; got %r" % self.buf[:200])
        i = self.buf.index(b"\r\n")
        line = self._take(i + 2)
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise EOFError("connection closed after %d of %d body bytes" % (len(self.buf), n))
        return self._take(n)

    def read_response(self, head_request=False, skip_interim=True):
        """One response; 1xx interim responses are skipped unless skip_interim is False."""
        while True:
            r = self._read_one(head_request)
            if not (skip_interim and 100 <= r.status < 200 and r.status != 101):
                return r

    def _read_one(self, head_request):
        r = Response()
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise EOFError("connection closed before a complete header; got %r" % self.buf[:300])
        end = self.buf.index(b"\r\n\r\n") + 4
        head = self._take(end)
        lines = head[:-4].split(b"\r\n")
        m = re.match(rb"(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise ValueError("bad status line %r" % lines[0])
        r.version = m.group(1).decode()
        r.status = int(m.group(2))
        r.reason = (m.group(3) or b"").decode("latin-1")
        for line in lines[1:]:
            if b":" not in line:
                raise ValueError("bad header line %r" % line)
            k, v = line.split(b":", 1)
            r.headers.append((k.decode("latin-1"), v.strip().decode("latin-1")))
        if head_request or 100 <= r.status < 200 or r.status in (204, 304):
            r.framing = "none"
        elif "chunked" in (r.header("Transfer-Encoding") or "").lower():
            r.framing = "chunked"
            r.body = self._read_chunked()
        elif r.header("Content-Length") is not None:
            r.framing = "length"
            r.body = self.read_exact(int(r.header("Content-Length")))
        else:
            r.framing = "close"
            while self._fill():
                pass
            r.body = self._take(len(self.buf))
        r.raw = head + r.body
        return r

    def _read_chunked(self):
        body = b""
        while True:
            size_line = self.read_line()
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while self.read_line() != b"\r\n":  # trailers
                    pass
                return body
            body += self.read_exact(size)
            if self.read_exact(2) != b"\r\n":
                raise ValueError("chunk not followed by CRLF")

    def read_until_close(self):
        """Everything the server sends until it closes (socket timeouts propagate)."""
        while self._fill():
            pass
        return self.buf

    def peer_closed(self, timeout=3.0):
        """True if the server closes (EOF or reset) within TIMEOUT with nothing more sent.

        Returns False on timeout; raises if unexpected bytes arrive."""
        if self.buf:
            raise AssertionError("unexpected extra bytes from server: %r" % self.buf[:200])
        if self.eof:
            return True
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        if data:
            raise AssertionError("unexpected extra bytes from server: %r" % data[:200])
        self.eof = True
        return True


def connect(port, timeout=10.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def exchange(port, request, head_request=False, timeout=10.0, close_wait=0.0):
    """Sends REQUEST on a new connection; returns (Response, closed_afterwards).

    closed_afterwards is None unless CLOSE_WAIT > 0: then it tells whether the server
    closed the connection within CLOSE_WAIT seconds after the response."""
    with connect(port, timeout) as s:
        s.sendall(request)
        rd = Reader(s)
        resp = rd.read_response(head_request)
        return resp, (rd.peer_closed(close_wait) if close_wait > 0 else None)
