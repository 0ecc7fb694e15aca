"""Shared harness for mpmd's integration suites.

Every suite is a plain unittest script run as
    python3 <suite>.py --mpmd PATH/TO/mpmd --engine event [--event-backend poll] [unittest args]
and uses only the standard library.  The harness:

* builds a document root with known content (see `make_docroot`),
* writes an Apache-syntax config into a temporary directory,
* starts `mpmd -f CONF -D FOREGROUND` in its own process group, waits until
  the port accepts (bounded), and stops the whole group (SIGTERM, then
  SIGKILL) in tearDown, at exit and on SIGTERM/SIGINT of the test runner,
* re-exports raw_http: reads raw HTTP/1.x responses (`Reader.read_response`) and tells
  whether the server closed the connection afterwards (`peer_closed`),
* prints the tail of each server's error log when a suite fails.

For developing the suites without the real server, MPMD_STANDIN=nginx
starts Debian's nginx on the same docroot instead (see `Server._start_nginx`).
"""

import argparse
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from raw_http import HOST, Reader, Response, connect, exchange  # noqa: F401 (re-exported)

REPO = Path(__file__).resolve().parents[2]

# Filled in by main() from the command line (or MPMD_BIN / MPMD_ENGINE).
MPMD = os.environ.get("MPMD_BIN", str(REPO / "build" / "mpmd"))
ENGINE = os.environ.get("MPMD_ENGINE", "event")
# --event-backend NAME: EventBackend for the event engine's servers ("" = the default, epoll).
EVENT_BACKEND = os.environ.get("MPMD_EVENT_BACKEND", "")

START_TIMEOUT = 10.0  # seconds until the port must accept
STOP_TIMEOUT = 5.0  # seconds after SIGTERM before SIGKILL

_servers = []  # every Server created, for atexit and failure reports


# ----------------------------------------------------------------------------
# Document root content, deterministic so that tests can compare bodies.


def content_4k():
    """4096 bytes of printable text, lines of 64 bytes."""
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-\n"
    return line * 64


def content_1m():
    """1 MiB whose every 16-byte block holds its own offset (finds misplaced ranges)."""
    return b"".join(b"%015x\n" % off for off in range(0, 1 << 20, 16))


INDEX_HTML = b"<html><body><h1>mpmd index</h1></body></html>\n"
DIR_INDEX_HTML = b"<html><body>dir index</body></html>\n"
SECRET = b"TOP-SECRET-OUTSIDE-DOCROOT\n"
SPACED_NAME = "a b%c.txt"  # served as /a%20b%25c.txt
SPACED_CONTENT = b"spaces and percent\n"


def make_docroot(root):
    """Creates ROOT/htdocs and ROOT/outside; returns the htdocs path.

    htdocs/index.html, 4k.txt, 1m.bin, "a b%c.txt",
    htdocs/dir/index.html (directory with an index),
    htdocs/noindex/file.txt (directory without an index),
    htdocs/link-out -> ../outside/secret.txt (symlink leaving the docroot),
    htdocs/link-in -> 4k.txt (symlink inside the docroot).
    """
    root = Path(root)
    docroot = root / "htdocs"
    outside = root / "outside"
    (docroot / "dir").mkdir(parents=True)
    (docroot / "noindex").mkdir()
    outside.mkdir()
    (docroot / "index.html").write_bytes(INDEX_HTML)
    (docroot / "4k.txt").write_bytes(content_4k())
    (docroot / "1m.bin").write_bytes(content_1m())
    (docroot / SPACED_NAME).write_bytes(SPACED_CONTENT)
    (docroot / "dir" / "index.html").write_bytes(DIR_INDEX_HTML)
    (docroot / "noindex" / "file.txt").write_bytes(b"no index here\n")
    (outside / "secret.txt").write_bytes(SECRET)
    os.symlink("../outside/secret.txt", docroot / "link-out")
    os.symlink("4k.txt", docroot / "link-in")
    # A fixed, old modification time makes If-Modified-Since rows deterministic.
    old = time.time() - 3600
    for p in docroot.rglob("*"):
        if not p.is_symlink():
            os.utime(p, (old, old))
    return docroot


