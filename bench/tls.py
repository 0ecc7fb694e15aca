#!/usr/bin/env python3
"""TLS workloads: mpmd's engines against nginx, Apache mod_ssl, lighttpd and
h2o with the same Mozilla "intermediate" settings (bench/peers/tls/), server
pinned to one core and wrk to the other, servers interleaved per round.

Rows (each server, each round):
  hs-ecdsa   full handshakes/s, ECDSA P-256 certificate: a new connection per
             4 KB request (wrk, Connection: close), tickets and cache off
  hs-rsa     the same with an RSA-2048 certificate
  resumed    resumed handshakes/s: a new connection per request, tickets on
             (wrk offers the previous connection's session: SSL_clear keeps it)
  ka-64      4 KB keep-alive requests/s, 64 connections
  ka-1000    4 KB keep-alive requests/s, 1,000 connections
  file-1m    1 MB file, 16 keep-alive connections: MB/s
  idle-mem   memory per idle TLS connection (2,000 held after one request each)
and mpmd-worker-noprefetch: the worker engine with the OpenSSL 3 mitigation
off (MPMD_TLS_NO_PREFETCH=1), for the before/after row.

  python3 bench/tls.py --build build [--rounds 3] [--duration 8] [--quick]
Results: bench/results/tls-<timestamp>/results.csv and report.md.
"""
import argparse
import csv
import os
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import check, parse, procs, servers, workloads  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
TLS_PEERS = os.path.join(BENCH_DIR, "peers", "tls")
CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
           "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
           "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
           "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
SERVERS = ["mpmd-event", "mpmd-worker", "mpmd-worker-noprefetch", "mpmd-prefork", "nginx",
           "apache-event", "apache-worker", "lighttpd", "h2o"]
ROWS = {
    # name: (path, connections, keep-alive, certificate, resumption on, unit)
    "hs-ecdsa": ("/4k.bin", 64, False, "ec", False, "handshakes/s"),
    "hs-rsa": ("/4k.bin", 64, False, "rsa", False, "handshakes/s"),
    "resumed": ("/4k.bin", 64, False, "ec", True, "handshakes/s"),
    "ka-64": ("/4k.bin", 64, True, "ec", True, "req/s"),
    "ka-1000": ("/4k.bin", 1000, True, "ec", True, "req/s"),
    "file-1m": ("/1m.bin", 16, True, "ec", True, "MB/s"),
}
IDLE_CONNECTIONS = 2000


def make_certs(d):
    def run(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ec.key", "-out", "ec.pem", "-days", "30", "-subj", "/CN=127.0.0.1")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa.key", "-out", "rsa.pem",
        "-days", "30", "-subj", "/CN=127.0.0.1")
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o644)  # peers read them as www-data after dropping root


class TlsServer(servers.Server):
    """A peer with its TLS template; the rest (start, wait, stop) as the plain bench."""

    def __init__(self, name, workdir, docroot, build_dir, procs_n, row, certs, pin_cpu):
        path, _, _, cert, resume, _ = ROWS.get(row, ROWS["ka-64"])
        super().__init__(name.replace("-noprefetch", ""), workdir, docroot, build_dir, procs_n,
                         workloads.by_name(["static-4k"])[0], pin_cpu)
        self.full_name = name
        self.cert = os.path.join(certs, cert + ".pem")
        self.key = os.path.join(certs, cert + ".key")
        self.resume = resume
        self.path = path

    def command(self):
        kind, _, mpm = self.name.partition("-")
        conf = os.path.join(self.dir, "server.conf")
        on = "on" if self.resume else "off"
        values = {"PORT": self.port, "DIR": self.dir, "DOCROOT": self.docroot,
                  "PROCS": self.procs_n, "MPM": mpm, "CERT": self.cert, "KEY": self.key,
                  "CIPHERS": CIPHERS, "ONOFF": on,
                  "NGINX_CACHE": "shared:SSL:10m" if self.resume else "off",
                  "APACHE_CACHE": ("shmcb:%s/scache(512000)" % self.dir) if self.resume
                  else "none",
                  "LIGHTTPD_TICKETS": "SessionTicket" if self.resume else "-SessionTicket",
                  "H2O_TICKETS": "ssl-session-resumption:\n  mode: %s"
                  % ("all" if self.resume else "off"),
                  "WORKERS": "server.max-worker = %d" % self.procs_n if self.procs_n > 1 else "",
                  "MPM_BLOCK": servers.mpm_block(mpm, self.procs_n, kind == "apache")}
        template = {"mpmd": "mpmd.conf.in", "apache": "apache2.conf.in", "nginx": "nginx.conf.in",
                    "lighttpd": "lighttpd.conf.in", "h2o": "h2o.conf.in"}[kind]
        with open(os.path.join(TLS_PEERS, template)) as f:
            text = f.read()
        for k, v in values.items():
            text = text.replace("@%s@" % k, str(v))
        with open(conf, "w") as f:
            f.write(text)
        exe = {"mpmd": os.path.join(self.build_dir, "mpmd"),
               "apache": shutil.which("apache2") or "/usr/sbin/apache2",
               "nginx": shutil.which("nginx") or "/usr/sbin/nginx",
               "lighttpd": shutil.which("lighttpd") or "/usr/sbin/lighttpd",
               "h2o": shutil.which("h2o") or "/usr/bin/h2o"}[kind]
        return {"mpmd": [exe, "-f", conf, "-D", "FOREGROUND"],
                "apache": [exe, "-f", conf, "-DFOREGROUND"],
                "nginx": [exe, "-c", conf], "lighttpd": [exe, "-D", "-f", conf],
                "h2o": [exe, "-c", conf]}[kind]

    def start(self, timeout=15.0):
        if self.full_name.endswith("-noprefetch"):
            os.environ["MPMD_TLS_NO_PREFETCH"] = "1"
        try:
            cmd = self.command()
            pin = self.pin_cpu
            out = open(self.log_path, "wb")
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.dir,
                start_new_session=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, {pin})) if pin is not None else None)
            out.close()
        finally:
            os.environ.pop("MPMD_TLS_NO_PREFETCH", None)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise servers.StartError("failed-to-start", self.log_tail())
            if https_get(self.port, self.path):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise servers.StartError("failed-to-start", "no TLS answer: " + self.log_tail())
            time.sleep(0.1)


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def https_get(port, path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            with client_context().wrap_socket(raw) as s:
                s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                          % path.encode())
                return check.read_to_eof(s).startswith(b"HTTP/1.1 200")
    except (OSError, ssl.SSLError):
        return False


