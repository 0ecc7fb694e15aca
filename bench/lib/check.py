"""The correctness check made before and after each run: one plain HTTP/1.1
request; a server that answers with a wrong status or body length is marked."""
import socket
import time


def http_get(port, path, host="127.0.0.1", timeout=5.0):
    """-> (status, content_length or None, body_length, error or "")."""
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mpmd-bench-check\r\n"
           "Connection: close\r\n\r\n" % (path, host)).encode()
    data = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(req)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                data += chunk
                if _complete(data):
                    break
    except OSError as e:
        if not data:
            return (0, None, 0, "no answer: %s" % e)
    return parse_response(data)


def read_to_eof(sock):
    """Every byte `sock` sends until the peer closes (a socket or an SSL socket)."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def _complete(data):
    """True once the header and Content-Length bytes of body have arrived (a
    server may keep the connection open despite "Connection: close")."""
    status, length, body_length, err = parse_response(data)
    return not err and length is not None and body_length >= length


def parse_response(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return (0, None, 0, "no complete response header (%d bytes)" % len(data))
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        return (0, None, len(body), "bad status line %r" % lines[0][:60])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value.strip())
    return (int(parts[1]), length, len(body), "")


def verdict(status, content_length, body_length, expected_length):
    """"" when the answer is right, else why it is wrong."""
    if status != 200:
        return "status %d, expected 200" % status
    if content_length is not None and content_length != expected_length:
        return "Content-Length %d, expected %d" % (content_length, expected_length)
    if body_length != expected_length:
        return "body of %d bytes, expected %d" % (body_length, expected_length)
    return ""


def check(port, path, expected_length, timeout=5.0):
    status, clen, blen, err = http_get(port, path, timeout=timeout)
    return err or verdict(status, clen, blen, expected_length)


def check_load(result, body_size):
    """What is wrong with a load run's counts ("" if nothing): non-2xx answers, or
    fewer bytes per response than the body alone."""
    if result.requests == 0:
        return "no response completed"
    if result.non2xx:
        return "%d non-2xx responses" % result.non2xx
    if result.bytes and result.bytes / result.requests < body_size:
        return "%.0f bytes per response, body is %d" % (result.bytes / result.requests, body_size)
    return ""
