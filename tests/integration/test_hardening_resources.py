#!/usr/bin/env python3
"""Suite hardening_resources: descriptor exhaustion and connection limits, per engine.

* accept() failing with EMFILE: the server runs under a lowered RLIMIT_NOFILE (hard and
  soft: mpmd raises its soft limit to the hard one), the test opens more idle connections
  than it can hold; the master and children then use little CPU (no accept loop spinning),
  MPMD0006 is logged once per burst (at most twice per child), and service is back once
  the connections close. Not for prefork: a prefork child holds one connection at a
  time, so it never runs out of descriptors by accepting.
* WorkerConnections N (event): at N connections the child stops accepting and logs
  MPMD0025, mpmd_connections_refused_total increases, and it accepts again below 90%.
"""

import os
import resource
import socket
import subprocess
import time
import unittest
from pathlib import Path

import mpmd_harness as h

NOFILE = 64  # RLIMIT_NOFILE of the event server in the EMFILE test (worker: measured)
THREADS = 32  # worker: ThreadsPerChild in the EMFILE test
IDLE_CONNECTIONS = 150  # more than the server can hold
CPU_WINDOW = 2.0  # seconds over which the CPU use is measured
CPU_LIMIT = 0.3  # seconds of CPU (all server processes together) allowed in the window
WORKER_CONNECTIONS = 20


def cpu_seconds(pid):
    """utime + stime of PID (all its threads) in seconds, 0 if gone."""
    try:
        data = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return 0.0
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def count_in_log(path, needle):
    try:
        return Path(path).read_text(errors="replace").count(needle)
    except OSError:
        return 0


class LimitedServer(h.Server):
    """A Server whose master starts with RLIMIT_NOFILE = nofile (soft and hard)."""

    def __init__(self, extra, nofile, **kw):
        self.nofile = nofile
        super().__init__(extra, **kw)

    def _spawn(self, cmd):
        nofile = self.nofile

        def preexec():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            h._set_pdeathsig()

        out = open(self.output, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, cwd=self.tmp,
                                     start_new_session=True, preexec_fn=preexec)
        out.close()


