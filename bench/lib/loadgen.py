"""Load generators: wrk (with wrk/report.lua) and h2load (--h1, with a
--log-file for latency percentiles), and the idle-connection holder."""
import math
import os
import subprocess
import tempfile

from . import parse

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRK_SCRIPT = os.path.join(BENCH_DIR, "wrk", "report.lua")
HELD_SCRIPT = os.path.join(BENCH_DIR, "held.py")


GRACE_S = 10


class LoadError(Exception):
    pass


def run_wrk(port, path, conns, duration, threads, keepalive=True):
    url = "http://127.0.0.1:%d%s" % (port, path)
    cmd = ["wrk", "-t%d" % min(threads, conns), "-c%d" % conns, "-d%ds" % duration,
           "--timeout", "10s", "--latency", "-s", WRK_SCRIPT]
    if not keepalive:
        cmd += ["-H", "Connection: close"]
    cmd.append(url)
    p = _run(cmd, duration)
    r = parse.parse_wrk(p.stdout)
    if r is None:
        raise LoadError("wrk gave no result (exit %d): %s" % (p.returncode, p.stdout[-300:]))
    return r


def run_h2load(port, path, conns, duration, threads):
    url = "http://127.0.0.1:%d%s" % (port, path)
    with tempfile.NamedTemporaryFile(prefix="h2load-", suffix=".log") as log:
        cmd = ["h2load", "--h1", "-c", str(conns), "-t", str(min(threads, conns)),
               "-D", str(duration), "-T", "10", "-N", "10", "--log-file", log.name, url]
        p = _run(cmd, duration)
        r = parse.parse_h2load(p.stdout)
        if r is None:
            raise LoadError("h2load gave no result (exit %d): %s"
                            % (p.returncode, p.stdout[-300:]))
        with open(log.name) as f:
            r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms = parse.h2load_log_percentiles(f)
    return r


def _run(cmd, duration):
    """Runs a load generator; one that has not finished GRACE_S after its duration
    (stuck on a server that accepts nothing) is killed and reported."""
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=duration + GRACE_S)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode("utf-8", "replace") if isinstance(e.stdout, bytes) else e.stdout
        raise LoadError("%s did not finish within %ds of its %ds run (server unresponsive?): %s"
                        % (cmd[0], GRACE_S, duration, (out or "")[-200:]))


class Holder:
    """Holds n idle keep-alive connections in one or more held.py processes
    (at most `per_process` each, to stay under the fd limit)."""

    def __init__(self, port, path, n, per_process=15000, cpu=None):
        self.procs = []
        parts = max(1, math.ceil(n / per_process))
        timeout = 10 + n / 2000.0
        for i in range(parts):
            count = n // parts + (1 if i < n % parts else 0)
            self.procs.append(subprocess.Popen(
                ["python3", HELD_SCRIPT, str(port), path, str(count), str(timeout)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None))
        self.established = self.ready = 0
        for p in self.procs:
            self.established += _read_count(p, "ESTABLISHED")
            self.ready += _read_count(p, "READY")

    def finish(self):
        """Releases the connections; returns how many were still open."""
        still_open = 0
        for p in self.procs:
            try:
                p.stdin.write("\n")
                p.stdin.flush()
            except OSError:
                pass
            still_open += _read_count(p, "OPEN")
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        return still_open


def _read_count(p, word):
    line = p.stdout.readline().split()
    if len(line) == 2 and line[0] == word:
        return int(line[1])
    return 0