MINIMAL_MIME_TYPES = """\
text/html html htm
text/plain txt
text/css css
application/javascript js
application/octet-stream bin
image/png png
"""


def mime_types_path(tmp):
    """The repo's conf/mime.types, or a minimal one written into TMP."""
    repo_types = REPO / "conf" / "mime.types"
    if repo_types.exists():
        return repo_types
    path = Path(tmp) / "mime.types"
    path.write_text(MINIMAL_MIME_TYPES)
    return path


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_accepts(port, timeout=0.5):
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path, lines=40):
    try:
        data = Path(path).read_text(errors="replace").splitlines()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    return "\n".join(data[-lines:]) if data else "(empty)"


def server_dir(prefix="mpmd-integ-", writable=False):
    """A temporary directory the server's children can use.

    Started as root (as the tests run here) with User www-data, mpmd's children run as www-data:
    mkdtemp's mode 0700 would hide everything in it from them. Readable
    (0755) for configs, documents, scripts; writable (1777, as /tmp) where a
    child, a WSGI daemon or an application writes."""
    d = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(d, 0o1777 if writable else 0o755)
    return d


def children_can_read(path):
    """`path`, a directory of this checkout holding files the children read
    (WSGI scripts), or a world-readable copy of it when the checkout is not
    readable by others (a clone under /root): started as root, the children
    run as www-data. The copy is removed at exit."""
    path = Path(path).resolve()
    if os.geteuid() != 0:
        return path
    if all(p.stat().st_mode & 0o005 == 0o005 for p in [path, *path.parents]):
        return path
    copy = server_dir("mpmd-integ-files-") / path.name
    shutil.copytree(path, copy)
    for p in [copy, *copy.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    atexit.register(shutil.rmtree, copy.parent, True)
    return copy


def suppress_python_leaks():
    """For suites whose servers run Python (WSGI): under ASan, CPython's state
    kept until exit is not a leak (tests/integration/wsgi/lsan.supp says why).
    The servers read LSAN_OPTIONS from the environment they inherit."""
    supp = Path(__file__).resolve().parent / "wsgi" / "lsan.supp"
    os.environ["LSAN_OPTIONS"] = ":".join(
        filter(None, [os.environ.get("LSAN_OPTIONS"), "suppressions=%s" % supp]))


def _set_pdeathsig():
    """In the child before exec: get SIGTERM when the test runner dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort only
        pass


# ----------------------------------------------------------------------------
# The server under test.


class Server:
    """One mpmd master with its own temp dir, config, docroot and logs.

    extra: directives appended to the config (text).
    engine: the MPM; defaults to the engine given on the command line.
    writable: the children (www-data under User www-data as root) write into
    its temp dir too (applications that leave marks there).
    """

    def __init__(self, extra="", engine=None, start_servers=2, keepalive_timeout=5, timeout=60,
                 writable=False):
        self.tmp = server_dir(writable=writable)
        self.port = free_port()
        self.engine = engine or ENGINE
        self.docroot = make_docroot(self.tmp)
        self.error_log = self.tmp / "error.log"
        self.access_log = self.tmp / "access.log"
        self.pid_file = self.tmp / "mpmd.pid"
        self.output = self.tmp / "output.log"  # the master's stdout and stderr
        self.conf = self.tmp / "mpmd.conf"
        self.proc = None
        self.conf.write_text(
            self.config_text(extra, start_servers, keepalive_timeout, timeout)
        )
        _servers.append(self)

    def config_text(self, extra="", start_servers=2, keepalive_timeout=5, timeout=60):
        t = self.tmp
        return f"""\
# Written by tests/integration/mpmd_harness.py
ServerRoot "{t}"
Listen {HOST}:{self.port}
MPM {self.engine}
{self.backend_line()}StartServers {start_servers}
DocumentRoot "{self.docroot}"
DirectoryIndex index.html
ErrorLog "{self.error_log}"
LogLevel info
CustomLog "{self.access_log}" combined
PidFile "{self.pid_file}"
KeepAliveTimeout {keepalive_timeout}
MaxKeepAliveRequests 100
Timeout {timeout}
TypesConfig "{mime_types_path(t)}"
{extra}
"""

    def backend_line(self):
        """EventBackend NAME for the event engine under --event-backend NAME."""
        if self.engine == "event" and EVENT_BACKEND:
            return "EventBackend %s\n" % EVENT_BACKEND
        return ""

    @property
    def url(self):
        return "http://%s:%d" % (HOST, self.port)

    def start(self, args=None):
        """Starts the master (default: -f CONF -D FOREGROUND) and waits for the port."""
        if os.environ.get("MPMD_STANDIN") == "nginx":
            return self._start_nginx()
        cmd = [MPMD] + (args if args is not None else ["-f", str(self.conf), "-D", "FOREGROUND"])
        self._spawn(cmd)
        self.wait_ready()
        return self

    def _spawn(self, cmd):
        out = open(self.output, "ab")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.tmp,
            start_new_session=True,
            preexec_fn=_set_pdeathsig,
        )
        out.close()

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    "mpmd exited with %s before accepting on port %d\n%s"
                    % (self.proc.returncode, self.port, self.diagnostics())
                )
            if port_accepts(self.port):
                return
            time.sleep(0.05)
        raise AssertionError(
            "mpmd did not accept on port %d within %.0f s\n%s"
            % (self.port, timeout, self.diagnostics())
        )

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM to the process group, SIGKILL after TIMEOUT; True if SIGTERM sufficed."""
        if self.proc is None:
            return True
        graceful = True
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                graceful = False
        # Children may outlive the master: whatever is left of the group goes.
        if group_members(self.proc.pid):
            graceful = False
        _signal_group(self.proc.pid, signal.SIGKILL)
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            graceful = False
        return graceful

    def diagnostics(self, lines=40):
        return "--- %s (master output) ---\n%s\n--- %s (tail) ---\n%s\n--- config %s ---\n%s" % (
            self.output,
            tail(self.output, lines),
            self.error_log,
            tail(self.error_log, lines),
            self.conf,
            self.conf.read_text() if self.conf.exists() else "(none)",
        )

    def sanitizer_reports(self):
        """Sanitizer findings in the master's output (children inherit its stderr)."""
        try:
            text = self.output.read_text(errors="replace")
        except OSError:
            return []
        marks = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer",
                 "runtime error:")
        return [line for line in text.splitlines() if any(m in line for m in marks)]

    def cleanup(self):
        self.stop()
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- children of the master --------------------------------------------

    def children(self):
        return children_of(self.proc.pid) if self.running() else []

    # -- nginx stand-in, for developing the suites without mpmd --------------

    def _start_nginx(self):
        conf = self.tmp / "nginx.conf"
        conf.write_text(f"""\
daemon off; worker_processes 2; pid {self.pid_file}; error_log {self.error_log} info;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  access_log {self.access_log} combined; client_body_temp_path {self.tmp};
  large_client_header_buffers 4 1k; client_max_body_size 1000;
  disable_symlinks if_not_owner from=$document_root;
  server {{ listen {HOST}:{self.port}; root {self.docroot}; index index.html; }}
}}
""")
        self._spawn(["nginx", "-p", str(self.tmp), "-c", str(conf)])
        self.wait_ready()
        return self


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        pass


