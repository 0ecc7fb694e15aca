#!/usr/bin/env python3
"""Suite hardening_traces: failures that leave a trace (issue #19), per engine.

* an access log that cannot be written (CustomLog /dev/full: ENOSPC on every write): every
  lost line is counted on the status page (?auto, ?json) and in /metrics, the error log says
  so once (not once per request, thread or child), and the other access log still gets
  every line, whole;
* a child stopped under load (SIGSTOP), with StuckChildTimeout 3: the status page, /metrics
  and the error log (MPMD0044) name it within seconds, and the error log says when it moves
  again (SIGCONT); with StuckChildAction kill it is killed and replaced by a new child, and
  the server keeps answering.
"""

import json
import os
import re
import signal
import threading
import time
import unittest

import mpmd_harness as h

POOLS = {  # keep the process pools still, so that a changed pid means a replacement
    "prefork": "MinSpareServers 1\nMaxSpareServers 50\n",
    "worker": "MinSpareThreads 1\nMaxSpareThreads 1000\n",
}
# The pools for the stuck-child tests: spares that a killed child's absence falls below, so
# the pool replaces it (a stuck child's idle-looking workers do not count as spares).
STUCK_POOLS = {
    "prefork": "MinSpareServers 2\nMaxSpareServers 50\n",
    "worker": "MinSpareThreads 50\nMaxSpareThreads 1000\n",
}
STUCK_TIMEOUT = 3  # seconds (StuckChildTimeout)
DETECT_LIMIT = 15.0  # seconds for the master to notice: the timeout, a cycle, slack


def error_lines(server, needle):
    try:
        text = server.error_log.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if needle in line]


def status_json(port):
    status, _, body = h.http_get(port, "/server-status?json", timeout=5)
    if status != 200:
        raise AssertionError("/server-status?json answered %d" % status)
    return json.loads(body)


class LostLogLines(h.ServerTestCase):
    EXTRA = h.STATUS_LOCATIONS + 'CustomLog /dev/full "%h %r %>s"\n' + POOLS.get(h.ENGINE, "")
    REQUESTS = 50

    def test_lost_lines_are_counted_and_reported_once(self):
        for _ in range(self.REQUESTS):
            self.assertEqual(h.http_get(self.port, "/index.html")[0], 200)

        def counted():
            m = h.metrics(self.port)
            return m if m.get("mpmd_access_log_lines_dropped_total", 0) >= self.REQUESTS else None

        # Each serving thread writes its lines at least once a second.
        m = h.wait_until(counted, 10, interval=0.5)
        self.assertTrue(m, "lines dropped: %s" % h.metrics(self.port).get(
            "mpmd_access_log_lines_dropped_total"))
        self.assertEqual(m["mpmd_access_logs_failing"], 1)
        auto = h.status_auto(self.port)
        self.assertGreaterEqual(int(auto["AccessLogLinesDropped"]), self.REQUESTS)
        self.assertEqual(auto["AccessLogsFailing"], "1")
        doc = status_json(self.port)
        self.assertGreaterEqual(doc["access_log"]["lines_dropped"], self.REQUESTS)
        self.assertEqual(doc["access_log"]["files_failing"], 1)
        status, _, page = h.http_get(self.port, "/server-status")
        self.assertIn(b"lines dropped because writing failed", page)

        failures = error_lines(self.server, "MPMD0016")
        self.assertEqual(len(failures), 1, "\n".join(failures))
        self.assertIn("cannot write access log /dev/full: No space left on device", failures[0])

        # The log that works has every line, each whole.
        def all_written():
            lines = self.server.access_log.read_text(errors="replace").splitlines()
            index = [line for line in lines if '"GET /index.html HTTP/1.1" 200' in line]
            return lines if len(index) == self.REQUESTS else None

        lines = h.wait_until(all_written, 10, interval=0.5)
        self.assertTrue(lines, "the working access log misses lines")
        combined = re.compile(r'^\S+ \S+ \S+ \[[^]]+\] "[^"]*" \d{3} \S+ "[^"]*" "[^"]*"$')
        for line in lines:
            self.assertRegex(line, combined)


class Load:
    """Clients in threads asking for /index.html until stop(); failures are expected (the
    connections of a stopped child hang until their timeout)."""

    def __init__(self, port, clients=4):
        self.port = port
        self.done = threading.Event()
        self.ok = 0
        self.failed = 0
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.done.is_set():
            try:
                ok = h.http_get(self.port, "/index.html", timeout=2)[0] == 200
            except Exception:  # timeouts, resets, a response cut short
                ok = False
            if ok:
                self.ok += 1
            else:
                self.failed += 1

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(5)


