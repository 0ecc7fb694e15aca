#!/usr/bin/env python3
"""Suite offload: CPU-bound work on the child's process pool and through Gearman
(include/mpmd/offload.hpp, examples/offload), under every engine.

* process pool: results (factorial, SHA-256 of a 1 MiB body), a task that crashes its
  helper gives 500 and the helper is replaced, one past OffloadTimeout gives 504;
* Gearman on loopback: a gearmand of the test's own on a free port and two mpmd-worker
  processes; jobs spread over both; background jobs answer 202 with a job handle; one
  worker SIGKILLed under load costs at most the jobs it held; a worker dying mid-job with
  gearmand --job-retries=1 fails with 502, or succeeds with GearmanRetries 1; gearmand
  stopped or silent gives 503 (MPMD0033) within GearmanTimeout plus a margin;
* multi-host: gearmand and the workers in a network namespace the test creates (veth
  pair, a private /30), so jobs cross a link; skipped when not root or without netns.

Every wait is bounded; gearmand, workers, servers and the namespace are removed also on
failure. The .so is BUILD/apps/offload.so and the worker BUILD/tools/mpmd-worker/."""

import atexit
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
from pathlib import Path

import mpmd_harness as h

BUILD = None  # set in __main__: the directory holding mpmd
GEARMAND = shutil.which("gearmand") or "/usr/sbin/gearmand"
_procs = []  # every helper process started, stopped at exit whatever happens


def app_conf(extra=""):
    return (
        'LoadApplication offload "%s"\n<Location /offload>\n    SetHandler offload\n'
        "</Location>\n%s" % (Path(BUILD) / "apps" / "offload.so", extra)
    )


def request(port, path, body=None, timeout=30.0):
    """(status, {lower-case header: value}, body bytes), or (None, {}, error) on failure."""
    conn = http.client.HTTPConnection(h.HOST, port, timeout=timeout)
    try:
        conn.request("POST" if body is not None else "GET", path, body=body)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except (OSError, http.client.HTTPException) as e:
        return None, {}, str(e).encode()
    finally:
        conn.close()


def pid_of(body):
    m = re.match(rb"pid=(\d+)", body)
    return int(m.group(1)) if m else None


def cpu_ticks(pid):
    """utime + stime of PID in clock ticks; 0 if gone."""
    try:
        data = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return 0
    fields = data[data.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def _pdeathsig():
    h._set_pdeathsig()


class Proc:
    """A helper process (gearmand, mpmd-worker) in its own process group."""

    def __init__(self, cmd, log):
        self.log = log
        out = open(log, "ab")
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True, preexec_fn=_pdeathsig)
        out.close()
        _procs.append(self)

    @property
    def pid(self):
        return self.p.pid

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(3)