def children_of(pid):
    """Live (non-zombie) pids whose parent is PID.

    Scans /proc by pid number rather than reading /proc/PID/task/*/children: that
    list is walked by position, so a sibling reaped during the read can hide
    another child, and it still lists zombies."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = proc_stat(int(entry))
            if st and st[1] == pid and st[0] != "Z":
                kids.append(int(entry))
    return sorted(kids)


def proc_stat(pid):
    """(state, ppid, pgrp) of PID, or None if gone."""
    try:
        data = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2])


def group_members(pgid):
    """Live (non-zombie) pids in process group PGID."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = proc_stat(int(entry))
            if st and st[2] == pgid and st[0] != "Z":
                pids.append(int(entry))
    return pids


def wait_until(predicate, timeout, interval=0.05):
    """Polls PREDICATE until it returns a true value or TIMEOUT passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# ----------------------------------------------------------------------------
# Helpers for the engine and status suites (test_engines_*.py, test_status_*.py).

# Status pages for loopback clients; a location that nobody may read.
STATUS_LOCATIONS = """\
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
<Location /metrics>
    SetHandler metrics
    Require ip 127.0.0.1
</Location>
<Location /denied>
    Require all denied
</Location>
"""


def http_request(port, method, path, body=None, headers=None, timeout=10.0):
    """(status, {lower-case header: value}, body bytes) over a fresh connection."""
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def http_get(port, path, timeout=10.0, headers=None):
    """(status, {lower-case header: value}, body bytes) of one GET over a fresh connection."""
    return http_request(port, "GET", path, headers=headers, timeout=timeout)


def parse_auto(text):
    """server-status?auto as {key: value string}; the first line (server name) is 'ServerName'."""
    lines = text.splitlines()
    result = {"ServerName": lines[0].strip()} if lines else {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if sep:
            result[key.strip()] = value.strip()
    return result


def status_auto(port, timeout=10.0):
    status, _, body = http_get(port, "/server-status?auto", timeout)
    if status != 200:
        raise AssertionError("/server-status?auto answered %d: %r" % (status, body[:200]))
    return parse_auto(body.decode("utf-8", "replace"))


def parse_metrics(text):
    """Prometheus text as {'name{labels}': float} (labels exactly as written), comments skipped."""
    result = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        result[key] = float(value)
    return result


def metrics(port, timeout=10.0):
    status, _, body = http_get(port, "/metrics", timeout)
    if status != 200:
        raise AssertionError("/metrics answered %d: %r" % (status, body[:200]))
    return parse_metrics(body.decode("utf-8", "replace"))


def cmdline(pid):
    """The process title of PID as `ps -o args` shows it ('' if gone)."""
    try:
        raw = Path("/proc/%d/cmdline" % pid).read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()


def parse_wrk(text):
    """The counters of wrk's report: requests, socket errors, non-2xx/3xx responses."""
    import re

    m = re.search(r"(\d+) requests in ", text)
    result = {"requests": int(m.group(1)) if m else None}
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    for i, name in enumerate(("connect", "read", "write", "timeout")):
        result[name] = int(m.group(i + 1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non2xx3xx"] = int(m.group(1)) if m else 0
    result["socket_errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return result


_load_generators = []  # every Wrk started, killed at exit and on SIGTERM


class Wrk:
    """wrk in the background, in its own process group: start(), then wait() for its counters.

    Always bounded: -d SECONDS, and wait() kills it 20 s after its planned end.
    """

    def __init__(self, url, seconds, threads=2, connections=32, timeout="5s", headers=()):
        self.seconds = seconds
        self.cmd = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
                    "--timeout", timeout]
        for hdr in headers:
            self.cmd += ["-H", hdr]
        self.cmd.append(url)
        self.proc = None
        self.report = ""
        self.started = None

    def start(self):
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True,
                                     preexec_fn=_set_pdeathsig)
        self.started = time.monotonic()
        _load_generators.append(self)
        return self

    def wait(self):
        """Waits for the end of the run; returns parse_wrk() of the report (+ 'report', 'rc')."""
        try:
            out, _ = self.proc.communicate(timeout=self.seconds + 20)
        except subprocess.TimeoutExpired:
            self.kill()
            out, _ = self.proc.communicate()
        self.report = out or ""
        counts = parse_wrk(self.report)
        counts["report"] = self.report
        counts["rc"] = self.proc.returncode
        return counts

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGKILL)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass


