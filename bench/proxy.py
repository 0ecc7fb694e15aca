#!/usr/bin/env python3
"""make bench-proxy: reverse proxies, client (wrk) -> front -> backend.

Backend: nginx serving /b/4k.bin and /b/1m.bin (one worker), and a gunicorn
hello world (gthread, Unix socket), both pinned to CPU 0 with taskset; the
front under test is pinned to CPU 1 (the machine has two cores: wrk and the
slow-client reader are not pinned and share them). Fronts: mpmd event and
worker (ProxyPass), nginx (upstream keepalive 64), Apache event (mod_proxy_http),
h2o (proxy.reverse.url) and lighttpd (mod_proxy). Each front is checked to
really proxy (the X-Backend header only the backends set) before measuring.

Workloads per front: 4 KB at 64 and 1,000 connections (req/s, p99, front CPU
per request from /proc utime+stime of its processes), gunicorn hello world at
64 connections where the front takes a Unix-socket upstream, and 1 MB to 64
slow clients (each reads 16 KB every 100 ms; the front's peak RSS, summed over
its processes). Rounds alternate the fronts' order; figures are medians.

  python3 bench/proxy.py --build build [--rounds 2] [--seconds 5] [--quick]

Everything listens on 127.0.0.1 and is stopped at the end, also on failure."""
import argparse
import os
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lib import parse, procs  # noqa: E402
from lib.servers import accepts, free_port  # noqa: E402

