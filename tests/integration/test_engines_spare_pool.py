#!/usr/bin/env python3
"""Suite engines_spare_pool: prefork and worker keep Min/MaxSpare idle capacity (the pool
grows under held connections and shrinks back, one child a second); event keeps exactly
StartServers children whatever the load."""

import socket
import time
import unittest

import mpmd_harness as h

# Small pools so that a handful of held connections exhausts them.
POOLS = {
    "prefork": dict(start=2, tpc=1, min_spare=2, max_spare=4, hold=6,
                    conf="MinSpareServers 2\nMaxSpareServers 4\nMaxRequestWorkers 32\n"),
    "worker": dict(start=2, tpc=4, min_spare=4, max_spare=9, hold=12,
                   conf="ThreadsPerChild 4\nMinSpareThreads 4\nMaxSpareThreads 9\n"
                        "MaxRequestWorkers 64\n"),
    "event": dict(start=2, tpc=1, min_spare=None, max_spare=None, hold=24, conf=""),
}
BUSY_LETTERS = "RWKLDC"
GET = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"


class SparePool(unittest.TestCase):
    def setUp(self):
        self.pool = POOLS[h.ENGINE]
        self.server = h.Server(h.STATUS_LOCATIONS + self.pool["conf"],
                               start_servers=self.pool["start"], keepalive_timeout=30)
        self.server.start()
        self.held = []

    def tearDown(self):
        self.release()
        self.server.stop()

    # -- helpers ------------------------------------------------------------

    def release(self):
        for s in self.held:
            s.close()
        self.held = []

    def hold_connections(self, n, timeout=15):
        """Opens N keep-alive connections, each with one answered request, and keeps them
        open (each occupies a prefork child or a worker thread)."""
        socks = []
        for _ in range(n):
            s = socket.create_connection((h.HOST, self.server.port), timeout=timeout)
            self.held.append(s)
            s.sendall(GET)
            socks.append(s)
        deadline = time.monotonic() + timeout
        for i, s in enumerate(socks):
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                resp = h.Reader(s).read_response()
            except OSError as e:
                self.fail("held connection %d of %d not answered within %d s (%s); children %s"
                          % (i + 1, n, timeout, e, self.server.children()))
            self.assertEqual(resp.status, 200, "held connection %d" % (i + 1))
            self.assertNotEqual((resp.header("Connection") or "").lower(), "close")

    def auto(self):
        return h.status_auto(self.server.port)

    def check_scoreboard(self, auto):
        board = auto.get("Scoreboard", "")
        self.assertTrue(board, auto)
        self.assertEqual(board.count("_"), int(auto["IdleWorkers"]), auto)
        if auto.get("GracefulWorkers") == "0":
            busy = sum(board.count(c) for c in BUSY_LETTERS)
            self.assertEqual(busy, int(auto["BusyWorkers"]), auto)

    def settled_children(self, count, timeout=10):
        kids = h.wait_until(lambda: len(self.server.children()) == count and
                            self.server.children(), timeout, 0.1)
        self.assertTrue(kids, "expected %d children, have %s"
                        % (count, self.server.children()))
        return kids

    def stable_children(self, period, timeout):
        """The number of children once it has not changed for PERIOD seconds."""
        deadline = time.monotonic() + timeout
        count, since = len(self.server.children()), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = len(self.server.children())
            if now != count:
                count, since = now, time.monotonic()
            elif time.monotonic() - since >= period:
                return count
        self.fail("the pool kept changing without load for %d s: %s"
                  % (timeout, self.server.children()))

    # -- tests --------------------------------------------------------------

    def test_start_counts_match_config(self):
        p = self.pool
        self.settled_children(p["start"])
        time.sleep(1.5)  # a maintenance cycle or more: nothing to add or stop
        self.assertEqual(len(self.server.children()), p["start"],
                         "pool changed without load: %s" % self.server.children())
        auto = self.auto()
        # Our own request is the one busy worker.
        self.assertEqual(auto.get("BusyWorkers"), "1", auto)
        self.assertEqual(auto.get("IdleWorkers"), str(p["start"] * p["tpc"] - 1), auto)
        self.assertEqual(auto.get("GracefulWorkers"), "0", auto)
        self.check_scoreboard(auto)
        board = auto["Scoreboard"]
        self.assertEqual(len(board) - board.count("."), p["start"] * p["tpc"], auto)
        if h.ENGINE == "event":
            self.assertEqual(auto.get("Processes"), str(p["start"]), auto)
            self.assertEqual(auto.get("Stopping"), "0", auto)

    def test_pool_follows_load(self):
        if h.ENGINE == "event":
            self.skipTest("event has no spare pool (see test_event_children_fixed)")
        p = self.pool
        self.settled_children(p["start"])
        self.hold_connections(p["hold"])

        # Every held connection was served, so the pool grew; it then refills its spares.
        def grown():
            a = self.auto()
            ok = int(a["BusyWorkers"]) >= p["hold"] and int(a["IdleWorkers"]) >= p["min_spare"]
            return ok and a

        auto = h.wait_until(grown, 10, 0.2)
        self.assertTrue(auto, "under %d held connections: %s, children %s"
                        % (p["hold"], self.auto(), self.server.children()))
        self.check_scoreboard(auto)
        peak = len(self.server.children())
        needed = -(-(p["hold"] + p["min_spare"]) // p["tpc"])  # ceil
        self.assertGreaterEqual(peak, needed, "children under load")
        self.assertGreater(peak, p["start"])

        # After the load the pool shrinks to MaxSpare (one child a second).
        self.release()

        def shrunk():
            a = self.auto()
            idle = int(a["IdleWorkers"]) + 1  # our own request holds one worker
            return (idle <= p["max_spare"] and len(self.server.children()) < peak
                    and int(a["BusyWorkers"]) <= 1 and a)

        auto = h.wait_until(shrunk, 15, 0.5)
        self.assertTrue(auto, "15 s after the load: %s, children %s (peak %d)"
                        % (self.auto(), self.server.children(), peak))
        # Down to MaxSpare, not below MinSpare, and then the pool holds still: no
        # change over two maintenance cycles.
        kids = self.stable_children(1.5, 10)
        if h.ENGINE == "prefork":
            self.assertEqual(kids, p["max_spare"], "prefork children after the load: %s"
                             % self.server.children())
        self.assertGreaterEqual(kids * p["tpc"], p["min_spare"])
        self.assertLessEqual(kids * p["tpc"] - 1, p["max_spare"])
        self.check_scoreboard(self.auto())
        # Still serving.
        resp, _ = h.exchange(self.server.port, GET)
        self.assertEqual(resp.status, 200)

    def test_event_children_fixed(self):
        if h.ENGINE != "event":
            self.skipTest("event only")
        p = self.pool
        kids = self.settled_children(p["start"])
        self.hold_connections(p["hold"])
        auto = self.auto()
        self.assertEqual(auto.get("Processes"), str(p["start"]), auto)
        self.assertGreaterEqual(int(auto.get("ConnsTotal", "0")), p["hold"], auto)
        time.sleep(2.5)  # two maintenance cycles under load
        self.assertEqual(sorted(self.server.children()), sorted(kids),
                         "event children changed under load")
        resp, _ = h.exchange(self.server.port, GET)
        self.assertEqual(resp.status, 200)
        self.release()
        time.sleep(1.5)
        self.assertEqual(sorted(self.server.children()), sorted(kids),
                         "event children changed after the load")
        self.assertEqual(self.auto().get("Processes"), str(p["start"]))


if __name__ == "__main__":
    h.main()
