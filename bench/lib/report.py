"""Outputs of a run: results.csv (one row per run), report.md (a table per
workload with medians, min-max and ratios) and PNG plots drawn by gnuplot."""
import csv
import math
import os
import shutil
import subprocess

from . import stats

METRICS = ["rps", "bytes_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors", "non2xx",
           "cpu_s", "req_per_cpu_s", "peak_rss_kb", "conns_established", "mem_per_idle_b",
           "held_ready", "held_open_at_end"]


def write_csv(path, rows, columns):
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _cell(r.get(k, "")) for k in columns})
    os.replace(path + ".tmp", path)


def _cell(v):
    if isinstance(v, float):
        return "" if math.isnan(v) else "%.6g" % v
    return v


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _rows_for(rows, workload):
    return [r for r in rows if r["workload"] == workload]


def _status_of(rows, server):
    """Why a server has no figure: the distinct non-ok statuses and notes."""
    seen = []
    for r in rows:
        if r["server"] == server and r["status"] != "ok" and "(first seen:" not in r["note"]:
            item = "%s in %s: %s" % (r["status"], r["workload"], " ".join(r["note"].split()))
            if r["status"] in ("missing", "failed-to-start"):
                item += " (not run again)"
            if item not in seen:
                seen.append(item)
    return "; ".join(seen)


def _mb(v):
    return v / 1e6 if not math.isnan(v) else v


def _scale(triple, factor):
    return tuple(x * factor for x in triple)


