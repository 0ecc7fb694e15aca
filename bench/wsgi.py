#!/usr/bin/env python3
"""make bench-wsgi: the same WSGI application on mpmd and on the WSGI servers people
pick (all from Debian), Nicholas Piel's 2010 benchmark of WSGI servers redone:
keep-alive clients (wrk) at concurrency 1, 64 and 512 against

  apps     hello world, a 10 ms I/O wait (time.sleep), 5 ms of pure-Python CPU,
           a Flask JSON endpoint (bench/wsgi/app.py)
  servers  mpmd prefork, worker, event (embedded) and event + a daemon process group;
           gunicorn sync, gthread, gevent; uWSGI processes+threads and its gevent loop;
           Apache mod_wsgi embedded and daemon; waitress

with one budget for all: BUDGET_P processes x BUDGET_T threads (8 Python workers;
single-threaded models get 8 processes, single-process waitress 8 threads). Each
server is started once per round and gets every app x concurrency; the order of
the servers alternates between rounds; figures are medians over rounds.

  python3 bench/wsgi.py --build build [--rounds 2] [--seconds 5] [--only mpmd-event,...]
  python3 bench/wsgi.py --preload --build build     # private memory with/without preload

Reports: req/s, p50/p99 latency, errors (socket errors + non-2xx), total RSS of the
server's processes after the run. Everything listens on 127.0.0.1 and is stopped at
the end, also on failure."""
import argparse
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lib import loadgen  # noqa: E402

APP_DIR = os.path.join(HERE, "wsgi")
BUDGET_P, BUDGET_T = 2, 4
FRONT_THREADS = 32  # daemon modes: threads of the front server (mpmd event, Apache event)
APPS = [("hello", "/hello"), ("io10ms", "/io"), ("cpu5ms", "/cpu"), ("flask", "/flask/json")]
CONCURRENCY = [1, 64, 512]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=2) as r:
                if r.status == 200:
                    return True
        except Exception:
            time.sleep(0.1)
    return False