def open_idle(port, n):
    """N connected sockets that send nothing (connect completes in the kernel's queue)."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect((h.HOST, port))
        socks.append(s)
    return socks


def close_all(socks):
    for s in socks:
        s.close()


def request_ok(port, timeout=2.0):
    try:
        status, _, body = h.http_get(port, "/index.html", timeout=timeout)
    except (OSError, EOFError):
        return False
    return status == 200 and body == h.INDEX_HTML


class Resources(unittest.TestCase):
    def start(self, server):
        self.server = server
        self.addCleanup(server.stop)
        server.start()
        h.wait_until(lambda: len(server.children()) >= 1, 5)
        time.sleep(0.5)  # the children finish starting
        return server.port

    def emfile_burst(self):
        """Starts a server under RLIMIT_NOFILE=NOFILE, holds IDLE_CONNECTIONS idle ones for
        1 + CPU_WINDOW s; returns (server pids, CPU seconds in the window, MPMD0006 lines)."""
        if h.ENGINE == "prefork":
            self.skipTest("a prefork child holds one connection: accept never hits EMFILE")
        extra = ("RequestReadTimeout header=60 body=60\n"  # the idle connections stay
                 "WorkerConnections 10000\n"  # event: the fd limit, not this, is reached
                 "ThreadsPerChild %d\nMaxRequestWorkers %d\n" % (THREADS, THREADS))
        nofile = NOFILE if h.ENGINE == "event" else self.worker_nofile(extra)
        port = self.start(LimitedServer(extra, nofile, start_servers=1))
        pids = [self.server.proc.pid] + self.server.children()
        self.assertTrue(request_ok(port), "no service before the burst")
        before = count_in_log(self.server.error_log, "MPMD0006")
        socks = open_idle(port, IDLE_CONNECTIONS)
        try:
            time.sleep(1.0)  # the server takes what it can and hits EMFILE
            cpu0 = sum(cpu_seconds(p) for p in pids)
            time.sleep(CPU_WINDOW)
            cpu = sum(cpu_seconds(p) for p in pids) - cpu0
            lines = count_in_log(self.server.error_log, "MPMD0006") - before
        finally:
            close_all(socks)
        print("\nEMFILE [%s]: %d idle connections against RLIMIT_NOFILE %d: %.3f s CPU in "
              "%.0f s, %d MPMD0006 lines in %.0f s" % (h.ENGINE, IDLE_CONNECTIONS, nofile, cpu,
                                                     CPU_WINDOW, lines, CPU_WINDOW + 1), flush=True)
        return pids, cpu, lines

    def worker_nofile(self, extra):
        """worker: the descriptors an idle child uses (several per thread), plus room for
        half of its threads' connections, so that the other half's accept hits EMFILE."""
        probe = h.Server(extra, start_servers=1)
        try:
            probe.start()
            h.wait_until(lambda: probe.children(), 5)
            self.assertTrue(request_ok(probe.port))
            time.sleep(0.5)
            idle = max(len(os.listdir("/proc/%d/fd" % pid)) for pid in probe.children())
        finally:
            probe.cleanup()
        return idle + THREADS // 2

    def test_emfile_does_not_spin_and_recovers(self):
        pids, cpu, lines = self.emfile_burst()
        self.assertLess(cpu, CPU_LIMIT, "the server spins while accept fails")
        self.assertGreaterEqual(lines, 1, "EMFILE not logged (MPMD0006)")
        recovered = h.wait_until(lambda: request_ok(self.server.port), 10, interval=0.2)
        self.assertTrue(recovered, "no service after the idle connections closed")
        self.assertTrue(self.server.running())
        self.assertEqual(sorted(pids[1:]), self.server.children(), "children died")

    def test_emfile_logged_once_per_burst(self):
        pids, _, lines = self.emfile_burst()
        # Once per burst of failed accepts, not once per accept (hundreds here). A
        # burst ends at the first accept that succeeds: on a loaded machine (the
        # sanitizer trees) a connection the server closes mid-window frees a
        # descriptor and a new burst may start, so up to 3 per child.
        self.assertLessEqual(lines, 3 * (len(pids) - 1), "MPMD0006 logged %d times in one "
                             "3 s burst" % lines)

    def test_worker_connections_limit(self):
        if h.ENGINE != "event":
            self.skipTest("WorkerConnections is the event engine's")
        port = self.start(h.Server("WorkerConnections %d\n" % WORKER_CONNECTIONS
                                   + h.STATUS_LOCATIONS, start_servers=1))
        refused0 = h.metrics(port).get("mpmd_connections_refused_total", 0.0)
        held = []
        self.addCleanup(close_all, held)
        for _ in range(WORKER_CONNECTIONS):  # each answered once, then idle (keep-alive)
            s = h.connect(port, timeout=5)
            held.append(s)
            s.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
            self.assertEqual(h.Reader(s).read_response().status, 200)
        waiting = h.connect(port, timeout=1.5)
        held.append(waiting)
        waiting.sendall(b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        with self.assertRaises(socket.timeout, msg="answered beyond WorkerConnections"):
            waiting.recv(1)
        self.assertTrue(h.wait_until(lambda: count_in_log(self.server.error_log, "MPMD0025"), 2),
                        "MPMD0025 not logged at the limit")
        held.pop(0).close()  # 19 of 20: above 90%, still not accepting
        with self.assertRaises(socket.timeout, msg="accepting again above 90%"):
            waiting.recv(1)
        for _ in range(2):  # 17 of 20: below 90%
            held.pop(0).close()
        waiting.settimeout(5)
        resp = h.Reader(waiting).read_response()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.body, h.content_4k())
        refused = h.metrics(port).get("mpmd_connections_refused_total", 0.0)
        print("\nWorkerConnections %d: refused_total %g -> %g" % (WORKER_CONNECTIONS, refused0,
                                                                 refused), flush=True)
        self.assertGreater(refused, refused0, "mpmd_connections_refused_total did not increase")


if __name__ == "__main__":
    h.main()