def write_report(path, rows, wls, names, meta, plots):
    rows = [dict(r, round=int(r["round"])) for r in rows]
    out = ["# mpmd benchmark", ""]
    out.append("Started %s, %d round(s) of %d s per run, %s, %d server process(es), "
               "%d held idle connections. Every figure is the median over rounds with "
               "min–max in parentheses; ratios are computed within each round, to the best "
               "peer (the best server other than the baseline) and to the baseline responder "
               "(a fixed answer from a minimal epoll loop: the cost of the syscalls alone)."
               % (meta["started"], meta["rounds"], meta["duration_s"],
                  "server pinned to cpu 0 and load generator to cpu 1" if meta["pinned"]
                  else "unpinned", meta["server_procs"], meta["held"]))
    out.append("")
    if meta.get("loadavg_at_start", 0) > 0.5:
        out += ["**Warning:** the load average was %.2f when the run started: other work on "
                "the machine skews these figures." % meta["loadavg_at_start"], ""]
    out.append("Versions: " + "; ".join("%s: %s" % kv for kv in meta["versions"].items()))
    out.append("")
    failures = [(s, _status_of(rows, s)) for s in names]
    failures = [(s, why) for s, why in failures if why]
    if failures:
        out += ["## Servers with failed or invalid runs", ""]
        out += ["- **%s** — %s" % (s, why[:400]) for s, why in failures]
        out.append("")
    for wl in wls:
        wrows = _rows_for(rows, wl.name)
        if not wrows:
            continue
        summary = stats.summarize_workload(wrows, METRICS)
        out += ["## %s — %s" % (wl.name, wl.label), ""]
        if plots.get("latency-" + wl.name):
            out += ["![latency %s](%s)" % (wl.name, plots["latency-" + wl.name]), ""]
        head = ["server", "req/s", "× best peer", "× baseline", "MB/s", "p50 ms", "p90 ms",
                "p99 ms", "max ms", "errors", "non-2xx", "server CPU s", "req/CPU-s",
                "peak RSS MB", "conns"]
        if wl.held:
            head += ["idle held", "open at end", "B / idle conn"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        ranked = sorted(summary.items(), key=lambda kv: -_key(kv[1]["rps"][0]))
        for server, e in ranked:
            if e["runs_ok"] == 0:
                cells = [server, "**%s**" % _first_status(wrows, server)] + [""] * (len(head) - 2)
            else:
                cells = [server, stats.fmt_range(e["rps"]), _ratio(e["ratio_best"]),
                         _ratio(e["ratio_baseline"]), stats.fmt_range(_mb3(e["bytes_per_s"])),
                         stats.fmt_range(e["p50_ms"]), stats.fmt_range(e["p90_ms"]),
                         stats.fmt_range(e["p99_ms"]), stats.fmt_range(e["max_ms"]),
                         stats.fmt_range(e["errors"]), stats.fmt_range(e["non2xx"]),
                         stats.fmt_range(e["cpu_s"]), stats.fmt_range(e["req_per_cpu_s"]),
                         stats.fmt_range(_scale(e["peak_rss_kb"], 1 / 1024.0)),
                         stats.fmt_range(e["conns_established"])]
                if wl.held:
                    cells += [stats.fmt_range(e["held_ready"]),
                              stats.fmt_range(e["held_open_at_end"]),
                              stats.fmt_range(e["mem_per_idle_b"])]
                if e["runs_ok"] < e["runs"]:
                    cells[0] += " (%d/%d runs ok)" % (e["runs_ok"], e["runs"])
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += ["## Plots", ""]
    for name, png in sorted(plots.items()):
        if not name.startswith("latency-"):
            out += ["![%s](%s)" % (name, png), ""]
    out += ["## Method", "",
            "- Servers run in the foreground from temporary configs rendered from "
            "`bench/peers/*.in`, one at a time on a fresh loopback port, restarted for "
            "every run; the server order rotates each round.",
            "- Before each run one request checks the status (200) and body length; a "
            "server that answers wrongly is marked `wrong-answer` and not measured; after "
            "the run, non-2xx answers (wrk counts status >= 400), short responses or a "
            "failed re-check mark the run `invalid`. Neither counts in any figure.",
            "- Server CPU seconds and RSS are summed over all the server's processes "
            "(/proc); RSS is sampled every 0.2 s for the peak. `conns` is the number of "
            "TCP connections accepted during the run (/proc/net/snmp PassiveOpens).",
            "- held-idle: N connections each make one request and then stay idle; "
            "B / idle conn = (server RSS with them held − RSS before) / connections held.",
            ""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def _key(v):
    return -1 if math.isnan(v) else v


def _mb3(triple):
    return tuple(_mb(x) for x in triple)


def _ratio(triple):
    med, lo, hi = triple
    if math.isnan(med):
        return "-"
    if abs(hi - lo) < 0.005:
        return "%.2f" % med
    return "%.2f (%.2f–%.2f)" % (med, lo, hi)


def _first_status(rows, server):
    for r in rows:
        if r["server"] == server and r["status"] != "ok":
            return r["status"]
    return "no data"


# ---- plots -----------------------------------------------------------------

# Ten distinct colours, one per server (gnuplot's default cycle has eight).
COLORS = ["#9400d3", "#009e73", "#56b4e9", "#e69f00", "#f0e442", "#0072b2", "#e51e10",
          "#404040", "#ff69b4", "#a0a0a0"]


def _gnuplot(script, cwd):
    exe = shutil.which("gnuplot")
    if not exe:
        return False
    p = subprocess.run([exe], input=script, text=True, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return p.returncode == 0


def _median(rows, server, metric):
    return stats.summarize([r.get(metric) for r in stats.ok_rows(rows)
                            if r["server"] == server])


def _header(font="sans,10"):
    return ('set terminal pngcairo size 1200,600 font "%s"\nset style data histograms\n'
            "set style histogram errorbars gap 1 lw 1\nset style fill solid 0.85 border -1\n"
            "set boxwidth 0.9\nset grid ytics\nset key outside right top\n"
            "set xtics rotate by -30\nset datafile missing '-'\n" % font)


def write_plots(out, rows, wls, names):
    """Writes rps.png, latency-<workload>.png and memory.png; returns
    {plot name: file name} for those gnuplot produced."""
    plots = {}
    wl_names = [w.name for w in wls if _rows_for(rows, w.name)]
    servers = [s for s in names if stats.ok_rows([r for r in rows if r["server"] == s])]
    if not wl_names or not servers:
        return plots
    # requests/s: workloads on x, one bar (median, min-max error bar) per server
    with open(os.path.join(out, "rps.dat"), "w") as f:
        for w in wl_names:
            cells = []
            for s in servers:
                med, lo, hi = _median(_rows_for(rows, w), s, "rps")
                cells += ["-", "-", "-"] if math.isnan(med) else ["%g" % med, "%g" % lo,
                                                                  "%g" % hi]
            f.write("%s %s\n" % (w, " ".join(cells)))
    plot = ", ".join("'rps.dat' using %d:%d:%d%s title '%s' lc rgb '%s'"
                     % (2 + 3 * i, 3 + 3 * i, 4 + 3 * i, ":xtic(1)" if i == 0 else "", s,
                        COLORS[i % len(COLORS)])
                     for i, s in enumerate(servers))
    script = _header() + ("set output 'rps.png'\nset title 'requests/s per server and workload "
                          "(median, min-max bars; log scale)'\nset logscale y\n"
                          "set ylabel 'requests/s'\nplot %s\n" % plot)
    if _gnuplot(script, out):
        plots["rps"] = "rps.png"
    # latency percentiles per workload: servers on x, bars p50 / p90 / p99
    for w in wl_names:
        wrows = _rows_for(rows, w)
        fname = "latency-%s.dat" % w
        have = False
        with open(os.path.join(out, fname), "w") as f:
            for s in servers:
                cells = []
                for m in ("p50_ms", "p90_ms", "p99_ms"):
                    med, lo, hi = _median(wrows, s, m)
                    cells += ["-", "-", "-"] if math.isnan(med) else ["%g" % max(med, 0.001),
                                                                      "%g" % max(lo, 0.001),
                                                                      "%g" % max(hi, 0.001)]
                    have = have or not math.isnan(med)
                f.write('"%s" %s\n' % (s, " ".join(cells)))
        if not have:
            continue
        png = "latency-%s.png" % w
        script = _header() + (
            "set output '%s'\nset title 'latency percentiles, %s (ms, log scale)'\n"
            "set logscale y\nset ylabel 'ms'\nplot '%s' using 2:3:4:xtic(1) title 'p50', "
            "'' using 5:6:7 title 'p90', '' using 8:9:10 title 'p99'\n" % (png, w, fname))
        if _gnuplot(script, out):
            plots["latency-" + w] = png
    # memory per idle connection (held-idle workload)
    held = [w.name for w in wls if w.held and _rows_for(rows, w.name)]
    if held:
        hrows = _rows_for(rows, held[0])
        lines = []
        for s in servers:
            med, lo, hi = _median(hrows, s, "mem_per_idle_b")
            if not math.isnan(med):
                lines.append('"%s" %g %g %g' % (s, med, lo, hi))
        if lines:
            with open(os.path.join(out, "memory.dat"), "w") as f:
                f.write("\n".join(lines) + "\n")
            script = _header() + (
                "set output 'memory.png'\nset title 'server memory per idle keep-alive "
                "connection (bytes of RSS, median, min-max bars)'\nset ylabel 'bytes'\n"
                "set yrange [0:*]\nplot 'memory.dat' using 2:3:4:xtic(1) title 'B / idle conn'\n")
            if _gnuplot(script, out):
                plots["memory"] = "memory.png"
    return plots