def settle(port, timeout=60.0):
    """Waits until the server answers /hello within a second: the requests a run left
    queued (512 connections of 5 ms CPU each) must not count against the next."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/hello" % port, timeout=5) as r:
                r.read()
            if time.monotonic() - t0 < 1.0:
                return
        except Exception:
            time.sleep(0.2)


def group_rss_kb(pgid):
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5: pgrp
                continue
            with open("/proc/%s/status" % entry) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total


class Server:
    def __init__(self, name, build, tmp):
        self.name = name
        self.build = build
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp, exist_ok=True)
        self.port = free_port()
        self.proc = None

    def command(self):
        n, p, t, d = self.name, BUDGET_P, BUDGET_T, self.tmp
        bind = "127.0.0.1:%d" % self.port
        app = os.path.join(APP_DIR, "app.py")
        if n.startswith("mpmd-"):
            return [os.path.join(self.build, "mpmd"), "-f", self.mpmd_conf(), "-D", "FOREGROUND"]
        if n == "gunicorn-sync":
            return ["gunicorn", "-b", bind, "-w", str(p * t), "--chdir", APP_DIR, "app:application"]
        if n == "gunicorn-gthread":
            return ["gunicorn", "-b", bind, "-w", str(p), "-k", "gthread", "--threads", str(t),
                    "--chdir", APP_DIR, "app:application"]
        if n == "gunicorn-gevent":
            return ["gunicorn", "-b", bind, "-w", str(p), "-k", "gevent",
                    "--worker-connections", "1000", "--chdir", APP_DIR, "app:application"]
        if n == "uwsgi-threads":
            return ["uwsgi", "--plugin", "python3", "--http11-socket", bind, "--master",
                    "--processes", str(p), "--threads", str(t), "--wsgi-file", app,
                    "--disable-logging", "--listen", "1024", "--die-on-term"]
        if n == "uwsgi-gevent":
            # uWSGI's gevent loop serves --http-socket without keep-alive: each
            # response says so, and the client reconnects.
            return ["uwsgi", "--plugins", "python3,gevent_python3", "--http-socket", bind,
                    "--add-header", "Connection: close",
                    "--master", "--processes", str(p), "--gevent", "1000",
                    "--gevent-monkey-patch", "--wsgi-file", app, "--disable-logging",
                    "--listen", "1024", "--die-on-term"]
        if n.startswith("apache-"):
            return ["apache2", "-f", self.apache_conf(), "-DFOREGROUND"]
        if n == "waitress":
            return ["waitress-serve", "--listen=" + bind, "--threads=%d" % (p * t),
                    "--connection-limit=1000", "app:application"]
        raise ValueError(n)

    def mpmd_conf(self):
        engine = self.name.split("-")[1]
        lines = ["ServerRoot %s" % self.tmp, "Listen 127.0.0.1:%d" % self.port,
                 "MPM %s" % engine, "ErrorLog %s/error.log" % self.tmp, "LogLevel warn",
                 "PidFile %s/mpmd.pid" % self.tmp, "DocumentRoot %s" % self.tmp,
                 "WSGIApplicationGroup %{GLOBAL}"]  # keep-alive: Apache's defaults
        p, t = BUDGET_P, BUDGET_T
        if engine == "prefork":
            lines += ["StartServers %d" % (p * t), "MinSpareServers %d" % (p * t),
                      "MaxSpareServers %d" % (p * t), "ServerLimit %d" % (p * t),
                      "MaxRequestWorkers %d" % (p * t)]
        elif engine == "worker":
            lines += ["StartServers %d" % p, "ThreadsPerChild %d" % t, "ServerLimit %d" % p,
                      "MaxRequestWorkers %d" % (p * t), "MinSpareThreads %d" % t,
                      "MaxSpareThreads %d" % (p * t)]
        elif self.name.endswith("-daemon"):
            # The children only forward to the daemons (whose threads are the
            # budget): front-end threads as many as Apache's in apache-daemon.
            lines += ["StartServers %d" % p, "ThreadsPerChild %d" % FRONT_THREADS]
        else:
            lines += ["StartServers %d" % p, "ThreadsPerChild %d" % t]
        script = os.path.join(APP_DIR, "app.py")
        if self.name.endswith("-daemon"):
            lines += ["WSGIDaemonProcess bench processes=%d threads=%d" % (p, t),
                      "WSGIScriptAlias / %s process-group=bench" % script]
        else:
            lines += ["WSGIScriptAlias / %s" % script]
        path = os.path.join(self.tmp, "mpmd.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def apache_conf(self):
        p, t, d = BUDGET_P, BUDGET_T, self.tmp
        script = os.path.join(APP_DIR, "app.py")
        daemon = self.name.endswith("-daemon")
        ft = FRONT_THREADS if daemon else t
        wsgi = ("WSGIDaemonProcess bench processes=%d threads=%d python-path=%s "
                "user=www-data group=www-data\n"
                "WSGIProcessGroup bench\n" % (p, t, APP_DIR)
                if self.name.endswith("-daemon") else "WSGIPythonPath %s\n" % APP_DIR)
        text = f"""ServerRoot "{d}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
ListenBacklog 4096
PidFile "{d}/httpd.pid"
DefaultRuntimeDir "{d}"
Mutex file:{d} default
ErrorLog "{d}/error.log"
LogLevel warn
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so
User www-data
Group www-data
StartServers {p}
ServerLimit {p}
ThreadsPerChild {ft}
ThreadLimit {ft}
MaxRequestWorkers {p * ft}
MinSpareThreads {ft}
MaxSpareThreads {p * ft}
KeepAlive On
DocumentRoot "{d}"
<Directory />
    Require all granted
