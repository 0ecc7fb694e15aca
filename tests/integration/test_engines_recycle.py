#!/usr/bin/env python3
"""Suite engines_recycle: children replaced under load without failed requests
(MaxConnectionsPerChild) and with bounded failures (SIGKILL of a child)."""

import os
import re
import signal
import socket
import struct
import time
import unittest

import mpmd_harness as h

CONNECTIONS = 32
MAX_CONNS_PER_CHILD = 200


def engine_pool():
    """A pool that holds wrk's 32 connections (prefork: one child per open connection)."""
    if h.ENGINE == "prefork":
        return "StartServers 8\nMinSpareServers 4\nMaxSpareServers 16\nMaxRequestWorkers 64\n"
    if h.ENGINE == "worker":
        return ("StartServers 2\nThreadsPerChild 16\nMinSpareThreads 8\nMaxSpareThreads 32\n"
                "MaxRequestWorkers 128\n")
    return "StartServers 2\n"


def start_servers():
    return 8 if h.ENGINE == "prefork" else 2


class Recycle(unittest.TestCase):
    EXTRA = ""

    def setUp(self):
        self.server = h.Server(h.STATUS_LOCATIONS + engine_pool() + self.EXTRA,
                               start_servers=start_servers())
        self.server.start()
        self.master = self.server.proc.pid
        self.wrk = None
        kids = h.wait_until(lambda: len(self.server.children()) >= start_servers() and
                            self.server.children(), 10)
        self.assertTrue(kids, "children: %s" % self.server.children())

    def tearDown(self):
        if self.wrk is not None:
            self.wrk.kill()
        self.server.stop()

    def assert_no_errors(self, counts, what):
        report = counts["report"]
        self.assertIsNotNone(counts["requests"], "no request count in wrk output:\n" + report)
        self.assertGreater(counts["requests"], 0, report)
        for name in ("connect", "read", "write", "timeout", "non2xx3xx"):
            self.assertEqual(counts[name], 0, "%s errors %s:\n%s" % (name, what, report))


