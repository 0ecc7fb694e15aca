"""Parsing of load generator output: wrk (with wrk/report.lua, or its --latency
text as a fallback) and h2load (its summary and its --log-file).

Every parser returns a LoadResult or None when the output holds no result.
Latencies are in milliseconds, durations in seconds.
"""
import json
import math
import re
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    requests: int = 0          # completed responses
    bytes: int = 0             # bytes read, headers and bodies
    duration_s: float = 0.0
    errors: int = 0            # socket errors, timeouts, failed requests
    non2xx: int = 0            # responses whose status is not 2xx (wrk: >= 400)
    p50_ms: float = math.nan
    p90_ms: float = math.nan
    p99_ms: float = math.nan
    max_ms: float = math.nan
    notes: list = field(default_factory=list)

    @property
    def rps(self):
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def bytes_per_s(self):
        return self.bytes / self.duration_s if self.duration_s > 0 else 0.0


def parse_wrk_json(text):
    """The WRK_JSON line printed by wrk/report.lua's done() hook."""
    for line in text.splitlines():
        if line.startswith("WRK_JSON "):
            d = json.loads(line[len("WRK_JSON "):])
            return LoadResult(
                requests=d["requests"], bytes=d["bytes"], duration_s=d["duration_us"] / 1e6,
                errors=d["connect_errors"] + d["read_errors"] + d["write_errors"] + d["timeouts"],
                non2xx=d["status_errors"],
                p50_ms=d["p50_us"] / 1000, p90_ms=d["p90_us"] / 1000,
                p99_ms=d["p99_us"] / 1000, max_ms=d["max_us"] / 1000)
    return None


_TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def wrk_time_ms(s):
    """'871.00us' | '3.28ms' | '1.02s' | '2.00m' -> milliseconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", s.strip())
    if not m:
        raise ValueError("not a wrk time: %r" % s)
    return float(m.group(1)) * _TIME_UNITS[m.group(2)]


def size_bytes(s):
    """'68.62MB' | '512.00B' | '9.02KB' -> bytes (wrk and h2load use powers of 1024)."""
    m = re.fullmatch(r"([\d.]+)\s*(B|KB|MB|GB|TB)", s.strip())
    if not m:
        raise ValueError("not a size: %r" % s)
    return int(round(float(m.group(1)) * _SIZE_UNITS[m.group(2)]))


def parse_wrk_text(text):
    """wrk's own text with --latency (used when the Lua hook line is absent)."""
    m = re.search(r"(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text)
    if not m:
        return None
    r = LoadResult(requests=int(m.group(1)), duration_s=wrk_time_ms(m.group(2)) / 1000,
                   bytes=size_bytes(m.group(3)))
    for pct, attr in (("50", "p50_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        pm = re.search(r"^\s+%s%%\s+(\S+)" % pct, text, re.M)
        if pm:
            setattr(r, attr, wrk_time_ms(pm.group(1)))
    lm = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    if lm:
        r.max_ms = wrk_time_ms(lm.group(3))
    em = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if em:
        r.errors = sum(int(x) for x in em.groups())
    nm = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if nm:
        r.non2xx = int(nm.group(1))
    return r


def parse_wrk(text):
    return parse_wrk_json(text) or parse_wrk_text(text)


def parse_h2load(text):
    """h2load's summary: counts, status classes, traffic and duration.
    Latency percentiles come from its --log-file (see h2load_log_percentiles)."""
    fm = re.search(r"finished in ([\d.]+)(us|ms|s|m), ([\d.]+) req/s", text)
    rm = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                   r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    if not fm or not rm:
        return None
    sm = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    tm = re.search(r"traffic: \S+ \((\d+)\) total", text)
    _total, _started, _done, succeeded, failed, errored, timeout = (int(x) for x in rm.groups())
    r = LoadResult(duration_s=wrk_time_ms(fm.group(1) + fm.group(2)) / 1000)
    two = int(sm.group(1)) if sm else succeeded
    other = sum(int(x) for x in sm.groups()[1:]) if sm else 0
    r.requests = two + other
    r.non2xx = other
    r.errors = errored + timeout + max(0, failed - errored - timeout - other)
    r.bytes = int(tm.group(1)) if tm else 0
    return r


def percentile(sorted_values, pct):
    """Nearest-rank percentile of an ascending list (pct in 0..100); nan if empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def h2load_log_percentiles(lines):
    """h2load --log-file lines 'start_us<TAB>status<TAB>duration_us' ->
    (p50, p90, p99, max) in ms over the requests that got a status (> 0)."""
    durations = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        try:
            status, dur = int(parts[1]), int(parts[2])
        except ValueError:
            continue
        if status > 0:
            durations.append(dur / 1000.0)
    durations.sort()
    return (percentile(durations, 50), percentile(durations, 90), percentile(durations, 99),
            durations[-1] if durations else math.nan)
