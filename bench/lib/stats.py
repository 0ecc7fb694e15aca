"""Summaries over rounds: median with min-max, and ratios computed within each
round (to the best peer and to the baseline), then summarised over rounds.

A "row" is a dict as written to results.csv; only rows whose status is "ok"
take part in any figure.
"""
import math
import statistics

BASELINE = "baseline"

# Figures where a lower value is better (the "best peer" is the lowest).
LOWER_IS_BETTER = {"p50_ms", "p90_ms", "p99_ms", "max_ms", "cpu_s", "peak_rss_kb",
                   "mem_per_idle_b"}


def _finite(values):
    out = []
    for v in values:
        if v is None or v == "":
            continue
        v = float(v)
        if not math.isnan(v):
            out.append(v)
    return out


def summarize(values):
    """-> (median, min, max) of the finite values, or (nan, nan, nan) if none."""
    vals = _finite(values)
    if not vals:
        return (math.nan, math.nan, math.nan)
    return (statistics.median(vals), min(vals), max(vals))


def ok_rows(rows):
    return [r for r in rows if r.get("status") == "ok"]


def round_ratios(rows, metric):
    """Ratios for one workload: {(round, server): (to_best_peer, to_baseline)}.

    Within each round, the best peer is the best value among the servers other
    than the baseline (highest, or lowest for LOWER_IS_BETTER metrics); a ratio
    is the server's value divided by the reference. A ratio is nan when its
    reference is missing, failed, or zero.
    """
    lower = metric in LOWER_IS_BETTER
    by_round = {}
    for r in ok_rows(rows):
        vals = _finite([r.get(metric)])
        if vals:
            by_round.setdefault(int(r["round"]), {})[r["server"]] = vals[0]
    out = {}
    for rnd, values in by_round.items():
        peers = [v for s, v in values.items() if s != BASELINE]
        best = (min(peers) if lower else max(peers)) if peers else math.nan
        base = values.get(BASELINE, math.nan)
        for server, v in values.items():
            out[(rnd, server)] = (_ratio(v, best), _ratio(v, base))
    return out


def _ratio(value, reference):
    if math.isnan(reference) or reference == 0:
        return math.nan
    return value / reference


def summarize_workload(rows, metrics):
    """For one workload's rows -> {server: {metric: (med, min, max),
    "ratio_best": (med, min, max), "ratio_baseline": (med, min, max)}} where the
    ratios are those of the first metric (the headline, e.g. rps)."""
    servers = []
    for r in rows:
        if r["server"] not in servers:
            servers.append(r["server"])
    ratios = round_ratios(rows, metrics[0]) if metrics else {}
    out = {}
    for s in servers:
        mine = [r for r in ok_rows(rows) if r["server"] == s]
        entry = {m: summarize([r.get(m) for r in mine]) for m in metrics}
        rr = [v for (rnd, srv), v in ratios.items() if srv == s]
        entry["ratio_best"] = summarize([v[0] for v in rr])
        entry["ratio_baseline"] = summarize([v[1] for v in rr])
        entry["runs_ok"] = len(mine)
        entry["runs"] = len([r for r in rows if r["server"] == s])
        out[s] = entry
    return out


def fmt(value, digits=3):
    """Short human number: 123456 -> '123k', 0.01234 -> '0.0123', nan -> '-'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    a = abs(value)
    if a >= 1e9:
        return "%.*gG" % (digits, value / 1e9)
    if a >= 1e6:
        return "%.*gM" % (digits, value / 1e6)
    if a >= 1e4:
        return "%.*gk" % (digits, value / 1e3)
    if a >= 100:
        return "%.0f" % value
    return "%.*g" % (digits, value)


def fmt_range(triple, digits=3):
    """(med, min, max) -> 'med (min–max)' or '-'."""
    med, lo, hi = triple
    if math.isnan(med):
        return "-"
    if lo == hi:
        return fmt(med, digits)
    return "%s (%s–%s)" % (fmt(med, digits), fmt(lo, digits), fmt(hi, digits))