FRONTS = ["mpmd-event", "mpmd-worker", "nginx", "apache-event", "h2o", "lighttpd"]
HELLO = "hello-world"
APP = '''def application(environ, start_response):
    body = b"Hello, World!\\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Backend", "gunicorn"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''


def backend_conf(d, port):
    return f"""daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid {d}/backend.pid;
error_log {d}/backend-error.log warn;
events {{ worker_connections 8000; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 120;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {d}/www;
        add_header X-Backend nginx-backend;
    }}
}}
"""


def front_conf(name, d, port, bport, sock):
    """The config text of front `name` and its file name in d."""
    if name.startswith("mpmd-"):
        mpm = name.split("-")[1]
        return "mpmd.conf", f"""ServerRoot {d}
Listen 127.0.0.1:{port}
MPM {mpm}
StartServers 1
# as Apache's below: the backend pool's default size (ProxyPass max) is ThreadsPerChild
ThreadsPerChild 64
User www-data
DocumentRoot {d}/www
ErrorLog {d}/{name}-error.log
PidFile {d}/{name}.pid
KeepAliveTimeout 120
MaxKeepAliveRequests 0
ProxyPass /b/ http://127.0.0.1:{bport}/b/
ProxyPass /g/ unix:{sock}|http://localhost/g/
"""
    if name == "nginx":
        return "nginx.conf", f"""daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid {d}/{name}.pid;
error_log {d}/{name}-error.log warn;
events {{ worker_connections 8000; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120;
    upstream b {{ server 127.0.0.1:{bport}; keepalive 64; }}
    upstream g {{ server unix:{sock}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /b/ {{ proxy_pass http://b; }}
        location /g/ {{ proxy_pass http://g; }}
    }}
}}
"""
    if name == "apache-event":
        m = "/usr/lib/apache2/modules"
        return "apache2.conf", f"""ServerRoot "{d}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
ListenBacklog 4096
PidFile "{d}/{name}.pid"
DefaultRuntimeDir "{d}"
Mutex file:{d} default
ErrorLog "{d}/{name}-error.log"
LogLevel warn
LoadModule mpm_event_module {m}/mod_mpm_event.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule proxy_module {m}/mod_proxy.so
LoadModule proxy_http_module {m}/mod_proxy_http.so
User www-data
Group www-data
StartServers 1
ServerLimit 1
ThreadsPerChild 64
MaxRequestWorkers 64
AsyncRequestWorkerFactor 32
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 120
ProxyPass /b/ http://127.0.0.1:{bport}/b/ keepalive=On
ProxyPass /g/ unix:{sock}|http://localhost/g/ keepalive=On
"""
    if name == "h2o":
        return "h2o.conf", f"""listen:
  host: 127.0.0.1
  port: {port}
user: www-data
pid-file: {d}/{name}.pid
error-log: {d}/{name}-error.log
num-threads: 1
max-connections: 20000
http1-request-timeout: 120
hosts:
  default:
    paths:
      /b/:
        proxy.reverse.url: http://127.0.0.1:{bport}/b/
      /g/:
        proxy.reverse.url: http://[unix:{sock}]/g/
"""
    if name == "lighttpd":
        return "lighttpd.conf", f"""server.modules = ("mod_proxy")
server.document-root = "{d}/www"
server.bind = "127.0.0.1"
server.port = {port}
server.pid-file = "{d}/{name}.pid"
server.errorlog = "{d}/{name}-error.log"
server.username = "www-data"
server.groupname = "www-data"
server.event-handler = "linux-sysepoll"
server.max-fds = 20000
server.max-connections = 10000
server.listen-backlog = 4096
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 120
proxy.server = ("/b/" => (("host" => "127.0.0.1", "port" => {bport})),
                "/g/" => (("socket" => "{sock}")))
"""
    raise ValueError(name)


def front_command(name, build, conf):
    if name.startswith("mpmd-"):
        cmd = [os.path.join(build, "mpmd"), "-f", conf, "-D", "FOREGROUND"]
    elif name == "nginx":
        cmd = ["nginx", "-c", conf, "-p", os.path.dirname(conf)]
    elif name == "apache-event":
        cmd = ["apache2", "-f", conf, "-DFOREGROUND"]
    elif name == "h2o":
        cmd = ["h2o", "-c", conf]
    else:
        cmd = ["lighttpd", "-D", "-f", conf]
    return cmd


def pinned(cpu, cmd):
    return (["taskset", "-c", str(cpu)] + cmd) if shutil.which("taskset") else cmd


def spawn(cmd, log):
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def proxied(port, path, marker):
    """True when the front's answer carries the backend's X-Backend header."""
    r = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "--max-time", "10",
                        "http://127.0.0.1:%d%s" % (port, path)],
                       capture_output=True, text=True, timeout=15)
    head = r.stdout.lower()
    return head.startswith("http/1.1 200") and ("x-backend: " + marker) in head


def wrk(port, path, conns, seconds, sid):
    """(req/s, p99 ms, front CPU µs per request)."""
    before = procs.cpu_seconds(procs.session_pids(sid))
    out = subprocess.run(["wrk", "-t2", "-c%d" % conns, "-d%ds" % seconds, "--latency",
                          "http://127.0.0.1:%d%s" % (port, path)],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    after = procs.cpu_seconds(procs.session_pids(sid))
    r = parse.parse_wrk(out)
    if not r.requests:
        raise RuntimeError("wrk: no requests\n" + out)
    return r.requests / r.duration_s, r.p99_ms, 1e6 * (after - before) / r.requests


def slow_clients(port, path, n, seconds, sid, chunk=16384, every=0.1):
    """n clients GET path and read `chunk` bytes every `every` s for `seconds`;
    returns (front's peak RSS in MB, MB read in total)."""
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, chunk)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path.encode())
        s.setblocking(False)
        socks.append(s)
    got = 0
    peak = 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            for s in socks:
                try:
                    got += len(s.recv(chunk))
                except BlockingIOError:
                    pass
            peak = max(peak, procs.rss_kb(procs.session_pids(sid)))
            time.sleep(every)
    finally:
        for s in socks:
            s.close()
        sel.close()
    return peak / 1024, got / 1e6


def versions(build):
    def first(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    return {"mpmd": subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                                   capture_output=True, text=True).stdout.strip(),
            "nginx": first(["nginx", "-v"]), "apache2": first(["apache2", "-v"]),
            "h2o": first(["h2o", "--version"]), "lighttpd": first(["lighttpd", "-v"]),
            "gunicorn": first(["gunicorn", "--version"]), "wrk": first(["wrk", "-v"])}


def run(args):
    tmp = tempfile.mkdtemp(prefix="mpmd-bench-proxy-")
    os.chmod(tmp, 0o1777)  # fronts that drop to www-data write their logs here
    www = os.path.join(tmp, "www", "b")
    os.makedirs(www)
    for name, size in (("4k.bin", 4096), ("1m.bin", 1 << 20)):
        with open(os.path.join(www, name), "wb") as f:
            f.write(bytes((j * 7) % 251 for j in range(size)))
    os.chmod(os.path.join(tmp, "www"), 0o755)
    os.chmod(www, 0o755)
    with open(os.path.join(tmp, "hello.py"), "w") as f:
        f.write(APP)
    sock = os.path.join(tmp, "g.sock")
    bport, port = free_port(), free_port()
    with open(os.path.join(tmp, "backend.conf"), "w") as f:
        f.write(backend_conf(tmp, bport))
    log = os.path.join(tmp, "out.log")
    backend = spawn(pinned(0, ["nginx", "-c", os.path.join(tmp, "backend.conf"), "-p", tmp]),
                    log)
    gun = spawn(pinned(0, ["gunicorn", "--worker-class", "gthread", "--workers", "1",
                           "--threads", "8", "--umask", "0", "--bind", "unix:" + sock,
                           "--chdir", tmp, "hello:application"]), log)
    rows = []
    try:
        deadline = time.monotonic() + 20
        while not (accepts(bport) and os.path.exists(sock)) and time.monotonic() < deadline:
            time.sleep(0.1)
        fronts = args.fronts.split(",")
        for rnd in range(args.rounds):
            order = fronts if rnd % 2 == 0 else list(reversed(fronts))
            for name in order:
                rows += one_front(args, name, rnd + 1, tmp, port, bport, sock, log)
    finally:
        stop(backend)
        stop(gun)
        if args.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rows


def one_front(args, name, rnd, tmp, port, bport, sock, log):
    fname, text = front_conf(name, tmp, port, bport, sock)
    conf = os.path.join(tmp, fname)
    with open(conf, "w") as f:
        f.write(text)
    proc = spawn(pinned(1, front_command(name, args.build, conf)), log)
    rows = []

    def add(workload, **kv):
        kv.update(round=rnd, server=name, workload=workload)
        rows.append(kv)
        print("round %d %-13s %-10s %s" % (rnd, name, workload,
                                           " ".join("%s=%.4g" % (k, v) for k, v in kv.items()
                                                    if isinstance(v, float))), flush=True)
    try:
        deadline = time.monotonic() + 20
        while not accepts(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        if not proxied(port, "/b/4k.bin", "nginx-backend"):
            print("round %d %s: does not proxy /b/4k.bin, skipped" % (rnd, name), flush=True)
            return rows
        sid = proc.pid
        for conns in (64, 1000):
            rps, p99, cpu = wrk(port, "/b/4k.bin", conns, args.seconds, sid)
            add("4k-c%d" % conns, rps=rps, p99_ms=p99, cpu_us=cpu)
        if proxied(port, "/g/hello", "gunicorn"):
            rps, p99, cpu = wrk(port, "/g/hello", 64, args.seconds, sid)
            add("gunicorn", rps=rps, p99_ms=p99, cpu_us=cpu)
        else:
            print("round %d %s: no Unix-socket upstream to gunicorn" % (rnd, name), flush=True)
        idle = procs.rss_kb(procs.session_pids(sid)) / 1024
        peak, mb = slow_clients(port, "/b/1m.bin", 64, args.slow_seconds, sid)
        add("slow-1m", rss_idle_mb=idle, rss_peak_mb=peak, read_mb=mb)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        print("round %d %s failed: %s" % (rnd, name, e), flush=True)
    finally:
        stop(proc)
        deadline = time.monotonic() + 10
        while accepts(port) and time.monotonic() < deadline:
            time.sleep(0.1)
    return rows


METRICS = {"4k-c64": [("rps", "req/s", True), ("p99_ms", "p99 ms", False),
                      ("cpu_us", "front CPU µs/req", False)],
           "4k-c1000": [("rps", "req/s", True), ("p99_ms", "p99 ms", False),
                        ("cpu_us", "front CPU µs/req", False)],
           "gunicorn": [("rps", "req/s", True), ("p99_ms", "p99 ms", False),
                        ("cpu_us", "front CPU µs/req", False)],
           "slow-1m": [("rss_peak_mb", "peak RSS MB", False), ("rss_idle_mb", "RSS before MB", False),
                       ("read_mb", "MB read by clients", True)]}
TITLES = {"4k-c64": "4 KB, 64 connections", "4k-c1000": "4 KB, 1,000 connections",
          "gunicorn": "gunicorn hello world over a Unix socket, 64 connections",
          "slow-1m": "1 MB to 64 slow clients (16 KB per 100 ms each)"}


def medians(rows, workload, metric):
    out = {}
    for r in rows:
        if r["workload"] == workload and metric in r:
            out.setdefault(r["server"], []).append(r[metric])
    return {s: statistics.median(v) for s, v in out.items()}


def report(rows, args, command):
    lines = ["# make bench-proxy", "",
             "client (wrk) → front → backend. Backend nginx (1 worker, 4 KB and 1 MB files) "
             "and gunicorn (gthread, 1 worker, 8 threads, Unix socket) pinned to CPU 0, the "
             "front to CPU 1 with taskset; wrk (2 threads) and the slow-client reader are "
             "not pinned and share the **two cores only**. Every front first answered with "
             "the backend's X-Backend header. %d round(s) of %d s per cell, fronts "
             "alternated, medians; ratios against the best front of each column "
             "(1.00 = best)." % (args.rounds, args.seconds), "",
             "Load average at the end: %s. The machine was shared with other jobs: "
             "the figures are noisy." % " ".join("%.1f" % x for x in os.getloadavg()), "",
             "Command: `%s`" % command, ""]
    lines += ["Versions: " + "; ".join("%s: %s" % kv for kv in versions(args.build).items()), ""]
    for wl, cols in METRICS.items():
        meds = [(label, medians(rows, wl, m), hi) for m, label, hi in cols]
        servers = sorted({s for _, m, _ in meds for s in m},
                         key=lambda s: -meds[0][1].get(s, 0) if meds[0][2]
                         else meds[0][1].get(s, 1e18))
        if not servers:
            continue
        lines += ["## " + TITLES[wl], "",
                  "| front | " + " | ".join("%s | ×best" % label for label, _, _ in meds) + " |",
                  "|---|" + "--:|--:|" * len(meds)]
        for s in servers:
            cells = []
            for _, m, hi in meds:
                if s not in m:
                    cells += ["–", "–"]
                    continue
                best = max(m.values()) if hi else min(m.values())
                ratio = (m[s] / best) if best else float("nan")
                cells += ["%.4g" % m[s], "%.2f" % ratio]
            lines.append("| %s | %s |" % (s, " | ".join(cells)))
        lines.append("")
    missing = [f for f in args.fronts.split(",") if f not in {r["server"] for r in rows}]
    if missing:
        lines += ["Fronts that did not start or did not proxy: " + ", ".join(missing), ""]
    lines += ["Not in the gunicorn table: a front that cannot take a Unix-socket upstream.", "",
              "Sizing: one process per front; mpmd and Apache with ThreadsPerChild 64 (mod_proxy's "
              "and mpmd's backend pool holds at most ThreadsPerChild connections per child: with "
              "the default 25, 39 of the 64 slow clients got no byte until a connection freed), "
              "nginx and h2o one worker/thread, lighttpd its single process.", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--slow-seconds", type=int, default=6)
    ap.add_argument("--fronts", default=",".join(FRONTS))
    ap.add_argument("--quick", action="store_true",
                    help="1 round of 2 s per cell, 3 s of slow clients (~1 minute)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "docs", "benchmarks", "proxy.md"))
    args = ap.parse_args()
    command = "python3 bench/proxy.py " + " ".join(sys.argv[1:])
    if args.quick:
        args.rounds, args.seconds, args.slow_seconds = 1, 2, 3
    args.build = os.path.abspath(args.build)
    rows = run(args)
    text = report(rows, args, command)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