class StuckBase(unittest.TestCase):
    EXTRA = ""

    def setUp(self):
        # Timeout 5: a thread stopped while it waits for a client it is serving had
        # promised to be back within Timeout; the idle ones within a second.
        self.server = h.Server(h.STATUS_LOCATIONS + STUCK_POOLS.get(h.ENGINE, "") +
                               "StuckChildTimeout %d\n" % STUCK_TIMEOUT + self.EXTRA,
                               keepalive_timeout=1, timeout=5)
        self.server.start()
        self.addCleanup(self.server.stop)
        self.kids = h.wait_until(lambda: len(self.server.children()) >= 2 and
                                 self.server.children(), 10)
        self.assertTrue(self.kids, "children: %s" % self.server.children())
        self.load = Load(self.server.port)
        self.addCleanup(self.load.stop)
        time.sleep(1)  # under load before the stop

    def stop_a_child(self):
        victim = self.kids[0]
        os.kill(victim, signal.SIGSTOP)

        def resume():
            try:
                os.kill(victim, signal.SIGCONT)
            except ProcessLookupError:
                pass

        self.addCleanup(resume)
        return victim

    def wait_for_report(self, victim):
        found = h.wait_until(
            lambda: error_lines(self.server, "MPMD0044: child pid %d " % victim), DETECT_LIMIT,
            interval=0.25)
        self.assertTrue(found, "no MPMD0044 line for the stopped child %d" % victim)
        self.assertIn("has made no progress for", found[0])
        return found[0]


class StuckChildLogged(StuckBase):
    def test_a_stopped_child_is_shown_and_logged_then_seen_moving_again(self):
        victim = self.stop_a_child()
        self.wait_for_report(victim)

        def shown():
            doc = status_json(self.server.port)
            pids = [p["pid"] for p in doc["stuck_processes"]]
            return doc if victim in pids else None

        doc = h.wait_until(shown, 5, interval=0.25)
        self.assertTrue(doc, "the status page does not show child %d stuck" % victim)
        self.assertGreaterEqual(doc["stuck_children"], 1)
        self.assertGreaterEqual(int(h.status_auto(self.server.port)["StuckChildren"]), 1)
        m = h.metrics(self.server.port)
        self.assertGreaterEqual(m["mpmd_stuck_children"], 1)
        self.assertGreaterEqual(m["mpmd_stuck_children_found_total"], 1)
        self.assertEqual(m["mpmd_stuck_children_killed_total"], 0)
        self.assertIn(victim, self.server.children(), "StuckChildAction log killed it")

        os.kill(victim, signal.SIGCONT)
        again = h.wait_until(
            lambda: [line for line in error_lines(self.server, "MPMD0044: child pid %d " % victim)
                     if "makes progress again" in line], DETECT_LIMIT, interval=0.25)
        self.assertTrue(again, "no line saying child %d moves again" % victim)
        gone = h.wait_until(lambda: victim not in [p["pid"] for p in status_json(
            self.server.port)["stuck_processes"]], 5, interval=0.25)
        self.assertTrue(gone, "the status page still shows child %d stuck" % victim)
        self.assertIn(victim, self.server.children())
        self.load.stop()
        self.assertGreater(self.load.ok, 0)


class StuckChildKilled(StuckBase):
    EXTRA = "StuckChildAction kill\n"

    def test_a_stopped_child_is_killed_and_replaced(self):
        victim = self.stop_a_child()
        report = self.wait_for_report(victim)
        self.assertIn("killing it (StuckChildAction kill)", report)

        def replaced():
            kids = self.server.children()
            return kids if victim not in kids and len(kids) >= len(self.kids) else None

        kids = h.wait_until(replaced, 10, interval=0.25)
        self.assertTrue(kids, "child %d not replaced: children %s" % (victim,
                                                                        self.server.children()))
        self.assertTrue(set(kids) - set(self.kids), "no new child")
        exit_line = "MPMD0003: child pid %d exit signal: signal 9" % victim
        self.assertTrue(h.wait_until(lambda: error_lines(self.server, exit_line), 5),
                        h.tail(self.server.error_log))
        self.load.stop()
        for _ in range(10):
            self.assertEqual(h.http_get(self.server.port, "/index.html", timeout=5)[0], 200)
        m = h.metrics(self.server.port)
        self.assertEqual(m["mpmd_stuck_children_killed_total"], 1)
        self.assertEqual(m["mpmd_stuck_children"], 0)


if __name__ == "__main__":
    h.main()
