#!/usr/bin/env python3
"""Suite hardening_slowloris: many slow clients at once, per engine (run serially).

* event: 5,000 slowloris connections (two client processes, each a poll loop
  over non-blocking sockets, sending one header line per second) are held open, and a
  concurrent client doing sequential requests on fresh connections sees p99 < 50 ms.
  The prefork and worker engines give each connection a process or thread: there the
  test is skipped (it would measure MaxRequestWorkers, see the slowhttptest test).
* slowhttptest (Debian's, slowloris mode: -c 500 -H -i 5 -r 200 -l 15):
  event: a normal request every 0.5 s during the attack, every one answered, no child
  replaced;
  prefork/worker: the documented limit. Each slow connection holds a process or thread
  until RequestReadTimeout cuts it (header=5-8 here), and connections wait in the listen
  queue in arrival order, so during the attack a normal request may wait for about
  (slow connections / MaxRequestWorkers) x 5..8 s (prefork: longer while the spare pool
  is still forking children). The test prints the share of answered polls and the
  longest gap, and asserts that service is back within the header stage's maximum
  (8 s) + 2 s once the attack ends.
"""

import multiprocessing
import os
import resource
import select
import shutil
import signal
import socket
import subprocess
import time
import unittest

import mpmd_harness as h

SLOWLORIS = 5000
SLOWLORIS_PROCS = 2
MEASURE_SECONDS = 6.0
P99_LIMIT_MS = 50.0
# Under ASan/TSan (scripts/sanitize-tests sets MPMD_SANITIZER) the server runs several
# times slower: the latency bar is the normal build's; sanitized runs check the rest.
SANITIZED = bool(os.environ.get("MPMD_SANITIZER"))
# slowhttptest's test: RequestReadTimeout header=5-8. Its connections send ~70 bytes
# every 5 s, far under MinRate, so each is cut after 5 s (8 at most).
HEADER_MIN, HEADER_MAX = 5, 8
RECOVERY_LIMIT = HEADER_MAX + 2.0  # after the attack ends (its sockets close at once)