def gearman_status(host, port):
    """gearmand's admin `status`: {function: (queued, running, workers)}; {} if unreachable."""
    try:
        with socket.create_connection((host, port), timeout=2) as s:
            s.sendall(b"status\n")
            data = b""
            while not data.endswith(b".\n") and len(data) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return {}
    out = {}
    for line in data.decode(errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            out[parts[0]] = tuple(int(x) for x in parts[1:])
    return out


class JobHost:
    """gearmand and N mpmd-worker processes, optionally inside a network namespace."""

    def __init__(self, tmp, workers=2, job_retries=0, netns=None, address="127.0.0.1"):
        self.tmp = Path(tmp)
        self.address = address
        self.port = h.free_port()
        self.netns = netns
        prefix = ["ip", "netns", "exec", netns] if netns else []
        cmd = prefix + [GEARMAND, "--listen=%s" % address, "--port=%d" % self.port,
                        "--log-file=%s" % (self.tmp / "gearmand.log"), "--verbose=WARNING",
                        "--threads=1"]
        if job_retries:
            cmd.append("--job-retries=%d" % job_retries)
        self.gearmand = Proc(cmd, self.tmp / "gearmand.out")
        if not h.wait_until(lambda: self.accepts(), 10):
            raise AssertionError("gearmand did not listen on %s:%d" % (address, self.port))
        self.workers = [self.start_worker(prefix, i) for i in range(workers)]
        if not h.wait_until(lambda: self.worker_count("burn") >= workers, 10):
            raise AssertionError("workers did not register: %r" % gearman_status(address, self.port))

    def start_worker(self, prefix, i):
        worker = str(Path(BUILD) / "tools" / "mpmd-worker" / "mpmd-worker")
        return Proc(prefix + [worker, "--server", "%s:%d" % (self.address, self.port),
                              "--function", "all"], self.tmp / ("worker%d.log" % i))

    def accepts(self):
        # From the root namespace: over the veth link when gearmand is in one.
        try:
            with socket.create_connection((self.address, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def worker_count(self, function):
        return gearman_status(self.address, self.port).get(function, (0, 0, 0))[2]

    @property
    def servers(self):
        return "GearmanServers %s:%d\n" % (self.address, self.port)

    def stop(self):
        for w in self.workers:
            w.stop()
        self.gearmand.stop()


class OffloadCase(unittest.TestCase):
    EXTRA = ""
    START_SERVERS = 2

    def start_server(self, extra):
        server = h.Server(app_conf(extra), start_servers=self.START_SERVERS)
        self.addCleanup(server.stop)
        server.start()
        return server

    def tmpdir(self):
        d = str(h.server_dir("mpmd-offload-", writable=True))
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def helpers(self, child=None):
        """The pids of the pool helpers (children of each child's spawner)."""
        found = []
        for c in [child] if child else self.server.children():
            for spawner in h.children_of(c):
                found.extend(h.children_of(spawner))
        return found

    def error_log(self, server):
        try:
            return server.error_log.read_text(errors="replace")
        except OSError:
            return ""


class ProcessPool(OffloadCase):
    def setUp(self):
        self.server = self.start_server("OffloadProcesses 2\nOffloadTimeout 2s\n")
        self.port = self.server.port

    def test_results_of_every_mode(self):
        for mode in ("inline", "thread", "pool"):
            status, headers, body = request(self.port, "/offload/factorial/%s?in=25" % mode)
            self.assertEqual((status, body), (200, b"15511210043330985984000000"), mode)
        payload = os.urandom(1 << 20)
        status, _, body = request(self.port, "/offload/sha256/pool", body=payload)
        self.assertEqual(status, 200)
        self.assertEqual(body.decode(), hashlib.sha256(payload).hexdigest())
        # A helper, not the serving child, ran it.
        status, _, body = request(self.port, "/offload/whoami/pool")
        self.assertEqual(status, 200)
        self.assertNotIn(pid_of(body), [c for c in self.server.children()])

    def test_spawner_and_helpers_say_what_they_are_in_ps(self):
        # Helpers start with a child's first task.
        self.assertTrue(h.wait_until(
            lambda: request(self.port, "/offload/whoami/pool")[0] == 200 and self.helpers(), 20))
        seen = 0
        for child in self.server.children():
            for pid in h.children_of(child):
                self.assertTrue(h.cmdline(pid).startswith(
                    "mpmd: offload spawner [child %d] (" % child), h.cmdline(pid))
            for pid in self.helpers(child):
                self.assertTrue(h.cmdline(pid).startswith(
                    "mpmd: offload helper [child %d] (" % child), h.cmdline(pid))
                seen += 1
        self.assertGreater(seen, 0)

    def test_bad_input_is_a_500_not_a_crash(self):
        status, headers, _ = request(self.port, "/offload/factorial/pool?in=abc")
        self.assertEqual(status, 500)
        self.assertEqual(headers.get("x-offload-status"), "error")

    def test_crashing_task_gives_500_and_the_helper_is_replaced(self):
        status, headers, _ = request(self.port, "/offload/crash/pool")
        self.assertEqual(status, 500)
        self.assertEqual(headers.get("x-offload-status"), "crashed")
        self.assertTrue(h.wait_until(lambda: "MPMD0032" in self.error_log(self.server), 10))
        for _ in range(4):  # every child's pool still answers
            status, _, body = request(self.port, "/offload/factorial/pool?in=5")
            self.assertEqual((status, body), (200, b"120"))

    def test_task_past_offload_timeout_gives_504(self):
        started = time.monotonic()
        status, headers, _ = request(self.port, "/offload/burn/pool?in=20000")
        self.assertEqual(status, 504)
        self.assertEqual(headers.get("x-offload-status"), "timeout")
        self.assertLess(time.monotonic() - started, 15)  # 2 s timeout; a hang guard only
        status, _, body = request(self.port, "/offload/factorial/pool?in=5")
        self.assertEqual((status, body), (200, b"120"))


class Asynchronous(OffloadCase):
    """The process pool's routes defer their response: under the event engine no
    thread waits for a result, so one handler thread serves other blocking
    routes while more tasks than threads are in flight. Under prefork and worker
    the serving thread waits; the answers are the same."""

    START_SERVERS = 1

    def setUp(self):
        self.server = self.start_server(
            "ThreadsPerChild 1\nOffloadProcesses 2\nOffloadTimeout 60s\n")
        self.port = self.server.port

    def test_both_forms_give_the_same_answers(self):
        for mode in ("pool", "pool-wait"):
            status, headers, body = request(self.port, "/offload/factorial/%s?in=20" % mode)
            self.assertEqual((status, body), (200, b"2432902008176640000"), mode)
            self.assertEqual(headers.get("x-offload-status"), "ok")
            status, headers, _ = request(self.port, "/offload/factorial/%s?in=x" % mode)
            self.assertEqual((status, headers.get("x-offload-status")), (500, "error"), mode)

    def test_tasks_in_flight_hold_no_handler_thread(self):
        if h.ENGINE != "event":
            self.skipTest("prefork and worker wait on the serving thread by design")
        done = []
        lock = threading.Lock()

        def burn():
            r = request(self.port, "/offload/burn/pool?in=2500", timeout=120)
            with lock:
                done.append(r[0])

        burners = [threading.Thread(target=burn) for _ in range(2)]
        for t in burners:
            t.start()
        try:
            # Both tasks are running in the helpers before we go on.
            self.assertTrue(h.wait_until(
                lambda: sum(cpu_ticks(p) > 20 for p in self.helpers()) == 2, 60))
            # The child's only handler thread is free: a blocking route answers
            # while both offloaded requests are still waiting for results.
            status, _, body = request(self.port, "/offload/factorial/thread?in=5")
            with lock:
                pending = 2 - len(done)
            self.assertEqual((status, body), (200, b"120"))
            self.assertEqual(pending, 2, "a task finished before the blocking route answered")
        finally:
            for t in burners:
                t.join(120)
        self.assertEqual(done, [200, 200])


class Gearman(OffloadCase):
    def setUp(self):
        self.jobs = JobHost(self.tmpdir())
        self.addCleanup(self.jobs.stop)
        self.server = self.start_server(self.jobs.servers + "GearmanTimeout 5s\n")
        self.port = self.server.port

    def parallel(self, path, n, threads=8):
        results = []
        lock = threading.Lock()
        paths = [path] * n

        def run():
            while True:
                with lock:
                    if not paths:
                        return
                    paths.pop()
                r = request(self.port, path)
                with lock:
                    results.append(r)

        ts = [threading.Thread(target=run) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        return results

    def test_foreground_and_background_jobs(self):
        status, _, body = request(self.port, "/offload/factorial/gearman?in=30")
        self.assertEqual((status, body), (200, b"265252859812191058636308480000000"))
        payload = os.urandom(1 << 20)
        status, _, body = request(self.port, "/offload/sha256/gearman", body=payload)
        self.assertEqual((status, body.decode()), (200, hashlib.sha256(payload).hexdigest()))
        status, _, body = request(self.port, "/offload/burn/background?in=10")
        self.assertEqual(status, 202)
        self.assertTrue(body.startswith(b"H:"), body)

    def test_jobs_spread_over_both_workers(self):
        results = self.parallel("/offload/burn/gearman?in=100", 24)
        self.assertEqual([r[0] for r in results], [200] * 24)
        pids = {pid_of(r[2]) for r in results}
        self.assertEqual(pids, {w.pid for w in self.jobs.workers})

    def test_killing_a_worker_under_load_costs_at_most_its_jobs(self):
        victim, survivor = self.jobs.workers
        stop = threading.Event()
        results = []
        lock = threading.Lock()

        def client():
            while not stop.is_set():
                r = request(self.port, "/offload/burn/gearman?in=150")
                with lock:
                    results.append((time.monotonic(), r[0], pid_of(r[2]) if r[0] == 200 else None))

        clients = [threading.Thread(target=client) for _ in range(4)]
        for t in clients:
            t.start()
        try:
            h.wait_until(lambda: any(p == victim.pid for _, _, p in results), 20)
            killed_at = time.monotonic()
            victim.stop(signal.SIGKILL)
            time.sleep(2.0)
        finally:
            stop.set()
            for t in clients:
                t.join(60)
        failures = [r for r in results if r[1] != 200]
        # gearmand hands the victim's job to the survivor; at worst the jobs in flight
        # (one per client) fail.
        self.assertLessEqual(len(failures), 4, failures)
        late = [p for t, s, p in results if s == 200 and t > killed_at + 1.0]
        self.assertTrue(late, "no job succeeded after the kill")
        self.assertEqual(set(late), {survivor.pid})

    def test_gearmand_stopped_gives_503_and_a_log_line(self):
        self.jobs.stop()
        for path in ("/offload/burn/gearman?in=1", "/offload/burn/background?in=1"):
            started = time.monotonic()
            status, headers, _ = request(self.port, path)
            self.assertEqual(status, 503, path)
            self.assertEqual(headers.get("x-offload-status"), "unavailable")
            self.assertLess(time.monotonic() - started, 5 + 10)  # GearmanTimeout + margin
        self.assertTrue(h.wait_until(lambda: "MPMD0033" in self.error_log(self.server), 10))


class GearmanFailures(OffloadCase):
    START_SERVERS = 1

    def kill_mid_job(self, extra):
        jobs = JobHost(self.tmpdir(), job_retries=1)
        self.addCleanup(jobs.stop)
        server = self.start_server(jobs.servers + "GearmanTimeout 20s\n" + extra)
        out = {}
        t = threading.Thread(target=lambda: out.update(r=request(server.port,
                                                                 "/offload/burn/gearman?in=1500")))
        t.start()
        # Kill whichever worker took the job once it runs.
        running = h.wait_until(lambda: gearman_status(jobs.address, jobs.port).get("burn", (0, 0))[1],
                               10)
        self.assertTrue(running, "the job never started")
        # gearmand does not say which worker holds the job: the one burning CPU does.
        worker_pids = {w.pid: w for w in jobs.workers}
        before = {pid: cpu_ticks(pid) for pid in worker_pids}
        time.sleep(0.5)
        victim = max(worker_pids, key=lambda p: cpu_ticks(p) - before[p])
        worker_pids[victim].stop(signal.SIGKILL)
        t.join(60)
        return out.get("r"), victim

    def test_worker_death_fails_the_job_with_502(self):
        (status, headers, _), _ = self.kill_mid_job("")
        self.assertEqual(status, 502)
        self.assertEqual(headers.get("x-offload-status"), "job_failed")

    def test_gearman_retries_resubmits_to_another_worker(self):
        (status, _, body), victim = self.kill_mid_job("GearmanRetries 1\n")
        self.assertEqual(status, 200, body)
        self.assertNotEqual(pid_of(body), victim)

    def test_silent_job_server_gives_503_after_the_timeout(self):
        # Accepts connections (the kernel completes the handshake) but never answers.
        silent = socket.socket()
        silent.bind((h.HOST, 0))
        silent.listen(64)
        self.addCleanup(silent.close)
        server = self.start_server("GearmanServers %s:%d\nGearmanTimeout 1s\n"
                                   % (h.HOST, silent.getsockname()[1]))
        started = time.monotonic()
        status, _, _ = request(server.port, "/offload/burn/gearman?in=1")
        elapsed = time.monotonic() - started
        self.assertEqual(status, 503)
        self.assertGreaterEqual(elapsed, 0.9)  # it did wait for GearmanTimeout
        self.assertLess(elapsed, 1 + 10)
        self.assertTrue(h.wait_until(lambda: "MPMD0033" in self.error_log(server), 10))


def _run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)


class MultiHost(OffloadCase):
    """gearmand and two workers in a network namespace, reached over a veth pair."""

    NS = "mpmdoff%d" % os.getpid()
    HOST_IF = "mo%dh" % (os.getpid() % 100000)
    NS_IF = "mo%dn" % (os.getpid() % 100000)

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("multi-host test needs root (ip netns add)")
        if not shutil.which("ip"):
            raise unittest.SkipTest("multi-host test needs ip(8) from iproute2")
        third = 64 + os.getpid() % 128
        cls.host_addr, cls.ns_addr = "10.254.%d.1" % third, "10.254.%d.2" % third
        used = _run(["ip", "-4", "addr"]).stdout.decode()
        if "10.254.%d." % third in used:
            raise unittest.SkipTest("10.254.%d.0/30 is in use on this machine" % third)
        atexit.register(cls.remove_namespace)
        steps = [
            ["ip", "netns", "add", cls.NS],
            ["ip", "link", "add", cls.HOST_IF, "type", "veth", "peer", "name", cls.NS_IF,
             "netns", cls.NS],
            ["ip", "addr", "add", cls.host_addr + "/30", "dev", cls.HOST_IF],
            ["ip", "link", "set", cls.HOST_IF, "up"],
            ["ip", "netns", "exec", cls.NS, "ip", "addr", "add", cls.ns_addr + "/30", "dev",
             cls.NS_IF],
            ["ip", "netns", "exec", cls.NS, "ip", "link", "set", cls.NS_IF, "up"],
            ["ip", "netns", "exec", cls.NS, "ip", "link", "set", "lo", "up"],
        ]
        for step in steps:
            r = _run(step)
            if r.returncode != 0:
                cls.remove_namespace()
                raise unittest.SkipTest("network namespaces unavailable: %s: %s"
                                        % (" ".join(step), r.stdout.decode().strip()))

    @classmethod
    def tearDownClass(cls):
        cls.remove_namespace()

    @classmethod
    def remove_namespace(cls):
        # Deleting the namespace deletes the veth pair with it.
        subprocess.run(["ip", "netns", "del", cls.NS], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)
        subprocess.run(["ip", "link", "del", cls.HOST_IF], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)

    def tx_bytes(self):
        return int(Path("/sys/class/net/%s/statistics/tx_bytes" % self.HOST_IF).read_text())

    def test_jobs_cross_the_link_to_workers_in_another_namespace(self):
        jobs = JobHost(self.tmpdir(), netns=self.NS, address=self.ns_addr)
        self.addCleanup(jobs.stop)
        server = self.start_server(jobs.servers + "GearmanTimeout 5s\n")
        payload = os.urandom(1 << 20)
        sent_before = self.tx_bytes()
        status, _, body = request(server.port, "/offload/sha256/gearman", body=payload)
        self.assertEqual((status, body.decode()), (200, hashlib.sha256(payload).hexdigest()))
        self.assertGreaterEqual(self.tx_bytes() - sent_before, len(payload))
        pids = set()
        for _ in range(12):
            status, _, body = request(server.port, "/offload/whoami/gearman")
            self.assertEqual(status, 200)
            pids.add(pid_of(body))
        # The workers' own pids (in the same pid namespace as the test).
        self.assertTrue(pids <= {w.pid for w in jobs.workers}, pids)
        # The link goes down: the job host is unreachable, 503 after GearmanTimeout.
        _run(["ip", "link", "set", self.HOST_IF, "down"])
        status, _, _ = request(server.port, "/offload/whoami/gearman")
        self.assertEqual(status, 503)


def _stop_all():
    for p in _procs:
        try:
            p.stop(signal.SIGKILL)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--mpmd", default=h.MPMD)
    args, _ = parser.parse_known_args()
    BUILD = os.environ.get("MPMD_BUILD_DIR", str(Path(os.path.abspath(args.mpmd)).parent))
    atexit.register(_stop_all)
    missing = [p for p in (GEARMAND, Path(BUILD) / "apps" / "offload.so",
                           Path(BUILD) / "tools" / "mpmd-worker" / "mpmd-worker")
               if not Path(p).exists()]
    if missing:
        print("offload suite: missing %s; skipping" % ", ".join(map(str, missing)))
        print("0 passed, 0 failed, 1 skipped")
        sys.exit(0)
    h.main()
