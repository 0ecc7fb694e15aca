#!/usr/bin/env python3
"""Suite engines_restarts: graceful restarts under load, a refused broken config,
`-k restart`, `-k graceful-stop` with a slow download in flight, and process titles."""

import os
import signal
import socket
import subprocess
import threading
import time
import unittest

import mpmd_harness as h

RESTARTS = 10
BIG_SIZE = 16 << 20  # bytes of the graceful-stop download
GET_4K = b"GET /4k.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"


def engine_pool():
    """Directives for a pool that serves wrk's 32 keep-alive connections without queueing
    for long: prefork needs one child per open connection."""
    if h.ENGINE == "prefork":
        return "StartServers 8\nMinSpareServers 4\nMaxSpareServers 16\nMaxRequestWorkers 64\n"
    if h.ENGINE == "worker":
        return ("StartServers 2\nThreadsPerChild 16\nMinSpareThreads 8\nMaxSpareThreads 32\n"
                "MaxRequestWorkers 128\n")
    return "StartServers 2\n"


def start_servers():
    return {"prefork": 8, "worker": 2}.get(h.ENGINE, 2)


class Restarts(unittest.TestCase):
    def setUp(self):
        self.server = h.Server(h.STATUS_LOCATIONS + engine_pool() + "GracefulDrainTimeout 30\n",
                               start_servers=start_servers(), keepalive_timeout=5)
        self.server.start()
        self.master = self.server.proc.pid
        self.wrk = None

    def tearDown(self):
        if self.wrk is not None:
            self.wrk.kill()
        self.server.stop()

    # -- helpers ------------------------------------------------------------

    def wait_children(self, count=None, timeout=10):
        """Children of the master once at least COUNT (default StartServers) run."""
        n = count or start_servers()
        kids = h.wait_until(lambda: len(self.server.children()) >= n and self.server.children(),
                            timeout)
        self.assertTrue(kids, "expected %d children, have %s" % (n, self.server.children()))
        return kids

    def assert_serves(self, count=10):
        for i in range(count):
            resp, _ = h.exchange(self.server.port, GET_4K)
            self.assertEqual(resp.status, 200, "request %d after the restart" % (i + 1))
            self.assertEqual(resp.body, h.content_4k())

    def generation_of_children(self):
        """{pid: generation} read from the children's process titles."""
        result = {}
        for pid in self.server.children():
            title = h.cmdline(pid)
            marker = "generation "
            # A child forked a moment ago still has the master's title: not counted yet.
            if " child [" in title and marker in title:
                digits = title.split(marker, 1)[1].split(",", 1)[0].split("]", 1)[0]
                if digits.isdigit():
                    result[pid] = int(digits)
        return result

    def assert_only_generation(self, gen, timeout=15):
        def only_new():
            kids = self.generation_of_children()
            return kids and all(g == gen for g in kids.values()) and kids

        kids = h.wait_until(only_new, timeout, 0.1)
        self.assertTrue(kids, "children of older generations still running %d s after the "
                        "restarts: %s" % (timeout, {p: h.cmdline(p) for p in
                                                    self.server.children()}))
        return kids

    # -- tests --------------------------------------------------------------

    def test_graceful_restarts_under_load_fail_nothing(self):
        self.wait_children()
        before = h.metrics(self.server.port)
        self.wrk = h.Wrk(self.server.url + "/4k.txt", seconds=10, threads=2, connections=32).start()
        time.sleep(1.0)
        for i in range(RESTARTS):
            if i % 2 == 0:
                os.kill(self.master, signal.SIGUSR1)
            else:
                p = h.mpmd_ctl(self.server, "graceful")
                self.assertEqual(p.returncode, 0, "mpmd -k graceful: %s%s" % (p.stdout, p.stderr))
            # Each restart is taken before the next is asked for: signals that arrive
            # while the master is still reloading are merged into one (as in Apache).
            taken = h.wait_until(lambda: h.status_auto(self.server.port).get(
                "ParentServerMPMGeneration") == str(i + 1), 20, 0.05)
            self.assertTrue(self.server.running(), "master died at graceful restart %d" % (i + 1))
            self.assertTrue(taken, "graceful restart %d not taken: %s"
                            % (i + 1, h.status_auto(self.server.port)))
            time.sleep(0.2)
        counts = self.wrk.wait()
        report = counts["report"]
        self.assertIsNotNone(counts["requests"], "no request count in wrk output:\n" + report)
        self.assertGreater(counts["requests"], 0, report)
        for name in ("connect", "read", "write", "timeout", "non2xx3xx"):
            self.assertEqual(counts[name], 0, "%s errors across %d graceful restarts:\n%s"
                             % (name, RESTARTS, report))

        # The new generation is the running one, in ?auto and in the metrics.
        auto = h.status_auto(self.server.port)
        self.assertEqual(auto.get("ParentServerMPMGeneration"), str(RESTARTS), auto)
        after = h.metrics(self.server.port)
        self.assertEqual(after["mpmd_generation"], RESTARTS)
        # Accesses survive graceful restarts (Apache keeps the counters).
        self.assertGreaterEqual(after["mpmd_requests_total"],
                                before["mpmd_requests_total"] + counts["requests"])
        # Old children are gone (bounded by the drain of their last requests).
        self.assert_only_generation(RESTARTS)
        # ... and the scoreboard has forgotten them: nothing is draining any more.
        auto = h.wait_until(lambda: (lambda a: a.get("GracefulWorkers") == "0" and
                                     a.get("Stopping", "0") == "0" and a)(
                                         h.status_auto(self.server.port)), 5, 0.2)
        self.assertTrue(auto, "old generation still in the scoreboard: %s"
                        % h.status_auto(self.server.port))
        self.assertTrue(self.server.running())
        self.assert_serves()

    def test_broken_config_on_graceful_is_refused(self):
        kids = sorted(self.wait_children())
        # Wait until the pool is settled (prefork/worker may still be adjusting).
        time.sleep(1.5)
        kids = sorted(self.server.children())
        good = self.server.conf.read_text()
        self.server.conf.write_text(good + "ThisDirectiveDoesNotExist on\nStartServers\n")
        os.kill(self.master, signal.SIGUSR1)

        def logged():
            text = self.server.error_log.read_text(errors="replace")
            return "ThisDirectiveDoesNotExist" in text and text

        text = h.wait_until(logged, 10, 0.1)
        self.assertTrue(text, "no config error in the error log after SIGUSR1 with a broken "
                        "config:\n%s" % h.tail(self.server.error_log))
        self.assertTrue(self.server.running(), "master exited on a broken config")
        self.assert_serves(20)
        self.assertEqual(sorted(self.server.children()), kids,
                         "children replaced although the new config was refused")
        auto = h.status_auto(self.server.port)
        self.assertEqual(auto.get("ParentServerMPMGeneration"), "0", auto)
        # `mpmd -k graceful` with the broken file does not bring the server down either.
        h.mpmd_ctl(self.server, "graceful")
        time.sleep(1.2)
        self.assertTrue(self.server.running(), "master exited after -k graceful, broken config")
        self.assert_serves(5)
        self.assertEqual(h.status_auto(self.server.port).get("ParentServerMPMGeneration"), "0")
        # And once it is fixed, the next graceful restart goes through.
        self.server.conf.write_text(good)
        os.kill(self.master, signal.SIGUSR1)
        gen = h.wait_until(lambda: h.status_auto(self.server.port).get(
            "ParentServerMPMGeneration") == "1", 10, 0.1)
        self.assertTrue(gen, "fixed config not taken by the next graceful restart")

    def test_restart_replaces_every_child(self):
        kids = set(self.wait_children())
        time.sleep(1.2)
        kids = set(self.server.children())
        p = h.mpmd_ctl(self.server, "restart")
        self.assertEqual(p.returncode, 0, "mpmd -k restart: %s%s" % (p.stdout, p.stderr))

        def replaced():
            now = set(self.server.children())
            return len(now) >= start_servers() and not (now & kids) and now

        now = h.wait_until(replaced, 15, 0.1)
        self.assertTrue(now, "children before -k restart %s, 15 s later %s"
                        % (sorted(kids), self.server.children()))
        self.assertTrue(self.server.running())
        self.assertEqual(self.server.proc.pid, self.master)
        self.assert_serves()
        auto = h.status_auto(self.server.port)
        self.assertEqual(auto.get("ParentServerMPMGeneration"), "1", auto)
        self.assert_only_generation(1)
        text = self.server.error_log.read_text(errors="replace")
        self.assertIn("SIGHUP received", text)

    def start_big_download(self):
        """A client that reads the first 64 KiB of a large file and then stalls.

        The file is larger than the kernel's largest send buffer (tcp_wmem, 4 MiB): until the
        client has read most of it, the server still has data to send, so its request is
        really in flight.  Returns (socket, bytes read so far, expected body)."""
        expected = b"".join(b"%015x\n" % off for off in range(0, BIG_SIZE, 16))
        (self.server.docroot / "big.bin").write_bytes(expected)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.settimeout(10)
        s.connect((h.HOST, self.server.port))
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while len(data) < 64 * 1024:
            chunk = s.recv(65536)
            self.assertTrue(chunk, "connection closed after %d bytes" % len(data))
            data += chunk
        return s, data, expected

    def graceful_stop(self):
        p = subprocess.Popen([h.MPMD, "-k", "graceful-stop", "-f", str(self.server.conf)],
                             cwd=self.server.tmp, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def reap():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

        self.addCleanup(reap)
        return p

    def read_rest(self, s, data, expected):
        """Reads the stalled download to its end; checks it; True if the master was still
        running when half of it had arrived."""
        alive_midway = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if alive_midway is None:
                if len(data) > BIG_SIZE // 2:
                    alive_midway = self.server.running()
                # Slow until then; the rest at full speed, well inside GracefulDrainTimeout
                # also on a loaded machine.
                time.sleep(0.001)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:200])
        self.assertEqual(len(body), len(expected), "download cut short by graceful-stop")
        self.assertTrue(body == expected, "download corrupted")
        return alive_midway

    def assert_master_exits(self):
        try:
            self.server.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.fail("master still running 15 s after the last request of graceful-stop")
        self.assertEqual(self.server.proc.returncode, 0)
        left = h.wait_until(lambda: not h.group_members(self.master), 5, 0.1)
        self.assertTrue(left, "processes left: %s" % h.group_members(self.master))

    def test_graceful_stop_finishes_slow_download(self):
        self.wait_children()
        s, data, expected = self.start_big_download()
        self.graceful_stop()
        # The client stalls a moment longer while the stop is under way.
        logged = h.wait_until(lambda: "shutting down gracefully" in
                              self.server.error_log.read_text(errors="replace"), 5, 0.05)
        self.assertTrue(logged, "graceful-stop not logged:\n" + h.tail(self.server.error_log))
        time.sleep(0.5)
        self.assertTrue(self.read_rest(s, data, expected),
                        "master exited while a download was in flight")
        s.close()
        self.assert_master_exits()

    def test_graceful_stop_serves_or_refuses_new_connections(self):
        """While graceful-stop waits for a request in flight, a new client is either refused
        (listeners closed, as Apache does) or served; never accepted and then dropped."""
        self.wait_children()
        s, data, expected = self.start_big_download()
        self.graceful_stop()
        logged = h.wait_until(lambda: "shutting down gracefully" in
                              self.server.error_log.read_text(errors="replace"), 5, 0.05)
        self.assertTrue(logged, "graceful-stop not logged:\n" + h.tail(self.server.error_log))
        time.sleep(1.0)  # children have had time to close their listeners
        outcome = {}

        def late_client():
            try:
                c = socket.create_connection((h.HOST, self.server.port), timeout=15)
            except OSError as e:
                outcome["refused"] = str(e)
                return
            try:
                c.settimeout(15)
                c.sendall(GET_4K)
                resp = h.Reader(c).read_response()
                outcome["status"] = resp.status if resp is not None else None
            except OSError as e:
                outcome["error"] = "accepted, then %s" % e
            except Exception as e:  # noqa: BLE001 - a malformed or missing response
                outcome["error"] = "accepted, then %r" % e
            finally:
                c.close()

        t = threading.Thread(target=late_client, daemon=True)
        t.start()
        time.sleep(0.3)
        self.read_rest(s, data, expected)
        s.close()
        t.join(20)
        self.assertFalse(t.is_alive(), "late client still waiting")
        self.assertTrue("refused" in outcome or outcome.get("status") == 200,
                        "a connection made during graceful-stop was accepted but not served: %s"
                        % outcome)
        self.assert_master_exits()

    def test_process_titles_name_role_engine_generation(self):
        kids = self.wait_children()
        title = h.cmdline(self.master)
        # The original command line follows in parentheses, so pkill -f CONFIG still works.
        self.assertRegex(title, r"^mpmd: master \[%s engine, generation 0\] \(.*mpmd .*-f .*\)$"
                         % h.ENGINE)
        # A child names itself right after fork; until then it shows the master's title.
        titled = h.wait_until(lambda: all(" child [" in h.cmdline(p) for p in kids), 5, 0.05)
        self.assertTrue(titled, "children without a child title: %s"
                        % {p: h.cmdline(p) for p in kids})
        for pid in kids:
            t = h.cmdline(pid)
            self.assertRegex(t, r"^mpmd: %s child \[generation 0, slot \d+\] \(.*\)$" % h.ENGINE)
        # ps shows the same (it reads the same memory).
        ps = subprocess.run(["ps", "-o", "args=", "-p", str(self.master)], capture_output=True,
                            text=True, timeout=10).stdout.strip()
        self.assertEqual(ps, title)
        slots = [h.cmdline(p).split("slot ", 1)[-1].split("]")[0] for p in kids]
        self.assertEqual(len(set(slots)), len(slots), "two children share a slot: %s" % slots)
        os.kill(self.master, signal.SIGUSR1)
        ok = h.wait_until(lambda: h.cmdline(self.master).startswith(
                          "mpmd: master [%s engine, generation 1] (" % h.ENGINE), 10, 0.1)
        self.assertTrue(ok, "master title after a graceful restart: %r" % h.cmdline(self.master))
        self.assert_only_generation(1)


if __name__ == "__main__":
    h.main()
