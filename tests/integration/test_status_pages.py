#!/usr/bin/env python3
"""Suite status_pages: server-status (?auto, ?json, HTML) and /metrics, read by the tools
people point at them: Debian's prometheus-apache-exporter and python3-prometheus-client;
access control with Require."""

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

import mpmd_harness as h

# Apache's ?auto keys, in Apache's order (the ones every engine prints).
AUTO_ORDER = [
    "ServerVersion", "ServerMPM", "Server Built", "CurrentTime", "RestartTime",
    "ParentServerConfigGeneration", "ParentServerMPMGeneration", "ServerUptimeSeconds",
    "ServerUptime", "Load1", "Load5", "Load15", "Total Accesses", "Total kBytes",
    "Total Duration", "CPUUser", "CPUSystem", "CPUChildrenUser", "CPUChildrenSystem",
    "Uptime", "BusyWorkers", "GracefulWorkers", "IdleWorkers", "Scoreboard",
]
ASYNC_KEYS = ["Processes", "Stopping", "ConnsTotal", "ConnsAsyncWriting", "ConnsAsyncKeepAlive",
              "ConnsAsyncClosing"]
EXPORTER = "prometheus-apache-exporter"

EXTRA = h.STATUS_LOCATIONS + """\
<Location /status-elsewhere>
    SetHandler server-status
    Require ip 192.0.2.1
</Location>
"""


