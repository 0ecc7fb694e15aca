#!/usr/bin/env python3
"""mpmd benchmark harness: runs mpmd's engines, the peer servers and the
baseline responder through the workloads, interleaved round after round, and
writes bench/results/<timestamp>/{results.csv,report.md,*.png}.

  bench/run.py [--quick] [--rounds N] [--duration S] [--servers a,b] [--workloads a,b]
               [--unpinned] [--held N] [--build DIR] [--out DIR]
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import check, loadgen, procs, report, servers, workloads  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
QUICK_SERVERS = ["baseline", "mpmd-event", "nginx", "apache-event", "h2o"]
FULL_BUDGET_S = 13.5 * 60
QUICK_BUDGET_S = 80
START_STOP_S = 0.6  # measured cost of start + check + stop of one server

COLUMNS = ["round", "workload", "server", "status", "note", "tool", "conns", "keepalive",
           "access_log", "pinned", "server_procs", "duration_s", "requests", "rps", "bytes",
           "bytes_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors", "non2xx", "cpu_s",
           "req_per_cpu_s", "peak_rss_kb", "conns_established", "held_requested",
           "held_established", "held_ready", "held_open_at_end", "mem_per_idle_b"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer servers and workloads, 1 round")
    p.add_argument("--rounds", type=int, help="interleaved rounds (default 3, quick 1)")
    p.add_argument("--duration", type=int, help="seconds per run (default: fit the time budget)")
    p.add_argument("--servers", help="comma-separated, from: " + ",".join(servers.SERVERS))
    p.add_argument("--workloads", help="comma-separated, from: "
                   + ",".join(w.name for w in workloads.WORKLOADS))
    p.add_argument("--unpinned", action="store_true",
                   help="do not pin server and load generator to separate cores")
    p.add_argument("--held", type=int, help="idle connections held (default 15000 per server "
                   "process, 2000 in quick mode; capped under the fd limit)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="cmake build dir")
    p.add_argument("--out", help="results dir (default bench/results/<timestamp>)")
    return p.parse_args(argv)


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def fmt_secs(s):
    s = max(0, int(s))
    return "%dm%02ds" % (s // 60, s % 60) if s >= 60 else "%ds" % s


class Progress:
    """One line per run on the terminal: what runs, how far, time left. Time left
    is the estimate of the remaining runs, scaled by how the done ones compared
    with their estimate."""

    def __init__(self, costs):
        self.costs, self.done, self.start = costs, 0, time.monotonic()

    def begin(self, rnd, rounds, workload, server):
        elapsed = time.monotonic() - self.start
        planned = sum(self.costs[:self.done])
        factor = min(3.0, max(0.5, elapsed / planned)) if planned > 0 and elapsed > 5 else 1.0
        left = sum(self.costs[self.done:]) * factor
        total = len(self.costs)
        sys.stdout.write("[%3d/%d %3d%%] round %d/%d  %-13s %-15s elapsed %s, ~%s left ... "
                         % (self.done + 1, total, 100 * self.done // total, rnd, rounds,
                            workload, server, fmt_secs(elapsed), fmt_secs(left)))
        sys.stdout.flush()

    def end(self, row):
        self.done += 1
        if row["status"] == "ok":
            extra = ""
            if row.get("mem_per_idle_b") not in ("", None):
                extra = ", %s idle held, %.0f B/idle conn" % (row["held_ready"],
                                                               row["mem_per_idle_b"])
            print("%.0f req/s, p99 %.2f ms%s" % (row["rps"], row["p99_ms"], extra))
        else:
            print("%s: %s" % (row["status"].upper(), row["note"][:100]))


def run_one(name, wl, rnd, ctx, failed):
    row = {"round": rnd, "workload": wl.name, "server": name, "status": "ok", "note": "",
           "tool": wl.tool, "conns": wl.conns, "keepalive": int(wl.keepalive),
           "access_log": int(wl.access_log), "pinned": int(ctx.pinned),
           "server_procs": ctx.procs}
    if name in failed:
        row["status"], row["note"] = failed[name]
        return row
    workdir = tempfile.mkdtemp(prefix="%s-" % name, dir=ctx.tmp)
    os.chmod(workdir, 0o777)  # peers write logs and pid files after dropping root
    srv = servers.Server(name, workdir, ctx.docroot, ctx.build, ctx.procs, wl, ctx.server_cpu)
    try:
        srv.start()
    except servers.StartError as e:
        row["status"], row["note"] = e.status, e.note
        if e.status in ("missing", "failed-to-start"):
            failed[name] = (e.status, "%s (first seen: round %d, %s)" % (e.note, rnd, wl.name))
        return row
    try:
        measure(srv, wl, ctx, row)
    except (loadgen.LoadError, subprocess.TimeoutExpired) as e:
        row["status"], row["note"] = "load-failed", str(e)[:300]
    finally:
        srv.stop()
        # Checked once the server has stopped, so that buffered logs count; the
        # baseline never logs (it is the floor).
        if (row["status"] == "ok" and wl.access_log and name != "baseline"
                and not (os.path.exists(srv.access_log) and os.path.getsize(srv.access_log))):
            row["status"], row["note"] = "invalid", "access log on but nothing was written to it"
        shutil.rmtree(workdir, ignore_errors=True)
    return row


def measure(srv, wl, ctx, row):
    sid = srv.proc.pid
    holder = None
    if wl.held:
        n = min(ctx.held, servers.HELD_CAP.get(srv.name, ctx.held))
        rss0 = procs.rss_kb(srv.pids())
        holder = loadgen.Holder(srv.port, wl.path, n, cpu=ctx.load_cpu)
        time.sleep(0.3)
        rss1 = procs.rss_kb(srv.pids())
        row.update(held_requested=n, held_established=holder.established,
                   held_ready=holder.ready)
        row["mem_per_idle_b"] = ((rss1 - rss0) * 1024.0 / holder.ready) if holder.ready else ""
        # A server whose workers are all taken by idle connections answers no one
        # else: say so instead of waiting for the load generator to time out.
        blocked = check.check(srv.port, wl.path, wl.size, timeout=2.0)
        if blocked:
            row["held_open_at_end"] = holder.finish()
            row["status"] = "invalid"
            row["note"] = ("while %d idle connections are held (%d answered), a new client "
                           "gets no answer: %s" % (n, holder.ready, blocked))
            return
    try:
        opens0 = procs.tcp_passive_opens()
        cpu0 = procs.cpu_seconds(srv.pids())
        with procs.Sampler(sid) as sampler:
            if wl.tool == "h2load":
                res = loadgen.run_h2load(srv.port, wl.path, wl.conns, ctx.duration, ctx.threads)
            else:
                res = loadgen.run_wrk(srv.port, wl.path, wl.conns, ctx.duration, ctx.threads,
                                      keepalive=wl.keepalive)
            cpu1 = procs.cpu_seconds(srv.pids())
        opens1 = procs.tcp_passive_opens()
    finally:
        if holder:
            row["held_open_at_end"] = holder.finish()
    cpu = cpu1 - cpu0
    row.update(duration_s=round(res.duration_s, 3), requests=res.requests, rps=res.rps,
               bytes=res.bytes, bytes_per_s=res.bytes_per_s, p50_ms=res.p50_ms,
               p90_ms=res.p90_ms, p99_ms=res.p99_ms, max_ms=res.max_ms, errors=res.errors,
               non2xx=res.non2xx, cpu_s=round(cpu, 3),
               req_per_cpu_s=(res.requests / cpu) if cpu > 0 else "",
               peak_rss_kb=sampler.peak_kb, conns_established=opens1 - opens0)
    problems = [check.check_load(res, wl.size)] + res.notes
    after = check.check(srv.port, wl.path, wl.size) if srv.proc.poll() is None else "server exited"
    if after:
        problems.append("after the run: " + after)
    problems = [p for p in problems if p]
    if problems:
        row["status"], row["note"] = "invalid", "; ".join(problems)


def run_overhead(server, wl, held):
    """Seconds a run costs beyond its load duration (measured on the 2-core machine):
    start + check + stop, h2load's 5,000 connects, opening the held connections,
    and the probe that finds a blocking server's workers all taken."""
    cost = START_STOP_S + (2.0 if wl.conns >= 5000 else 0.0)
    if wl.held:
        cost += 1.0 + held / 4000.0
        if server.endswith(("-worker", "-prefork")):
            cost += 4.0
    return cost