def known_bug(reason):
    """Marks a test that fails because of a reported server bug (REASON says which).

    The test still runs with its full assertions and is expected to fail; once the bug is
    fixed it "unexpectedly succeeds", which fails the suite so that the mark is removed.
    MPMD_KNOWN_BUGS=strict runs such tests as plain tests (they fail until fixed)."""

    def mark(test):
        if os.environ.get("MPMD_KNOWN_BUGS") == "strict":
            return test
        test.__doc__ = ((test.__doc__ or "").rstrip() + "\nKNOWN BUG: " + reason).lstrip()
        return unittest.expectedFailure(test)

    return mark


def mpmd_ctl(server, action, timeout=30.0):
    """Runs `mpmd -k ACTION -f CONF` for SERVER; returns the CompletedProcess."""
    return subprocess.run([MPMD, "-k", action, "-f", str(server.conf)], cwd=server.tmp,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


# ----------------------------------------------------------------------------
# Test-case base and entry point.


class ServerTestCase(unittest.TestCase):
    """Starts one server per class (EXTRA directives) and stops it afterwards."""

    EXTRA = ""
    WRITABLE = False  # Server(writable=...)
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.EXTRA, writable=cls.WRITABLE)
        try:
            cls.server.start()
        except BaseException:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.stop()

    @property
    def port(self):
        return self.server.port


