#!/usr/bin/env python3
"""Suite lifecycle: the master respawns killed children and stops its whole group on SIGTERM."""

import os
import signal
import subprocess
import unittest

import mpmd_harness as h

GET = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.server = h.Server(start_servers=2).start()
        self.master = self.server.proc.pid

    def tearDown(self):
        self.server.stop()

    def assert_serves(self, count=20):
        for i in range(count):
            resp, _ = h.exchange(self.server.port, GET)
            self.assertEqual(resp.status, 200, "request %d" % (i + 1))
            self.assertEqual(resp.body, h.content_4k())

    def test_respawns_killed_child(self):
        kids = h.wait_until(lambda: len(self.server.children()) >= 2 and self.server.children(), 10)
        self.assertTrue(kids, "StartServers 2 but children are %s" % self.server.children())
        victim = kids[0]
        os.kill(victim, signal.SIGKILL)

        def replaced():
            now = self.server.children()
            return victim not in now and len(now) >= len(kids) and now

        now = h.wait_until(replaced, 10, 0.1)
        self.assertTrue(now, "child %d killed; children 10 s later: %s (before: %s)"
                        % (victim, self.server.children(), kids))
        self.assertTrue(self.server.running(), "master died with its child")
        self.assert_serves()

    def test_respawns_all_children_killed_at_once(self):
        kids = h.wait_until(lambda: len(self.server.children()) >= 2 and self.server.children(), 10)
        self.assertTrue(kids)
        for pid in kids:
            os.kill(pid, signal.SIGKILL)

        def replaced():
            now = self.server.children()
            return len(now) >= len(kids) and not set(now) & set(kids) and now

        self.assertTrue(h.wait_until(replaced, 15, 0.1),
                        "children %s killed; 15 s later: %s" % (kids, self.server.children()))
        self.assert_serves()

    def test_sigterm_stops_everything(self):
        self.assert_serves(3)
        h.wait_until(lambda: self.server.children(), 5)
        # An idle keep-alive connection must not hold the shutdown up.
        idle = h.connect(self.server.port)
        idle.sendall(GET)
        h.Reader(idle).read_response()
        try:
            os.kill(self.master, signal.SIGTERM)  # the master only: it stops its children
            try:
                self.server.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.fail("master still running 10 s after SIGTERM")
            left = h.wait_until(lambda: not h.group_members(self.master), 5, 0.1)
            self.assertTrue(left, "processes left after SIGTERM: %s" % h.group_members(self.master))
            self.assertFalse(h.port_accepts(self.server.port), "port still accepts")
        finally:
            idle.close()


if __name__ == "__main__":
    h.main()
