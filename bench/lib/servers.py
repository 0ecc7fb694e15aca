"""The servers compared: how to configure (bench/peers/*.in), start in the
foreground in a temp dir on a free loopback port, wait for, and stop each one."""
import os
import shutil
import signal
import socket
import subprocess
import time

from . import check, procs

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_DIR = os.path.join(BENCH_DIR, "peers")
APACHE_MODULES = "/usr/lib/apache2/modules"

# Concurrency settings shared by the Apache and mpmd configs of each MPM.
EVENT_THREADS = 64      # threads per process; connections wait in the event loop
BLOCKING_WORKERS = 256  # worker threads per process / prefork processes (Apache's default)

# Idle connections a server can hold at most under the fd limit, when lower than
# the harness's N (lighttpd refuses more than max-fds / 2 connections).
HELD_CAP = {"lighttpd": 9800}

SERVERS = ["mpmd-event", "mpmd-worker", "mpmd-prefork", "nginx", "apache-event",
           "apache-worker", "apache-prefork", "lighttpd", "h2o", "baseline"]


class StartError(Exception):
    def __init__(self, status, note):
        super().__init__(note)
        self.status = status  # "missing" | "failed-to-start" | "wrong-answer"
        self.note = note


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    """Whether something accepts connections on 127.0.0.1:PORT now."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def mpm_block(mpm, procs_n, for_apache):
    if mpm == "prefork":
        n = BLOCKING_WORKERS
        return "\n".join(["StartServers %d" % n, "MinSpareServers 1", "MaxSpareServers %d" % n,
                          "ServerLimit %d" % n, "MaxRequestWorkers %d" % n,
                          "MaxConnectionsPerChild 0"])
    threads = EVENT_THREADS if mpm == "event" else BLOCKING_WORKERS
    lines = ["StartServers %d" % procs_n, "ServerLimit %d" % procs_n,
             "ThreadLimit %d" % threads, "ThreadsPerChild %d" % threads,
             "MaxRequestWorkers %d" % (threads * procs_n), "MinSpareThreads 1",
             "MaxSpareThreads %d" % (threads * procs_n), "MaxConnectionsPerChild 0"]
    if mpm == "event" and for_apache:
        lines.append("AsyncRequestWorkerFactor 256")
    return "\n".join(lines)


def access_log_line(kind, path):
    if kind == "nginx":
        return "access_log %s combined;" % path if path else "access_log off;"
    if kind in ("apache", "mpmd"):
        return "CustomLog \"%s\" combined" % path if path else ""
    if kind == "lighttpd":
        return ('server.modules += ("mod_accesslog")\naccesslog.filename = "%s"' % path
                if path else "")
    if kind == "h2o":
        return "access-log: %s" % path if path else ""
    return ""


def render(template, values):
    with open(os.path.join(PEERS_DIR, template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, str(v))
    return text


class Server:
    """One server instance for one run."""

    def __init__(self, name, workdir, docroot, build_dir, procs_n, workload, pin_cpu):
        self.name = name
        self.dir = workdir
        self.docroot = docroot
        self.build_dir = build_dir
        self.procs_n = procs_n
        self.workload = workload
        self.pin_cpu = pin_cpu  # None = unpinned
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(workdir, "server.out")
        self.access_log = os.path.join(workdir, "access.log") if workload.access_log else ""

    def command(self):
        kind, _, mpm = self.name.partition("-")
        values = {"PORT": self.port, "DIR": self.dir, "DOCROOT": self.docroot,
                  "PROCS": self.procs_n, "MPM": mpm}
        conf = os.path.join(self.dir, "server.conf")

        def write(template, extra):
            values.update(extra)
            with open(conf, "w") as f:
                f.write(render(template, values))

        if kind == "baseline":
            exe = os.path.join(self.build_dir, "bench", "mpmd-baseline")
            cmd = [exe, "--port", str(self.port), "--body-size", str(self.workload.size),
                   "--procs", str(self.procs_n)]
            return cmd + (["--close"] if not self.workload.keepalive else [])
        if kind == "mpmd":
            exe = os.path.join(self.build_dir, "mpmd")
            write("mpmd.conf.in", {"MPM_BLOCK": mpm_block(mpm, self.procs_n, False),
                                   "ACCESS_LOG": access_log_line("mpmd", self.access_log)})
            return [exe, "-f", conf, "-D", "FOREGROUND"]
        if kind == "apache":
            write("apache2.conf.in", {"MPM_BLOCK": mpm_block(mpm, self.procs_n, True),
                                      "ACCESS_LOG": access_log_line("apache", self.access_log)})
            return [shutil.which("apache2") or "/usr/sbin/apache2", "-f", conf, "-DFOREGROUND"]
        if kind == "nginx":
            write("nginx.conf.in", {"ACCESS_LOG": access_log_line("nginx", self.access_log)})
            return [shutil.which("nginx") or "/usr/sbin/nginx", "-c", conf]
        if kind == "lighttpd":
            workers = "server.max-worker = %d" % self.procs_n if self.procs_n > 1 else ""
            write("lighttpd.conf.in", {"WORKERS": workers,
                                       "ACCESS_LOG": access_log_line("lighttpd", self.access_log)})
            return [shutil.which("lighttpd") or "/usr/sbin/lighttpd", "-D", "-f", conf]
        if kind == "h2o":
            write("h2o.conf.in", {"ACCESS_LOG": access_log_line("h2o", self.access_log)})
            return [shutil.which("h2o") or "/usr/bin/h2o", "-c", conf]
        raise ValueError("unknown server %s" % self.name)

    def start(self, timeout=15.0):
        cmd = self.command()
        if not os.path.exists(cmd[0]):
            raise StartError("missing", "%s not found" % cmd[0])
        if self.name.startswith("apache") and not os.path.exists(
                os.path.join(APACHE_MODULES, "mod_mpm_%s.so" % self.name.split("-")[1])):
            raise StartError("missing", "apache2 MPM module not installed")
        pin = self.pin_cpu

        def preexec():
            if pin is not None:
                os.sched_setaffinity(0, {pin})

        out = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir,
                                     start_new_session=True, preexec_fn=preexec)
        out.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise StartError("failed-to-start", "exited with %s: %s"
                                 % (self.proc.returncode, self.log_tail()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise StartError("failed-to-start", "no listener after %.0fs: %s"
                                     % (timeout, self.log_tail()))
                time.sleep(0.05)
        wrong = check.check(self.port, self.workload.path, self.workload.size)
        if wrong:
            self.stop()
            raise StartError("wrong-answer", wrong)

    def log_tail(self, n=300):
        text = ""
        for path in (self.log_path, os.path.join(self.dir, "error.log")):
            try:
                with open(path, "rb") as f:
                    text += f.read().decode("utf-8", "replace")
            except OSError:
                pass
        text = " ".join(text.split())
        return text[-n:] if text else "(no output)"

    def pids(self):
        return procs.session_pids(self.proc.pid) if self.proc else []

    def stop(self, timeout=5.0):
        if not self.proc:
            return
        pid = self.proc.pid
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.proc.poll()
            if not procs.session_pids(pid):
                break
            time.sleep(0.05)
        for p in procs.session_pids(pid):  # stragglers, by id
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None