def import_prometheus_parser():
    """prometheus_client's text parser; Debian's python3-prometheus-client lives in
    /usr/lib/python3/dist-packages, which another python3 (pyenv, venv) may not search."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        from prometheus_client.parser import text_string_to_metric_families
    return text_string_to_metric_families


def auto_keys_in_order(text):
    return [line.split(":", 1)[0] for line in text.splitlines()[1:] if ":" in line]


class StatusPages(h.ServerTestCase):
    EXTRA = EXTRA

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.server.docroot / "denied").mkdir()
        (cls.server.docroot / "denied" / "file.txt").write_bytes(b"not for you\n")
        # Children up and idle before the first page is read.
        h.wait_until(lambda: len(cls.server.children()) >= 2, 10)
        time.sleep(0.5)

    def get(self, path):
        return h.http_get(self.port, path)

    def test_auto_is_plain_text_in_apache_order(self):
        status, headers, body = self.get("/server-status?auto")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"), headers)
        text = body.decode()
        keys = auto_keys_in_order(text)
        present = [k for k in keys if k in AUTO_ORDER]
        self.assertEqual(present, [k for k in AUTO_ORDER if k in present], text)
        for k in ["ServerVersion", "ServerMPM", "Total Accesses", "BusyWorkers", "IdleWorkers",
                  "Scoreboard", "ParentServerMPMGeneration"]:
            self.assertIn(k, keys, text)
        auto = h.parse_auto(text)
        self.assertEqual(auto["ServerMPM"], h.ENGINE)
        self.assertEqual(auto["ServerName"], auto["ServerName"].strip())
        self.assertNotIn(":", auto["ServerName"], "first line must be the bare server name")
        self.assertRegex(auto["Scoreboard"], r"^[_SRWKDCLGI.]+$")
        if h.ENGINE == "event":
            for k in ASYNC_KEYS:
                self.assertIn(k, keys, text)
            # Apache's order: the async block sits between IdleWorkers and Scoreboard.
            self.assertLess(keys.index("IdleWorkers"), keys.index("Processes"))
            self.assertLess(keys.index("ConnsAsyncClosing"), keys.index("Scoreboard"))

    def read_json(self):
        status, headers, body = self.get("/server-status?json")
        self.assertEqual(status, 200)
        self.assertIn("json", headers["content-type"])
        return json.loads(body)

    def test_json_agrees_with_auto(self):
        # Read both until they describe the same quiet moment (our own request is the one
        # busy worker each time; a connection closed just before may still be closing).
        def agreeing():
            auto = h.status_auto(self.port)
            doc = self.read_json()
            same = (doc["workers"]["busy"] == int(auto["BusyWorkers"]) and
                    doc["workers"]["idle"] == int(auto["IdleWorkers"]))
            return (same and (auto, doc)) or None

        got = h.wait_until(agreeing, 5, 0.2)
        self.assertTrue(got, "?json and ?auto disagree on the workers: %s vs %s"
                        % (self.read_json().get("workers"), h.status_auto(self.port)))
        auto, doc = got
        self.assertEqual(doc["server_mpm"], auto["ServerMPM"])
        self.assertEqual(doc["server_version"], auto["ServerVersion"])
        self.assertEqual(str(doc["mpm_generation"]), auto["ParentServerMPMGeneration"])
        self.assertEqual(str(doc["config_generation"]), auto["ParentServerConfigGeneration"])
        # The ?auto request was counted by now, or is about to be.
        accesses = int(auto["Total Accesses"])
        self.assertGreaterEqual(doc["total_accesses"], accesses)
        self.assertLessEqual(doc["total_accesses"], accesses + 2)
        self.assertEqual(doc["workers"]["graceful"], int(auto["GracefulWorkers"]))
        self.assertEqual(len(doc["scoreboard"]), len(auto["Scoreboard"]))
        self.assertEqual(doc["scoreboard"].count("_"), auto["Scoreboard"].count("_"))
        self.assertEqual(doc["scoreboard"].count("_"), doc["workers"]["idle"])
        if h.ENGINE == "event":
            self.assertEqual(doc["processes"]["total"], int(auto["Processes"]))

    def test_busy_worker_shows_its_current_request(self):
        """Like mod_status: a worker busy with a request shows that request (and its client)
        while it is being served, not the one before."""
        if h.ENGINE == "event":
            self.skipTest("event: one scoreboard slot per child's loop, which shows the last "
                          "request it began (here the status request itself)")
        (self.server.docroot / "big.bin").write_bytes(b"z" * (16 << 20))
        s = socket.create_connection((h.HOST, self.port), timeout=10)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            s.sendall(b"GET /big.bin?stalled HTTP/1.1\r\nHost: localhost\r\n\r\n")
            s.recv(65536)  # started; the client now stalls, the server is writing

            def shown():
                rows = self.read_json().get("worker_table", [])
                return [r for r in rows if "/big.bin?stalled" in r.get("request", "")]

            rows = h.wait_until(shown, 5, 0.2)
            self.assertTrue(rows, "no worker shows the request in flight: %s"
                            % [(r.get("state"), r.get("request"))
                               for r in self.read_json().get("worker_table", [])])
            self.assertEqual(rows[0].get("request"), "GET /big.bin?stalled HTTP/1.1")
            self.assertIn(rows[0].get("state"), ("W", "R"), rows[0])
            self.assertEqual(rows[0].get("client"), "127.0.0.1")
        finally:
            # Read the response to its end: leaving mid-response would also test SIGPIPE
            # handling (test_engines_recycle), not the status page.
            try:
                received, end = 0, time.monotonic() + 10
                while received < (16 << 20) and time.monotonic() < end:
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        break
                    received += len(chunk)
            except OSError:
                pass
            s.close()

    def test_html_page_has_the_scoreboard(self):
        status, headers, body = self.get("/server-status")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"), headers)
        html = body.decode()
        m = re.search(r"<pre>(.*?)</pre>", html, re.S)
        self.assertTrue(m, "no <pre> scoreboard in:\n" + html[:2000])
        board = m.group(1).strip()
        lines = board.splitlines()
        self.assertTrue(all(len(line) <= 64 for line in lines), board)
        self.assertRegex(board.replace("\n", ""), r"^[_SRWKDCLGI.]+$")
        self.assertIn("requests currently being processed", html)
        self.assertIn("idle workers", html)
        auto = h.status_auto(self.port)
        self.assertEqual(len(board.replace("\n", "")), len(auto["Scoreboard"]))

    def test_require_ip_and_all_denied(self):
        self.assertEqual(self.get("/server-status?auto")[0], 200)
        self.assertEqual(self.get("/metrics")[0], 200)
        self.assertEqual(self.get("/denied/file.txt")[0], 403)
        self.assertEqual(self.get("/denied/")[0], 403)
        # Loopback is not 192.0.2.1: the same handler elsewhere is refused.
        status, _, body = self.get("/status-elsewhere?auto")
        self.assertEqual(status, 403)
        self.assertNotIn(b"Scoreboard", body)
        # Outside the locations, files are served as usual.
        self.assertEqual(self.get("/4k.txt")[0], 200)

    def test_metrics_parsed_by_prometheus_client(self):
        parse = import_prometheus_parser()
        status, headers, body = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"), headers)
        self.assertIn("version=0.0.4", headers["content-type"])
        families = {f.name: f for f in parse(body.decode())}
        # prometheus_client names a counter family without its _total suffix.
        for name, kind in [("mpmd_up", "gauge"), ("mpmd_info", "gauge"),
                           ("mpmd_generation", "gauge"), ("mpmd_requests", "counter"),
                           ("mpmd_sent_bytes", "counter"), ("mpmd_workers", "gauge"),
                           ("mpmd_scoreboard", "gauge"), ("mpmd_processes", "gauge"),
                           ("mpmd_connections", "gauge"), ("mpmd_children_spawned", "counter")]:
            self.assertIn(name, families, sorted(families))
            self.assertEqual(families[name].type, kind, name)
        up = families["mpmd_up"].samples[0].value
        self.assertEqual(up, 1)
        info = families["mpmd_info"].samples[0].labels
        self.assertEqual(info.get("mpm"), h.ENGINE)
        workers = {s.labels["state"]: s.value for s in families["mpmd_workers"].samples}
        self.assertEqual(set(workers), {"busy", "idle", "graceful"})
        self.assertGreaterEqual(workers["busy"], 1)  # this request

        def requests_total(fams):
            return [s.value for s in fams["mpmd_requests"].samples
                    if s.name == "mpmd_requests_total"][0]

        before = requests_total(families)
        for _ in range(10):
            self.assertEqual(self.get("/4k.txt")[0], 200)
        after = h.wait_until(
            lambda: (lambda v: v >= before + 10 and v)(
                requests_total({f.name: f for f in parse(self.get("/metrics")[2].decode())})),
            5, 0.1)
        self.assertTrue(after, "mpmd_requests_total did not grow by 10 from %s" % before)

    def test_auto_read_by_prometheus_apache_exporter(self):
        exe = shutil.which(EXPORTER)
        self.assertTrue(exe, "%s not installed (scripts/deps/integration.txt)" % EXPORTER)
        # Without keep-alive the exporter's connection does not stay in the scoreboard as a
        # busy 'K' worker between scrapes, so its counts and ours describe the same server.
        server = h.Server(EXTRA + "KeepAlive Off\n").start()
        self.addCleanup(server.stop)
        h.wait_until(lambda: len(server.children()) >= 2, 10)
        port = h.free_port()
        log = open(server.tmp / "exporter.log", "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(
            [exe, "--telemetry.address=%s:%d" % (h.HOST, port),
             "--scrape_uri=%s/server-status?auto" % server.url],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

        def stop():
            proc.kill()
            proc.wait(5)

        self.addCleanup(stop)
        self.assertTrue(h.wait_until(lambda: h.port_accepts(port), 10, 0.1),
                        "exporter did not listen:\n" + h.tail(server.tmp / "exporter.log"))

        def scrape():
            status, _, body = h.http_get(port, "/metrics")
            self.assertEqual(status, 200)
            return h.parse_metrics(body.decode())

        # The exporter reads ?auto at the moment of our scrape; compare with ?auto read
        # right after (a quiet server: our status request is the one busy worker each time,
        # but a thread may still be closing the previous connection: retry until quiet).
        # Two samples of a live count. An event child's one slot is busy while its
        # loop handles events, which another child may be doing at either instant.
        slack = 1 if h.ENGINE == "event" else 0

        def agreeing():
            m = scrape()
            auto = h.status_auto(server.port)
            idle_ok = m.get('apache_workers{state="idle"}') == float(auto["IdleWorkers"])
            busy_ok = abs(m.get('apache_workers{state="busy"}', -9) -
                          float(auto["BusyWorkers"])) <= slack
            acc = m.get("apache_accesses_total", -1)
            acc_ok = int(auto["Total Accesses"]) - 2 <= acc <= int(auto["Total Accesses"])
            return (idle_ok and busy_ok and acc_ok and (m, auto)) or None

        got = h.wait_until(agreeing, 10, 0.3)
        m = scrape()
        self.assertEqual(m.get("apache_up"), 1.0, "exporter could not read ?auto:\n%s"
                         % h.tail(server.tmp / "exporter.log"))
        self.assertTrue(got, "exporter and ?auto disagree: %s vs %s"
                        % ({k: v for k, v in m.items() if k.startswith("apache_")},
                           h.status_auto(server.port)))
        m, auto = got
        self.assertLessEqual(abs(m.get('apache_workers{state="busy"}', -9) -
                                 float(auto["BusyWorkers"])), slack)
        self.assertEqual(m.get('apache_scoreboard{state="idle"}'),
                         float(auto["Scoreboard"].count("_")))
        self.assertEqual(m.get('apache_generation{type="mpm"}'),
                         float(auto["ParentServerMPMGeneration"]))
        info = [k for k in m if k.startswith("apache_info{")]
        self.assertTrue(info and 'mpm="%s"' % h.ENGINE in info[0], info)
        # Accesses grow as mpmd serves.
        first = m["apache_accesses_total"]
        for _ in range(5):
            self.assertEqual(h.http_get(server.port, "/4k.txt")[0], 200)
        grown = h.wait_until(lambda: scrape().get("apache_accesses_total", 0) >= first + 5,
                             5, 0.2)
        self.assertTrue(grown, "apache_accesses_total did not grow by 5 from %s" % first)
        text = (server.tmp / "exporter.log").read_text(errors="replace")
        self.assertNotIn("level=error", text)


if __name__ == "__main__":
    h.main()