class MaxConnectionsPerChild(Recycle):
    EXTRA = ("MaxConnectionsPerChild %d\nMaxConnectionsPerChildJitter 0\n"
             % MAX_CONNS_PER_CHILD)

    def test_children_recycled_under_load_without_failures(self):
        initial = set(self.server.children())
        before = h.metrics(self.server.port)
        # Every request on its own connection, so that children reach their limit quickly.
        self.wrk = h.Wrk(self.server.url + "/4k.txt", seconds=3, threads=2,
                         connections=CONNECTIONS, headers=["Connection: close"]).start()
        seen = set(initial)
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:
            seen.update(self.server.children())
            time.sleep(0.05)
        counts = self.wrk.wait()
        self.assert_no_errors(counts, "while children were recycled")
        after = h.metrics(self.server.port)
        now = set(self.server.children())
        self.assertTrue(initial - now, "no initial child replaced after %d connections "
                        "(limit %d a child): before %s, after %s"
                        % (counts["requests"], MAX_CONNS_PER_CHILD, sorted(initial),
                           sorted(now)))
        self.assertGreater(len(seen), len(initial), "no new child seen during the load")
        spawned = after["mpmd_children_spawned_total"] - before["mpmd_children_spawned_total"]
        # A child takes at most MaxConnectionsPerChild connections (jitter 0) and every request
        # had its own connection: the children alive at the start plus those spawned since
        # must cover them all.
        self.assertGreaterEqual(spawned + len(initial), counts["requests"] // MAX_CONNS_PER_CHILD,
                                "children spawned %d for %d connections (limit %d)"
                                % (spawned, counts["requests"], MAX_CONNS_PER_CHILD))
        print("\n%d requests (one connection each), %d children spawned, %d pids seen"
              % (counts["requests"], spawned, len(seen)))
        self.assertEqual(after["mpmd_children_crashed_total"], 0,
                         "recycled children counted as crashed")
        self.assertTrue(self.server.running())
        resp, _ = h.exchange(self.server.port, b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(resp.status, 200)


class KillChildUnderLoad(Recycle):
    def test_sigkill_of_a_child_under_load(self):
        self.wrk = h.Wrk(self.server.url + "/4k.txt", seconds=5, threads=2,
                         connections=CONNECTIONS).start()
        # Older than the master's start-up window (2 s), so that its death counts as a crash
        # under load (replaced at once), not as a child dying at start-up (backed off).
        time.sleep(2.5)
        before = self.server.children()
        self.assertTrue(before)
        victim = before[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()

        def replaced():
            now = self.server.children()
            return victim not in now and len(now) >= len(before) and now

        now = h.wait_until(replaced, 2.0, 0.05)
        took = time.monotonic() - killed_at
        self.assertTrue(now, "child %d killed; %.1f s later children are %s (before %s)"
                        % (victim, took, self.server.children(), before))
        # Requests keep being served while the load goes on.
        first = h.metrics(self.server.port)["mpmd_requests_total"]
        time.sleep(0.7)
        second = h.metrics(self.server.port)["mpmd_requests_total"]
        self.assertGreater(second, first, "no requests served after the kill")
        counts = self.wrk.wait()
        report = counts["report"]
        self.assertIsNotNone(counts["requests"], report)
        self.assertGreater(counts["requests"], 0, report)
        self.assertEqual(counts["non2xx3xx"], 0, report)
        # Only the killed child's connections may fail.
        self.assertLessEqual(counts["socket_errors"], CONNECTIONS,
                             "more socket errors than connections:\n" + report)
        print("\nreplacement after %.2f s; %d requests, %d socket errors"
              % (took, counts["requests"], counts["socket_errors"]))
        self.assertTrue(self.server.running(), "master died with its child")
        text = self.server.error_log.read_text(errors="replace")
        self.assertIn("child pid %d exit signal" % victim, text)
        # Healthy afterwards: a short clean load.
        self.wrk = h.Wrk(self.server.url + "/4k.txt", seconds=1, threads=2,
                         connections=CONNECTIONS).start()
        self.assert_no_errors(self.wrk.wait(), "after the replacement child started")


class AbortedDownloads(unittest.TestCase):
    def test_clients_that_vanish_mid_download_do_not_kill_children(self):
        """Clients that leave in the middle of a 1 MiB response (plain close with unread data,
        or a reset): the server's writes fail with EPIPE/ECONNRESET, and no child dies of
        SIGPIPE.  Fresh servers each round: children that have just started are the ones
        seen to die."""
        for round_ in range(4):
            server = h.Server(engine=h.ENGINE, start_servers=2).start()
            try:
                for i in range(6):
                    with h.connect(server.port) as s:
                        s.sendall(b"GET /1m.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        s.recv(1000)  # leave in the middle of the response
                        if i % 2:
                            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                         struct.pack("ii", 1, 0))
                for _ in range(3):
                    resp, _ = h.exchange(server.port, b"GET /4k.txt HTTP/1.1\r\nHost: x\r\n\r\n")
                    self.assertEqual(resp.status, 200)
                time.sleep(0.3)
                text = server.error_log.read_text(errors="replace")
                self.assertNotIn("exit signal", text, "round %d: a child died:\n%s"
                                 % (round_ + 1, h.tail(server.error_log)))
            finally:
                server.stop()

class CrashingChildren(Recycle):
    def test_children_dying_at_start_up_are_backed_off_and_come_back(self):
        """Children that die right after start-up, again and again, are restarted with a
        growing back-off (logged as MPMD0024), the master survives, and service comes
        back once they stop dying."""
        deadline = time.monotonic() + 4.5
        killed = set()
        while time.monotonic() < deadline:
            for pid in self.server.children():
                if pid not in killed:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed.add(pid)
                    except ProcessLookupError:
                        pass
            time.sleep(0.01)
        self.assertTrue(self.server.running(), "the master died with its children")
        log = self.server.error_log.read_text(errors="replace")
        waits = [int(m) for m in re.findall(r"MPMD0024: .*next attempt in (\d+) s", log)]
        self.assertGreaterEqual(len(waits), 2, "no back-off logged:\n" + log[-2000:])
        self.assertEqual(waits, sorted(waits), "the back-off should grow: %s" % waits)
        self.assertGreater(waits[-1], waits[0], "the back-off should grow: %s" % waits)
        # The spawns were spaced out: far fewer children than kill attempts allow.
        self.assertLessEqual(len(killed), 4 * start_servers() + 2, "spawned %d" % len(killed))
        # event keeps StartServers children; prefork and worker rebuild their spare pools
        # (Apache's rules: StartServers only counts at start): MinSpareServers 4 needs
        # more than one prefork child, MinSpareThreads 8 one worker child of 16 threads.
        wanted = {"event": start_servers(), "worker": 1, "prefork": 2}[h.ENGINE]
        back = h.wait_until(lambda: len(self.server.children()) >= wanted, waits[-1] + 10)
        self.assertTrue(back, "children did not come back: %s" % self.server.children())
        status, _, _ = h.http_get(self.server.port, "/4k.txt")
        self.assertEqual(status, 200)


if __name__ == "__main__":
    h.main()