def _on_signal(signum, _frame):
    for w in _load_generators:
        w.kill()
    for s in _servers:
        s.stop(timeout=2)
    sys.exit(128 + signum)


def _at_exit():
    for w in _load_generators:
        w.kill()
    for s in _servers:
        s.cleanup()


def main():
    """Parses --mpmd/--engine/--event-backend, runs unittest, prints logs of servers on
    failure."""
    global MPMD, ENGINE, EVENT_BACKEND
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--mpmd", default=MPMD)
    parser.add_argument("--engine", default=ENGINE)
    parser.add_argument("--event-backend", default=EVENT_BACKEND)
    args, rest = parser.parse_known_args()
    MPMD = os.path.abspath(args.mpmd)
    ENGINE = args.engine
    EVENT_BACKEND = args.event_backend
    atexit.register(_at_exit)
    signal.signal(signal.SIGTERM, _on_signal)
    print("mpmd integration: binary %s, engine %s%s" % (
        MPMD, ENGINE, (", event backend " + EVENT_BACKEND) if EVENT_BACKEND else ""), flush=True)
    if not os.environ.get("MPMD_STANDIN") and not os.access(MPMD, os.X_OK):
        print("mpmd binary not found: %s" % MPMD, file=sys.stderr)
        sys.exit(1)
    prog = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    ok = prog.result.wasSuccessful()
    for s in _servers:
        s.stop()
        found = s.sanitizer_reports()
        if found:
            ok = False
            print("\nSANITIZER REPORTS from the server in %s:\n  %s\n--- output ---\n%s"
                  % (s.tmp, "\n  ".join(found[:10]), tail(s.output, 60)))
    if not ok:
        for s in [s for s in _servers if s.proc is not None]:
            print("\n=== server %s (port %d, engine %s) ===" % (s.tmp, s.port, s.engine))
            print(s.diagnostics(25))
    r = prog.result
    for test, _ in r.expectedFailures:
        print("KNOWN BUG (expected failure): %s" % test.id())
    for test in r.unexpectedSuccesses:
        print("UNEXPECTED SUCCESS: %s passes now; remove its known_bug mark" % test.id())
    if not ok and r.wasSuccessful():
        print("FAILED: sanitizer reports (see above)")
    print(
        "%d passed, %d failed, %d skipped"
        % (
            max(0, r.testsRun - len(r.failures) - len(r.errors) - len(r.skipped)
                - len(r.unexpectedSuccesses) - len(r.expectedFailures)),
            len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses),
            len(r.skipped) + len(r.expectedFailures),  # known bugs count as skipped
        )
    )
    sys.exit(0 if ok else 1)
