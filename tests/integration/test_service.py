#!/usr/bin/env python3
"""Suite service: what a service manager and a log pipeline see.

* sd_notify through a fake NOTIFY_SOCKET (a Unix datagram socket, as
  systemd's): READY=1 only once the port accepts, STATUS= with the generation
  and children, RELOADING=1 then READY=1 around -k graceful, STOPPING=1;
* the "resuming normal operations" notice at the default LogLevel warn, at
  start and after a graceful restart (Apache logs notices always);
* piped logs: ErrorLog "|cmd" and CustomLog "|cmd": lines arrive, a killed
  program is restarted on the same pipe, a graceful restart keeps it;
* journal priority prefixes on stderr when JOURNAL_STREAM names it;
* ErrorLog syslog:local3 through a stand-in /dev/log (only where none exists).
Engine-neutral: registered once, under the event engine.

    python3 tests/integration/test_service.py --mpmd build/mpmd --engine event
"""

import os
import re
import signal
import socket
import subprocess
import time
import unittest
from pathlib import Path

import mpmd_harness as h


class Datagrams:
    """A Unix datagram socket at PATH collecting what is sent to it."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages = []

    def drain(self):
        while True:
            try:
                self.messages.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except (socket.timeout, BlockingIOError):
                return self.messages

    def wait_for(self, needle, timeout=10):
        return h.wait_until(lambda: [m for m in self.drain() if needle in m], timeout, 0.02)

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def start_with_env(server, **env):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        server._spawn([h.MPMD, "-f", str(server.conf), "-D", "FOREGROUND"])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def get(server, path="/index.html"):
    resp, _ = h.exchange(server.port, ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    return resp.status


class Service(unittest.TestCase):
    def setUp(self):
        if os.environ.get("MPMD_STANDIN"):
            self.skipTest("needs the mpmd binary")
        if h.ENGINE != "event":
            self.skipTest("engine-neutral; runs under event")

    def server(self, extra=""):
        s = h.Server(extra)
        self.addCleanup(s.stop)
        return s

    def test_sd_notify_ready_reloading_stopping(self):
        s = self.server()
        s.conf.write_text(s.conf.read_text().replace("LogLevel info", "LogLevel warn"))
        notify = Datagrams(s.tmp / "notify.sock")
        self.addCleanup(notify.close)
        start_with_env(s, NOTIFY_SOCKET=notify.path)
        ready = notify.wait_for("READY=1")
        self.assertTrue(ready, "no READY=1; got %s\n%s" % (notify.messages, s.diagnostics()))
        # READY means serving: the port accepts at once.
        self.assertTrue(h.port_accepts(s.port))
        self.assertRegex(ready[0], r"STATUS=event engine, generation 0: 2 children")
        self.assertEqual(get(s), 200)
        # At the default LogLevel warn, as Apache's notice lines.
        self.assertIn("resuming normal operations", s.error_log.read_text())

        notify.messages.clear()
        self.assertEqual(h.mpmd_ctl(s, "graceful").returncode, 0)
        self.assertTrue(notify.wait_for("READY=1"), notify.messages)
        msgs = notify.messages
        reload_at = [i for i, m in enumerate(msgs) if "RELOADING=1" in m]
        ready_at = [i for i, m in enumerate(msgs) if "READY=1" in m]
        self.assertTrue(reload_at and ready_at and reload_at[0] < ready_at[0], msgs)
        self.assertIn("MONOTONIC_USEC=", msgs[reload_at[0]])
        self.assertIn("generation 1", msgs[ready_at[0]])
        self.assertEqual(len(re.findall("resuming normal operations", s.error_log.read_text())), 2)

        os.kill(s.proc.pid, signal.SIGTERM)
        self.assertEqual(s.proc.wait(10), 0)
        self.assertTrue(notify.wait_for("STOPPING=1", 2), notify.messages)

    def test_piped_logs_restarted_and_kept_across_graceful(self):
        s = self.server()
        access, errors = s.tmp / "piped-access.log", s.tmp / "piped-error.log"
        s.conf.write_text(s.conf.read_text() + 'CustomLog "|exec cat >> %s" "%%r %%>s"\n'
                          'ErrorLog "|exec cat >> %s"\n' % (access, errors))
        s.start()
        self.assertEqual(get(s, "/index.html?one"), 200)
        self.assertTrue(h.wait_until(lambda: access.exists() and "?one" in access.read_text(), 5))
        self.assertTrue(h.wait_until(lambda: errors.exists() and "MPMD0001" in errors.read_text(),
                                     5), h.tail(errors))

        def logger_pids():
            return [p for p in h.children_of(s.proc.pid) if h.cmdline(p).startswith("cat")]

        pids = h.wait_until(lambda: len(logger_pids()) == 2 and logger_pids(), 5)
        self.assertTrue(pids, [h.cmdline(p) for p in h.children_of(s.proc.pid)])
        access_pid = [p for p in pids if os.readlink("/proc/%d/fd/1" % p) == str(access)][0]
        os.kill(access_pid, signal.SIGKILL)
        # Dead and reaped first: a program the signal has not stopped yet could
        # still read the next line from the pipe and die with it unwritten.
        self.assertTrue(h.wait_until(lambda: "(pid %d) ended" % access_pid in errors.read_text(), 10),
                        h.tail(errors))
        # Written while no program reads: waits in the pipe.
        self.assertEqual(get(s, "/index.html?two"), 200)
        restarted = h.wait_until(lambda: [p for p in logger_pids() if p not in pids], 5)
        self.assertTrue(restarted, "the killed log program was not restarted")
        self.assertTrue(h.wait_until(lambda: "?two" in access.read_text(), 5), h.tail(access))
        self.assertIn("MPMD0036", errors.read_text())  # the restart is logged

        before = logger_pids()
        self.assertEqual(h.mpmd_ctl(s, "graceful").returncode, 0)
        self.assertTrue(h.wait_until(lambda: errors.read_text().count("resuming normal") >= 2, 10))
        self.assertEqual(get(s, "/index.html?three"), 200)
        self.assertTrue(h.wait_until(lambda: "?three" in access.read_text(), 5), h.tail(access))
        self.assertEqual(sorted(logger_pids()), sorted(before), "graceful restart replaced them")

        # Not configured any more: they end once the old children are gone, and stay gone.
        s.conf.write_text("".join(line + "\n" for line in s.conf.read_text().splitlines()
                                  if "|exec cat" not in line))
        self.assertEqual(h.mpmd_ctl(s, "graceful").returncode, 0)
        self.assertTrue(h.wait_until(lambda: not logger_pids(), 10),
                        [h.cmdline(p) for p in logger_pids()])
        self.assertEqual(get(s), 200)

    def test_journal_priority_prefixes(self):
        s = self.server()
        s.conf.write_text(s.conf.read_text().replace('ErrorLog "%s"' % s.error_log, "ErrorLog -"))
        # The harness sends the master's stderr to s.output: that file is "the journal".
        s.output.touch()
        st = os.stat(s.output)
        start_with_env(s, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        s.wait_ready()
        lines = h.wait_until(lambda: [x for x in s.output.read_text().splitlines()
                                      if "resuming normal operations" in x], 5)
        self.assertTrue(lines, h.tail(s.output))
        self.assertTrue(lines[0].startswith("<5>[") and "[mpmd:notice]" in lines[0], lines[0])

    def test_error_log_to_syslog(self):
        if os.path.exists("/dev/log"):
            self.skipTest("/dev/log exists: a real syslog daemon, not replaced by the test")
        syslog = Datagrams("/dev/log")
        self.addCleanup(syslog.close)
        s = self.server()
        s.conf.write_text(s.conf.read_text().replace('ErrorLog "%s"' % s.error_log,
                                                     "ErrorLog syslog:local3"))
        s.start()
        got = syslog.wait_for("resuming normal operations", 5)
        self.assertTrue(got, syslog.messages)
        # <PRI> = facility local3 (19) * 8 + notice (5) = 157; ident mpmd[PID]
        self.assertTrue(got[0].startswith("<157>"), got[0])
        self.assertRegex(got[0], r"mpmd\[\d+\]: MPMD0001: ")
        self.assertEqual(get(s, "/no-such-file"), 404)


if __name__ == "__main__":
    h.main()
