#!/usr/bin/env python3
"""Measures examples/regex_router: what building 10,000 regular expressions once (in the
master, before fork) buys over building them in every child or for every request.

For each engine (prefork, worker, event) and mode (preload, child, naive) it starts mpmd
with the application and reports, as a Markdown table:

  start       seconds from exec to the first answered request that matched a route
  restart     seconds from `-k graceful` (SIGUSR1) to the first such answer from the
              new generation (X-Generation header)
  gap         the longest any request waited while the restart went on (a client polls
              /rx/info every 50 ms): how long nobody answered
  request     median milliseconds of GET /rx/api/item-9999/w-1/view (the last
              expression, so every expression is tried) once everything runs
  RSS/PSS/private  per child, MB, from /proc/PID/smaps_rollup after the requests: RSS
              counts pages shared with the master and the other children in full, PSS
              divides them among the sharers, private is what only that child holds

Usage: examples/regex_router/measure.py [--mpmd build/mpmd] [--app build/apps/regex_router.so]
                                        [--engines prefork,worker,event]
                                        [--modes preload,child,naive] [--count 10000]
                                        [--rounds 1]
With --rounds N every cell is the median of N runs, interleaved (engine and mode vary
fastest), so a busy moment of a shared machine does not land on one row only.
Loopback only; every server it starts is stopped, also on failure or Ctrl-C.
"""

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
MATCH_PATH = "/rx/api/item-42/widget-7/view"
WORST_PATH = "/rx/api/item-%d/w1-1/view"

# Children per engine: prefork keeps a small fixed pool, worker and event two children
# (the number of cores here), each with 8 threads (worker) or 8 pool threads (event).
POOLS = {
    "prefork": "StartServers 4\nMinSpareServers 1\nMaxSpareServers 8\nMaxRequestWorkers 16\n",
    "worker": ("StartServers 2\nThreadsPerChild 8\nMinSpareThreads 1\nMaxSpareThreads 32\n"
               "MaxRequestWorkers 32\n"),
    "event": "StartServers 2\nThreadsPerChild 8\n",
}
CHILDREN = {"prefork": 4, "worker": 2, "event": 2}


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port, path, timeout=120.0):
    """(status, X-Generation, body) of one GET on a fresh connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.getheader("X-Generation"), r.read()
    finally:
        conn.close()


def wait_for(port, path, generation, deadline):
    """Seconds-free poll: returns True once PATH answers 200 from GENERATION."""
    while time.monotonic() < deadline:
        try:
            status, gen, _ = get(port, path)
            if status == 200 and gen == str(generation):
                return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.02)
    return False


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            data = Path("/proc/%s/stat" % entry).read_text()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(entry))
    return kids


def memory(pid):
    """{'rss','pss','private'} in MB from smaps_rollup."""
    values = {}
    for line in Path("/proc/%d/smaps_rollup" % pid).read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":"):
            values[parts[0][:-1]] = int(parts[1])
    return {"rss": values["Rss"] / 1024, "pss": values["Pss"] / 1024,
            "private": (values["Private_Clean"] + values["Private_Dirty"]) / 1024}


def log_count(path, marker):
    try:
        return sum(1 for line in path.read_text(errors="replace").splitlines() if marker in line)
    except OSError:
        return 0


class Probe(threading.Thread):
    """GETs /rx/info every 50 ms and records the longest wait for an answer."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.longest = 0.0

    def run(self):
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                get(self.port, "/rx/info", timeout=120)
            except (OSError, http.client.HTTPException):
                pass
            self.longest = max(self.longest, time.monotonic() - start)
            time.sleep(0.05)


def measure(mpmd, app, engine, mode, count):
    tmp = Path(tempfile.mkdtemp(prefix="mpmd-regex-"))
    port = free_port()
    (tmp / "www").mkdir()
    (tmp / "www" / "index.html").write_text("ok\n")
    error_log = tmp / "error.log"
    conf = tmp / "mpmd.conf"
    conf.write_text(f"""\
ServerRoot "{tmp}"
Listen {HOST}:{port}
MPM {engine}
{POOLS[engine]}DocumentRoot "{tmp / 'www'}"
ErrorLog "{error_log}"
LogLevel info
PidFile "{tmp / 'mpmd.pid'}"
GracefulDrainTimeout 60
LoadApplication rx "{app}" mode={mode} count={count}
<Location /rx>
    SetHandler rx
</Location>
""")
    row = {"engine": engine, "mode": mode}
    proc = None
    try:
        start = time.monotonic()
        proc = subprocess.Popen([mpmd, "-f", str(conf), "-D", "FOREGROUND"], cwd=tmp,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        if not wait_for(port, MATCH_PATH, 0, start + 600):
            raise RuntimeError("no answer after start; see %s" % error_log)
        row["start"] = time.monotonic() - start
        # Every child has finished child_init (one info line each).
        n = CHILDREN[engine]
        deadline = time.monotonic() + 600
        while log_count(error_log, "child_init took") < n and time.monotonic() < deadline:
            time.sleep(0.1)
        samples = []
        for _ in range(3 if mode == "naive" else 9):
            t = time.monotonic()
            status, _, _ = get(port, WORST_PATH % (count - 1))
            samples.append((time.monotonic() - t) * 1000)
            if status != 200:
                raise RuntimeError("route %d answered %d" % (count - 1, status))
        row["request"] = statistics.median(samples)
        kids = children(proc.pid)
        mems = [memory(k) for k in kids]
        row["children"] = len(kids)
        for key in ("rss", "pss", "private"):
            row[key] = statistics.mean(m[key] for m in mems)
        probe = Probe(port)
        probe.start()
        time.sleep(0.3)
        t = time.monotonic()
        os.kill(proc.pid, signal.SIGUSR1)
        if not wait_for(port, MATCH_PATH, 1, t + 600):
            raise RuntimeError("no answer from generation 1; see %s" % error_log)
        row["restart"] = time.monotonic() - t
        time.sleep(0.5)
        probe.stop.set()
        probe.join(150)
        row["gap"] = probe.longest
        return row
    finally:
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mpmd", default=str(REPO / "build" / "mpmd"))
    p.add_argument("--app", default=None, help="default: apps/regex_router.so next to --mpmd")
    p.add_argument("--engines", default="prefork,worker,event")
    p.add_argument("--modes", default="preload,child,naive")
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=1)
    args = p.parse_args()
    app = args.app or str(Path(args.mpmd).resolve().parent / "apps" / "regex_router.so")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    runs = {}
    for rnd in range(args.rounds):
        for engine in args.engines.split(","):
            for mode in args.modes.split(","):
                print("round %d: measuring %s / %s ..." % (rnd + 1, engine, mode),
                      file=sys.stderr, flush=True)
                runs.setdefault((engine, mode), []).append(
                    measure(os.path.abspath(args.mpmd), app, engine, mode, args.count))
    rows = []
    for (engine, mode), results in runs.items():
        row = {"engine": engine, "mode": mode}
        for key in results[0]:
            if key not in row:
                row[key] = statistics.median(r[key] for r in results)
        rows.append(row)
    print("| engine | mode | children | start (s) | restart (s) | gap (s) | request (ms) "
          "| RSS/child (MB) | PSS/child (MB) | private/child (MB) |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        print("| %s | %s | %d | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f |" % (
            r["engine"], r["mode"], r["children"], r["start"], r["restart"], r["gap"],
            r["request"], r["rss"], r["pss"], r["private"]))


if __name__ == "__main__":
    main()