def slowloris_client(port, n, pipe):
    """Child process: N slow connections; one header line each per second until told to stop."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    deadline = time.monotonic() + 45  # never outlive the test
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((h.HOST, port))
        socks.append(s)
        if i % 250 == 249:
            time.sleep(0.05)  # let the accept queue drain
    pending, open_ = {s.fileno(): s for s in socks}, []
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    head = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n"
    while pending and time.monotonic() < deadline - 30:
        for fd, _ in poller.poll(500):
            poller.unregister(fd)
            s = pending.pop(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                try:
                    s.send(head)
                    open_.append(s)
                except OSError:
                    s.close()
    pipe.send(("ready", len(open_)))
    closed_by_server = 0
    while time.monotonic() < deadline and not pipe.poll(0):
        alive = []
        for s in open_:
            try:
                s.recv(4096)
                closed_by_server += 1  # an answer (408) or EOF: the server let go
                s.close()
                continue
            except BlockingIOError:
                pass
            except OSError:
                closed_by_server += 1
                s.close()
                continue
            try:
                s.send(b"X-a: b\r\n")
            except BlockingIOError:
                pass
            except OSError:
                closed_by_server += 1
                s.close()
                continue
            alive.append(s)
        open_ = alive
        time.sleep(1.0)
    pipe.send(("done", len(open_), closed_by_server))
    for s in open_:
        s.close()


def latency_ms(port):
    """One GET /index.html over a fresh connection; milliseconds, or None on failure."""
    t0 = time.perf_counter()
    try:
        resp, _ = h.exchange(port, b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n"
                             b"Connection: close\r\n\r\n", timeout=5)
    except (OSError, EOFError, ValueError):
        return None
    if resp.status != 200 or resp.body != h.INDEX_HTML:
        return None
    return (time.perf_counter() - t0) * 1000


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


class Slowloris(unittest.TestCase):
    server = None

    def start(self, extra):
        self.server = h.Server(extra)
        self.addCleanup(self.server.stop)
        self.server.start()
        h.wait_until(lambda: len(self.server.children()) >= 2, 5)  # StartServers 2
        return self.server.port

    def test_event_5000_slowloris_keep_p99_low(self):
        if h.ENGINE != "event":
            self.skipTest("one process/thread per connection: see the slowhttptest test")
        if h.EVENT_BACKEND == "select":
            self.skipTest("EventBackend select waits for descriptors below FD_SETSIZE only: "
                          "WorkerConnections is capped under 1024 per child (MPMD0400)")
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != resource.RLIM_INFINITY and hard < SLOWLORIS + 1000:
            self.skipTest("RLIMIT_NOFILE hard limit %d < %d" % (hard, SLOWLORIS + 1000))
        port = self.start("RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500\n"
                          "ListenBacklog 4096\n" + h.STATUS_LOCATIONS)
        kids = set(self.server.children())
        ctx = multiprocessing.get_context("fork")
        procs, pipes = [], []
        for _ in range(SLOWLORIS_PROCS):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=slowloris_client, args=(port, SLOWLORIS // SLOWLORIS_PROCS,
                                                           child), daemon=True)
            p.start()
            procs.append(p)
            pipes.append(parent)
        self.addCleanup(lambda: [p.kill() for p in procs if p.is_alive()])
        established = 0
        for pipe in pipes:
            self.assertTrue(pipe.poll(20), "slowloris clients not connected within 20 s")
            established += pipe.recv()[1]
        self.assertGreaterEqual(established, SLOWLORIS * 0.99,
                                "only %d slowloris connections established" % established)
        # Held by the server itself, not waiting in the listen queue.
        def conns_total():
            total = int(h.status_auto(port).get("ConnsTotal", 0))
            return total if total >= SLOWLORIS * 0.99 else 0

        held = h.wait_until(conns_total, 10, interval=0.5)
        self.assertTrue(held, "server-status: %s" % h.status_auto(port))
        samples, failures = [], 0
        end = time.monotonic() + MEASURE_SECONDS
        while time.monotonic() < end:
            ms = latency_ms(port)
            if ms is None:
                failures += 1
            else:
                samples.append(ms)
        still_open = 0
        for pipe in pipes:
            pipe.send("stop")
            self.assertTrue(pipe.poll(10), "slowloris client did not report")
            still_open += pipe.recv()[1]
        for p in procs:
            p.join(10)
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        print("\nslowloris [%s]: %d slow connections (server-status ConnsTotal %s, %d still "
              "open at the end); normal client: %d requests, %d failed, p50 %.2f ms, p99 %.2f "
              "ms, max %.2f ms" % (h.ENGINE, established, held, still_open, len(samples),
                                   failures, p50, p99, max(samples)), flush=True)
        self.assertEqual(failures, 0, "normal requests failed during the slowloris")
        self.assertGreaterEqual(still_open, SLOWLORIS * 0.99,
                                "the server dropped slowloris connections before their timeout")
        if not SANITIZED:
            self.assertLess(p99, P99_LIMIT_MS)
        self.assertTrue(self.server.running())
        self.assertEqual(set(self.server.children()), kids, "children died or were replaced")

    def test_slowhttptest_slowloris(self):
        if not shutil.which("slowhttptest"):
            self.skipTest("slowhttptest is not installed (scripts/deps/hardening.txt)")
        port = self.start("RequestReadTimeout header=%d-%d,MinRate=500 body=5,MinRate=500\n"
                          % (HEADER_MIN, HEADER_MAX))
        kids = set(self.server.children())
        log = self.server.tmp / "slowhttptest.out"
        cmd = ["slowhttptest", "-c", "500", "-H", "-l", "15", "-i", "5", "-r", "200", "-p", "3",
               "-u", "http://%s:%d/index.html" % (h.HOST, port)]
        with open(log, "wb") as out:
            attack = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True,
                                      preexec_fn=h._set_pdeathsig)

        def kill_attack():
            if attack.poll() is None:
                os.killpg(attack.pid, signal.SIGKILL)
                attack.wait(5)

        self.addCleanup(kill_attack)
        started = last_ok = time.monotonic()
        polls, ok, worst_gap = 0, 0, 0.0
        while attack.poll() is None and time.monotonic() - started < 30:  # bounded
            polls += 1
            if latency_ms(port) is not None:
                ok += 1
                worst_gap = max(worst_gap, time.monotonic() - last_ok)
                last_ok = time.monotonic()
            time.sleep(0.5)
        attack_seconds = time.monotonic() - started
        kill_attack()
        ended = time.monotonic()
        recovered = None
        while time.monotonic() - ended < RECOVERY_LIMIT + 5:
            if latency_ms(port) is not None:
                recovered = time.monotonic() - ended
                break
            time.sleep(0.1)
        worst_gap = max(worst_gap, time.monotonic() - last_ok)
        out = log.read_text(errors="replace")
        print("\nslowhttptest [%s]: attack %.1f s, %d/%d polls answered during it, longest time "
              "without an answer %.1f s, service back %s after it"
              % (h.ENGINE, attack_seconds, ok, polls, worst_gap,
                 "never" if recovered is None else "%.2f s" % recovered), flush=True)
        self.assertIn("slow HTTP test status", out, "slowhttptest did not run:\n" + out[-2000:])
        self.assertGreaterEqual(attack_seconds, HEADER_MIN, "the attack ended early:\n"
                                + out[-2000:])
        if h.ENGINE == "event":
            self.assertEqual(ok, polls, "event: requests failed during the attack")
            self.assertEqual(set(self.server.children()), kids, "children died or were replaced")
        # prefork/worker: no assertion during the attack (see the module's docstring).
        self.assertIsNotNone(recovered, "service not back after the attack")
        self.assertLessEqual(recovered, RECOVERY_LIMIT)
        self.assertTrue(self.server.running())

if __name__ == "__main__":
    h.main()
