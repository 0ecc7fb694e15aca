#!/usr/bin/env python3
"""Offload workload: what CPU-bound handlers do to the static clients of the same server.

The event engine (one child, so nothing hides behind a second one) serves a static
file to 64 wrk connections while one more client calls a handler that burns 50 ms
of CPU per request, in a closed loop, in each of these ways (examples/offload):

  none      no CPU client (the reference)
  inline    the work runs in a non_blocking handler: inside the event loop
  thread    a blocking handler: on the child's pool of ThreadsPerChild threads
  pool      the child's process pool (OffloadProcesses 1)
  gearman   a Gearman foreground job, to one local mpmd-worker

and reports, per way, the static clients' p50/p99 latency and requests/s and how
many CPU requests were answered.

  python3 bench/offload.py --build build [--seconds 10] [--out DIR]

Needs mpmd, build/apps/offload.so and build/tools/mpmd-worker/mpmd-worker built,
and wrk and gearmand installed. Everything started is stopped at the end, also on
failure; everything listens on 127.0.0.1 only.
"""
import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import loadgen  # noqa: E402

MODES = ["none", "inline", "thread", "pool", "gearman"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Procs:
    """Processes started here, each in its own group, stopped at the end whatever happens."""

    def __init__(self):
        self.procs = []

    def start(self, cmd, log):
        out = open(log, "ab")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        out.close()
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    p.wait(5)


class CpuClient(threading.Thread):
    """One keep-alive client calling /offload/burn/MODE?in=MS in a loop."""

    def __init__(self, port, mode, ms):
        super().__init__(daemon=True)
        self.port, self.path = port, "/offload/burn/%s?in=%d" % (mode, ms)
        self.stop = threading.Event()
        self.ok = self.failed = 0

    def run(self):
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", self.path)
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    self.ok += 1
                else:
                    self.failed += 1
            except (OSError, http.client.HTTPException):
                self.failed += 1
                conn = None
                time.sleep(0.05)


def config(tmp, port, gearman_port, build):
    return f"""ServerRoot "{tmp}"
Listen 127.0.0.1:{port}
MPM event
StartServers 1
ThreadsPerChild 4
DocumentRoot "{tmp}/htdocs"
ErrorLog "{tmp}/error.log"
LogLevel warn
PidFile "{tmp}/mpmd.pid"
TypesConfig "{os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'conf', 'mime.types')}"
LoadApplication offload "{build}/apps/offload.so"
<Location /offload>
    SetHandler offload
</Location>
OffloadProcesses 1
OffloadTimeout 30s
GearmanServers 127.0.0.1:{gearman_port}
GearmanTimeout 30s
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=10, help="per mode")
    ap.add_argument("--clients", type=int, default=64, help="static wrk connections")
    ap.add_argument("--burn-ms", type=int, default=50)
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--out", help="directory for offload.md and offload.csv")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    needed = [os.path.join(build, "mpmd"), os.path.join(build, "apps", "offload.so"),
              os.path.join(build, "tools", "mpmd-worker", "mpmd-worker")]
    gearmand = shutil.which("gearmand") or "/usr/sbin/gearmand"
    missing = [p for p in needed + [gearmand] if not os.path.exists(p)] + (
        [] if shutil.which("wrk") else ["wrk"])
    if missing:
        sys.exit("offload bench: missing %s" % ", ".join(missing))

    tmp = tempfile.mkdtemp(prefix="mpmd-bench-offload-")
    os.makedirs(os.path.join(tmp, "htdocs"))
    with open(os.path.join(tmp, "htdocs", "index.html"), "wb") as f:
        f.write(b"x" * 1024)
    procs = Procs()
    rows = []
    try:
        gport, port = free_port(), free_port()
        procs.start([gearmand, "--listen=127.0.0.1", "--port=%d" % gport, "--threads=1",
                     "--log-file=%s/gearmand.log" % tmp, "--verbose=WARNING"],
                    os.path.join(tmp, "gearmand.out"))
        if not wait_port(gport):
            sys.exit("gearmand did not start")
        procs.start([needed[2], "--server", "127.0.0.1:%d" % gport, "--function", "burn"],
                    os.path.join(tmp, "worker.log"))
        conf = os.path.join(tmp, "mpmd.conf")
        with open(conf, "w") as f:
            f.write(config(tmp, port, gport, build))
        procs.start([needed[0], "-f", conf, "-D", "FOREGROUND"], os.path.join(tmp, "mpmd.out"))
        if not wait_port(port):
            sys.exit("mpmd did not start; see %s" % tmp)
        loadgen.run_wrk(port, "/index.html", args.clients, 2, 2)  # warm-up
        for mode in args.modes.split(","):
            cpu = None
            if mode != "none":
                cpu = CpuClient(port, mode, args.burn_ms)
                cpu.start()
                time.sleep(0.5)
            r = loadgen.run_wrk(port, "/index.html", args.clients, args.seconds, 2)
            if cpu:
                cpu.stop.set()
                cpu.join(35)
            rows.append({
                "mode": mode, "static_rps": r.requests / r.duration_s if r.duration_s else 0,
                "p50_ms": r.p50_ms, "p99_ms": r.p99_ms, "max_ms": r.max_ms,
                "errors": r.errors + r.non2xx,
                "cpu_ok": cpu.ok if cpu else 0, "cpu_failed": cpu.failed if cpu else 0,
            })
            print("%-8s p99 %8.2f ms  static %8.0f req/s  cpu requests %d ok, %d failed"
                  % (mode, r.p99_ms, rows[-1]["static_rps"], rows[-1]["cpu_ok"],
                     rows[-1]["cpu_failed"]), flush=True)
    finally:
        procs.stop_all()
    table = ["| CPU work runs | static p50 (ms) | static p99 (ms) | static max (ms) | static req/s "
             "| 50 ms CPU requests answered |",
             "|---|---:|---:|---:|---:|---:|"]
    names = {"none": "(no CPU client)", "inline": "inline, in the event loop",
             "thread": "on the child's thread pool", "pool": "on the child's process pool",
             "gearman": "through Gearman (local mpmd-worker)"}
    for row in rows:
        table.append("| %s | %.2f | %.2f | %.2f | %.0f | %d%s |" % (
            names.get(row["mode"], row["mode"]), row["p50_ms"], row["p99_ms"], row["max_ms"],
            row["static_rps"], row["cpu_ok"],
            (" (%d failed)" % row["cpu_failed"]) if row["cpu_failed"] else ""))
    text = "\n".join(table)
    print("\n%d static clients, %d s per row, event engine, 1 child, %d ms of CPU per request, "
          "%d CPUs\n\n%s" % (args.clients, args.seconds, args.burn_ms, os.cpu_count(), text))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "offload.md"), "w") as f:
            f.write(text + "\n")
        with open(os.path.join(args.out, "offload.csv"), "w") as f:
            keys = list(rows[0].keys()) if rows else []
            f.write(",".join(keys) + "\n")
            for row in rows:
                f.write(",".join(str(row[k]) for k in keys) + "\n")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