def run_wrk(port, path, conns, keepalive, duration, cpu):
    cmd = ["wrk", "-t2", "-c%d" % conns, "-d%ds" % duration, "--timeout", "10s",
           "https://127.0.0.1:%d%s" % (port, path)]
    if not keepalive:
        cmd[4:4] = ["-H", "Connection: close"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 20,
                       preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None
                       else None)
    r = parse.parse_wrk(p.stdout)
    if r is None:
        raise RuntimeError("wrk: " + (p.stdout + p.stderr)[-300:])
    return r


def idle_memory(server, n):
    """KB of server RSS per idle TLS connection: N connections, each after one request."""
    pids = server.pids()
    before = procs.rss_kb(pids)
    ctx = client_context()
    held = []
    req = b"GET /13b.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for _ in range(n):
        try:
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s = ctx.wrap_socket(raw)
            s.sendall(req)
            s.recv(4096)
            held.append(s)
        except (OSError, ssl.SSLError):
            break
    time.sleep(2)  # event loops park idle connections after a second
    after = procs.rss_kb(server.pids())
    for s in held:
        s.close()
    return (after - before) / max(1, len(held)), len(held)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="1 round, 4 s, fewer servers")
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--rows", default=",".join(list(ROWS) + ["idle-mem"]))
    ap.add_argument("--unpinned", action="store_true",
                    help="server and wrk on every core (lock contention needs threads running "
                         "at once)")
    ap.add_argument("--out", default=os.path.join(BENCH_DIR, "results",
                                                  time.strftime("tls-%Y%m%d-%H%M%S")))
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.duration = 1, 4
        a.servers = "mpmd-event,mpmd-worker,mpmd-worker-noprefetch,nginx"
    os.makedirs(a.out, exist_ok=True)
    build = os.path.abspath(a.build)
    certs = tempfile.mkdtemp(prefix="mpmd-tls-bench-certs-")
    os.chmod(certs, 0o755)
    make_certs(certs)
    docroot = tempfile.mkdtemp(prefix="mpmd-tls-bench-docroot-")
    workloads.make_docroot(docroot)
    ncpu = os.cpu_count() or 1
    server_cpu, client_cpu = (0, 1) if ncpu >= 2 and not a.unpinned else (None, None)
    rows = a.rows.split(",")
    results = []  # (round, server, row, value, unit)
    for rnd in range(a.rounds):
        for row in rows:
            names = a.servers.split(",")
            if rnd % 2:
                names.reverse()  # alternate the order between rounds
            for name in names:
                if name.endswith("-noprefetch") and row not in ("hs-ecdsa", "hs-rsa", "resumed",
                                                                "ka-64"):
                    continue
                work = tempfile.mkdtemp(prefix="mpmd-tls-bench-")
                os.chmod(work, 0o777)  # peers write logs and pid files after dropping root
                srv = TlsServer(name, work, docroot, build, 1, row, certs, server_cpu)
                try:
                    srv.start()
                    if row == "idle-mem":
                        kb, n = idle_memory(srv, IDLE_CONNECTIONS)
                        value, unit = round(kb, 2), "KB/connection (%d held)" % n
                    else:
                        path, conns, ka, _, _, unit = ROWS[row]
                        r = run_wrk(srv.port, path, conns, ka, a.duration, client_cpu)
                        value = r.bytes_per_s / 1e6 if unit == "MB/s" else r.rps
                        value = round(value, 1)
                        if r.errors:
                            unit += " (%d errors)" % r.errors
                except (servers.StartError, RuntimeError, subprocess.TimeoutExpired) as e:
                    value, unit = "", "failed: %s" % str(e)[:120]
                finally:
                    srv.stop()
                    shutil.rmtree(work, ignore_errors=True)
                results.append((rnd, name, row, value, unit))
                print("round %d %-24s %-9s %s %s" % (rnd + 1, name, row, value, unit), flush=True)
    with open(os.path.join(a.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["round", "server", "row", "value", "unit"])
        w.writerows(results)
    names = a.servers.split(",")
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("# TLS benchmark (medians of %d rounds, %d s each)\n\n" % (a.rounds, a.duration))
        f.write("| row | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names) + "\n")
        for row in rows:
            cells = []
            for name in names:
                vals = [v for (_, s, r, v, _) in results if s == name and r == row and v != ""]
                cells.append("%.1f" % statistics.median(vals) if vals else "-")
            f.write("| %s | %s |\n" % (row, " | ".join(cells)))
    print(open(os.path.join(a.out, "report.md")).read())
    shutil.rmtree(certs, ignore_errors=True)
    shutil.rmtree(docroot, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