</Directory>
WSGIApplicationGroup %{{GLOBAL}}
{wsgi}WSGIScriptAlias / {script}
"""
        path = os.path.join(d, "apache2.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = APP_DIR
        # Debian's interpreter for every server (not one found first on PATH).
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
        log = open(os.path.join(self.tmp, "output.log"), "ab")
        self.proc = subprocess.Popen(self.command(), cwd=APP_DIR, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        log.close()
        if not wait_ready(self.port, "/hello") or not wait_ready(self.port, "/flask/json"):
            self.stop()
            raise RuntimeError("%s did not start; see %s/output.log" % (self.name, self.tmp))
        time.sleep(1.0)  # let every worker finish starting

    def stop(self):
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 8), (signal.SIGKILL, 3)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None


SERVERS = ["mpmd-prefork", "mpmd-worker", "mpmd-event", "mpmd-event-daemon", "gunicorn-sync",
           "gunicorn-gthread", "gunicorn-gevent", "uwsgi-threads", "uwsgi-gevent",
           "apache-embedded", "apache-daemon", "waitress"]


def run_matrix(args):
    servers = args.only.split(",") if args.only else SERVERS
    tmp = tempfile.mkdtemp(prefix="mpmd-bench-wsgi-")
    rows = []
    try:
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else list(reversed(servers))
            for name in order:
                s = Server(name, args.build, tmp)
                try:
                    s.start()
                except RuntimeError as e:
                    print("round %d: %s" % (rnd + 1, e), flush=True)
                    continue
                try:
                    for app, path in APPS:
                        for conns in CONCURRENCY:
                            settle(s.port)
                            try:
                                r = loadgen.run_wrk(s.port, path, conns, args.seconds,
                                                    threads=min(2, conns))
                                rss = group_rss_kb(s.proc.pid)
                                row = dict(round=rnd + 1, server=name, app=app, conns=conns,
                                           rps=r.requests / r.duration_s, p50_ms=r.p50_ms,
                                           p99_ms=r.p99_ms, errors=r.errors + r.non2xx,
                                           rss_mb=rss / 1024)
                            except loadgen.LoadError as e:
                                row = dict(round=rnd + 1, server=name, app=app, conns=conns,
                                           rps=0, p50_ms=0, p99_ms=0, errors=-1, rss_mb=0)
                                print("  %s %s c=%d: %s" % (name, app, conns, e), flush=True)
                            rows.append(row)
                            print("round %d %-18s %-7s c=%-3d %8.0f req/s p50 %7.2f p99 %8.2f "
                                  "ms errors %5d rss %6.0f MB"
                                  % (rnd + 1, name, app, conns, row["rps"], row["p50_ms"],
                                     row["p99_ms"], row["errors"], row["rss_mb"]), flush=True)
                finally:
                    s.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def report(rows, out_dir, args):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    lines = ["# make bench-wsgi", "",
             "%d rounds of %d s per cell, servers alternated; medians over rounds. Budget: %d "
             "processes x %d threads. Machine: %d cores, load average %s."
             % (args.rounds, args.seconds, BUDGET_P, BUDGET_T, os.cpu_count(),
                " ".join("%.1f" % x for x in os.getloadavg())), ""]
    for app, _ in APPS:
        for conns in CONCURRENCY:
            lines += ["## %s, %d connection%s" % (app, conns, "" if conns == 1 else "s"), "",
                      "| server | req/s | p50 ms | p99 ms | errors | RSS MB |",
                      "|---|--:|--:|--:|--:|--:|"]
            cell = {}
            for r in rows:
                if r["app"] == app and r["conns"] == conns:
                    cell.setdefault(r["server"], []).append(r)
            ranked = sorted(cell.items(),
                            key=lambda kv: -statistics.median(x["rps"] for x in kv[1]))
            for name, rs in ranked:
                med = lambda k: statistics.median(x[k] for x in rs)  # noqa: E731
                lines.append("| %s | %.0f | %.2f | %.2f | %d | %.0f |"
                             % (name, med("rps"), med("p50_ms"), med("p99_ms"),
                                sum(max(x["errors"], 0) for x in rs), med("rss_mb")))
            lines.append("")
    text = "\n".join(lines)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(text + "\n")
    print(text)


def smaps_rollup(pid):
    out = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                    out[parts[0][:-1]] = int(parts[1])
    except OSError:
        pass
    return out


def preload(args):
    """Private memory per child with and without WSGIImportScript (gc.freeze)."""
    results = []
    for engine in ("prefork", "worker", "event"):
        for mode in ("child", "preload"):
            tmp = tempfile.mkdtemp(prefix="mpmd-bench-preload-")
            port = free_port()
            script = os.path.join(APP_DIR, "regex_app.py")
            conf = ["ServerRoot %s" % tmp, "Listen 127.0.0.1:%d" % port, "MPM %s" % engine,
                    "ErrorLog %s/error.log" % tmp, "PidFile %s/pid" % tmp,
                    "DocumentRoot %s" % tmp, "WSGIApplicationGroup %{GLOBAL}",
                    "WSGIScriptAlias / %s" % script]
            children = 4 if engine == "prefork" else 2
            if engine == "prefork":
                conf += ["StartServers 4", "MinSpareServers 4", "MaxSpareServers 4",
                         "ServerLimit 4", "MaxRequestWorkers 4"]
            else:
                conf += ["StartServers 2", "ThreadsPerChild 4", "ServerLimit 2",
                         "MaxRequestWorkers 8", "MinSpareThreads 4", "MaxSpareThreads 8"]
            if mode == "preload":
                conf.append("WSGIImportScript %s application-group=%%{GLOBAL}" % script)
            with open(os.path.join(tmp, "mpmd.conf"), "w") as f:
                f.write("\n".join(conf) + "\n")
            proc = subprocess.Popen([os.path.join(args.build, "mpmd"), "-f",
                                     os.path.join(tmp, "mpmd.conf"), "-D", "FOREGROUND"],
                                    start_new_session=True, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                started = time.monotonic()
                wait_ready(port, "/route1/2/x", timeout=120)
                # Every child has imported the app: enough requests on fresh connections.
                deadline = time.monotonic() + 120
                seen = set()
                while len(seen) < children and time.monotonic() < deadline:
                    with urllib.request.urlopen("http://127.0.0.1:%d/route1/2/x" % port) as r:
                        seen.add(int(r.read().split()[2]))
                first = time.monotonic() - started
                kids = [int(p) for p in os.listdir("/proc") if p.isdigit() and
                        _ppid(int(p)) == proc.pid and "mpmd-" in _comm(int(p))]
                roll = [smaps_rollup(k) for k in kids]
                priv = [(r.get("Private_Clean", 0) + r.get("Private_Dirty", 0)) / 1024 for r in roll]
                pss = [r.get("Pss", 0) / 1024 for r in roll]
                rss = [r.get("Rss", 0) / 1024 for r in roll]
                results.append(dict(engine=engine, mode=mode, children=len(kids),
                                    ready_s=first, rss_mb=statistics.mean(rss) if rss else 0,
                                    pss_mb=statistics.mean(pss) if pss else 0,
                                    private_mb=statistics.mean(priv) if priv else 0,
                                    master_rss_mb=smaps_rollup(proc.pid).get("Rss", 0) / 1024))
                print(results[-1], flush=True)
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)
                shutil.rmtree(tmp, ignore_errors=True)
    lines = ["| engine | mode | children | all answering after (s) | RSS/child MB | "
             "PSS/child MB | private/child MB | master RSS MB |", "|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        lines.append("| %s | %s | %d | %.1f | %.0f | %.0f | %.1f | %.0f |"
                     % (r["engine"], r["mode"], r["children"], r["ready_s"], r["rss_mb"],
                        r["pss_mb"], r["private_mb"], r["master_rss_mb"]))
    text = "\n".join(lines)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "preload.md"), "w") as f:
        f.write(text + "\n")
    print(text)


def _ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return -1


def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read()
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--preload", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results",
                                                  "wsgi-" + time.strftime("%Y%m%d-%H%M%S")))
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.preload:
        return preload(args)
    rows = run_matrix(args)
    if rows:
        report(rows, args.out, args)


if __name__ == "__main__":
    main()