class Context:
    pass


def tool_versions():
    cmds = {"nginx": ["nginx", "-v"], "apache2": ["apache2", "-v"], "lighttpd": ["lighttpd", "-v"],
            "h2o": ["h2o", "--version"], "wrk": ["wrk", "-v"], "h2load": ["h2load", "--version"],
            "mpmd": ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]}
    out = {}
    for name, cmd in cmds.items():
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=5)
            out[name] = p.stdout.strip().splitlines()[0] if p.stdout.strip() else ""
        except (OSError, subprocess.TimeoutExpired):
            out[name] = "not installed"
    return out


def main(argv):
    args = parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    names = (args.servers.split(",") if args.servers
             else QUICK_SERVERS if args.quick else list(servers.SERVERS))
    unknown = [n for n in names if n not in servers.SERVERS]
    if unknown:
        sys.exit("unknown server(s): %s (known: %s)" % (", ".join(unknown),
                                                        ", ".join(servers.SERVERS)))
    wls = workloads.by_name(args.workloads.split(",") if args.workloads
                            else workloads.QUICK_WORKLOADS if args.quick
                            else [w.name for w in workloads.WORKLOADS])
    ncpu = os.cpu_count() or 1
    ctx = Context()
    ctx.build = os.path.abspath(args.build)
    ctx.pinned = not args.unpinned and ncpu >= 2
    ctx.server_cpu, ctx.load_cpu = (0, 1) if ctx.pinned else (None, None)
    ctx.procs = 1 if ctx.pinned else ncpu
    ctx.threads = 1 if ctx.pinned else ncpu
    fd_limit = raise_fd_limit()
    default_held = 2000 if args.quick else 15000 * ctx.procs
    ctx.held = max(1, min(args.held or default_held, 15000 * ctx.procs, fd_limit - 2000,
                          25000))
    if ctx.pinned:
        os.sched_setaffinity(0, {ctx.load_cpu})  # the harness and its load generators

    runs = rounds * len(names) * len(wls)
    fixed = rounds * sum(run_overhead(n, w, ctx.held) for n in names for w in wls)
    budget = QUICK_BUDGET_S if args.quick else FULL_BUDGET_S
    ctx.duration = args.duration or max(2, min(10, int((budget - fixed) / runs)))
    estimate = fixed + runs * ctx.duration

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = os.path.abspath(args.out or os.path.join(BENCH_DIR, "results", stamp))
    os.makedirs(out, exist_ok=True)
    ctx.tmp = tempfile.mkdtemp(prefix="mpmd-bench-")
    os.chmod(ctx.tmp, 0o755)
    ctx.docroot = os.path.join(ctx.tmp, "www")
    workloads.make_docroot(ctx.docroot)

    print("mpmd bench: %d servers x %d workloads x %d round(s) = %d runs of %ds; %s; "
          "server processes %d; held connections %d" % (
              len(names), len(wls), rounds, runs, ctx.duration,
              "server pinned to cpu 0, load to cpu 1" if ctx.pinned else "unpinned",
              ctx.procs, ctx.held))
    print("estimated time: %s (failed peers make it shorter); results in %s"
          % (fmt_secs(estimate), out))
    meta = {"started": stamp, "rounds": rounds, "duration_s": ctx.duration,
            "pinned": ctx.pinned, "server_procs": ctx.procs, "held": ctx.held,
            "servers": names, "workloads": [w.name for w in wls], "quick": args.quick,
            "cpus": ncpu, "versions": tool_versions()}
    with open("/proc/loadavg") as f:
        meta["loadavg_at_start"] = float(f.read().split()[0])
    if meta["loadavg_at_start"] > 0.5:
        print("warning: load average %.2f before the start: other work on this machine will "
              "skew the figures" % meta["loadavg_at_start"])
    rows, failed = [], {}
    plan = []
    for rnd in range(1, rounds + 1):
        # Rotate the server order each round so no server always runs first.
        shift = (rnd - 1) % len(names)
        order = names[shift:] + names[:shift]
        plan += [(rnd, wl, name) for wl in wls for name in order]
    progress = Progress([run_overhead(n, w, ctx.held) + ctx.duration for _, w, n in plan])
    csv_path = os.path.join(out, "results.csv")
    try:
        for rnd, wl, name in plan:
            progress.begin(rnd, rounds, wl.name, name)
            row = run_one(name, wl, rnd, ctx, failed)
            row["note"] = " ".join(str(row.get("note", "")).split())  # one line, for csv and md
            progress.end(row)
            rows.append(row)
            report.write_csv(csv_path, rows, COLUMNS)
    except KeyboardInterrupt:
        print("\ninterrupted: reporting the %d runs done" % len(rows))
    finally:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    meta["elapsed_s"] = round(time.monotonic() - progress.start, 1)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    report.write_csv(csv_path, rows, COLUMNS)
    plots = report.write_plots(out, rows, wls, names)
    report.write_report(os.path.join(out, "report.md"), rows, wls, names, meta, plots)
    print("done in %s: %s" % (fmt_secs(meta["elapsed_s"]), os.path.join(out, "report.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
