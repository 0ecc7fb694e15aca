"""Small WSGI applications for tests/integration/test_wsgi.py, each one wrapped
in wsgiref.validate.validator (which checks the server's environ, wsgi.input,
wsgi.errors and start_response, and the application's side, by assertions that
turn into a 500 here). Dispatched on PATH_INFO."""

import hashlib
import json
import os
import threading
import time
from wsgiref.validate import validator

IMPORTED_BY = os.getpid()
_local = threading.local()


def text(start_response, body, status="200 OK", ctype="text/plain"):
    data = body.encode() if isinstance(body, str) else body
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(data)))])
    return [data]


def hello(environ, start_response):
    return text(start_response, "Hello, world!\n")


def env(environ, start_response):
    out = {}
    for k, v in environ.items():
        out[k] = v if isinstance(v, (str, bool, int)) else type(v).__name__
    out["wsgi.version"] = list(environ["wsgi.version"])
    return text(start_response, json.dumps(out), ctype="application/json")


def mark(environ, start_response):
    # What an earlier request did to its environ must not show in this one's.
    info = {"marked_before": "mpmd.test.mark" in environ, "x_v": environ.get("HTTP_X_V")}
    environ["mpmd.test.mark"] = True
    environ["HTTP_X_V"] = "changed by the application"
    return text(start_response, json.dumps(info), ctype="application/json")


def echo(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0) or 1 << 40)
    info = {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    return text(start_response, json.dumps(info), ctype="application/json")


def stream_upload(environ, start_response):
    # Reads in pieces until the end (chunked bodies have no CONTENT_LENGTH).
    h = hashlib.sha256()
    n = 0
    while True:
        piece = environ["wsgi.input"].read(65536)
        if not piece:
            break
        h.update(piece)
        n += len(piece)
    return text(start_response, json.dumps({"length": n, "sha256": h.hexdigest()}))


def lines(environ, start_response):
    inp = environ["wsgi.input"]
    first = inp.readline()
    second = inp.readline(3)
    rest = inp.readlines()
    out = {"first": first.decode(), "second": second.decode(), "rest": [l.decode() for l in rest]}
    return text(start_response, json.dumps(out))


def iterate(environ, start_response):
    got = [line.decode() for line in environ["wsgi.input"]]
    return text(start_response, json.dumps(got))


def stream(environ, start_response):
    # The first piece must reach the client while the generator still waits:
    # it waits for a file the test creates only after reading that piece.
    flag = environ["QUERY_STRING"]
    start_response("200 OK", [("Content-Type", "text/plain")])

    def gen():
        yield b"first\n"
        deadline = time.monotonic() + 10
        while not os.path.exists(flag) and time.monotonic() < deadline:
            time.sleep(0.01)
        yield b"second\n" if os.path.exists(flag) else b"not streamed\n"
    return gen()


def write_callable(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written ")
    write(b"then ")
    return [b"returned\n"]


def file_wrapper(environ, start_response):
    path = environ["QUERY_STRING"]
    f = open(path, "rb")
    f.read(10)  # sent from where the application left the file
    size = os.path.getsize(path) - 10
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(size))])
    return environ["wsgi.file_wrapper"](f, 32768)


class Closing:
    def __init__(self, path):
        self.path = path

    def __iter__(self):
        yield b"part one, "
        yield b"part two\n"

    def close(self):
        with open(self.path, "w") as f:
            f.write("closed")


def close(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return Closing(environ["QUERY_STRING"])


def error(environ, start_response):
    raise RuntimeError("boom-marker from the application")


def exc_info(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    try:
        raise ValueError("changed my mind")
    except ValueError:
        import sys
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info())
        return [b"replaced by exc_info\n"]


def errors(environ, start_response):
    environ["wsgi.errors"].write("errors-marker line one\n")
    environ["wsgi.errors"].writelines(["errors-marker line two\n"])
    environ["wsgi.errors"].flush()
    return text(start_response, "logged\n")


def thread_state(environ, start_response):
    _local.count = getattr(_local, "count", 0) + 1
    out = {"thread": threading.get_ident(), "count": _local.count, "pid": os.getpid()}
    return text(start_response, json.dumps(out))


def pid(environ, start_response):
    return text(start_response, json.dumps({"pid": os.getpid(), "imported_by": IMPORTED_BY}))


def burn(environ, start_response):
    ms = int(environ["QUERY_STRING"] or "50")
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass
    return text(start_response, "burned\n")


def sleep(environ, start_response):
    time.sleep(float(environ["QUERY_STRING"] or "1"))
    return text(start_response, "slept\n")


def hold(environ, start_response):
    # Tells the test it is running (PREFIX.started), then waits for PREFIX.release:
    # the test knows when the request is in Python without guessing a delay.
    prefix = environ["QUERY_STRING"]
    open(prefix + ".started", "w").close()
    end = time.monotonic() + 30
    while not os.path.exists(prefix + ".release") and time.monotonic() < end:
        time.sleep(0.01)
    return text(start_response, "released\n")


def crash(environ, start_response):
    os._exit(9)


def big(environ, start_response):
    n = int(environ["QUERY_STRING"] or "16")
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return (bytes([65 + i % 26]) * 65536 for i in range(n))


ROUTES = {
    "/hello": hello, "/environ": env, "/echo": echo, "/upload": stream_upload,
    "/lines": lines, "/iterate": iterate, "/stream": stream, "/write": write_callable,
    "/file": file_wrapper, "/close": close, "/error": error, "/exc_info": exc_info,
    "/errors": errors, "/thread": thread_state, "/pid": pid, "/burn": burn, "/sleep": sleep,
    "/hold": hold, "/crash": crash, "/big": big, "/mark": mark,
}
VALIDATED = {path: validator(app) for path, app in ROUTES.items()}


def application(environ, start_response):
    app = VALIDATED.get(environ.get("PATH_INFO", ""))
    if app is None:
        return validator(lambda e, s: text(s, "no such test app\n", "404 Not Found"))(
            environ, start_response)
    return app(environ, start_response)
