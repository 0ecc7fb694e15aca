"""Server resource figures from /proc: CPU seconds and RSS summed over every
process of a server (the session it was started in), TCP opens from
/proc/net/snmp, and a sampler thread for peak RSS."""
import os
import threading

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    # The command name may hold spaces and parentheses: split after the last ')'.
    return data[data.rindex(")") + 2:].split()


def session_pids(sid):
    """Pids of the live processes whose session id is `sid` (the server was
    started with start_new_session, so its pid is the session id)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = _stat_fields(int(name))
        except (OSError, ValueError):
            continue
        # fields[0] is state, [1] ppid, [2] pgrp, [3] session
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(name))
    return pids


def cpu_seconds(pids):
    """utime+stime of each process plus the reaped children's (cutime+cstime),
    so a worker that exited during the run still counts once its parent reaped it."""
    total = 0
    for pid in pids:
        try:
            f = _stat_fields(pid)
        except (OSError, ValueError):
            continue
        # utime, stime, cutime, cstime are stat fields 14-17 (1-based); here 11-14.
        total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return total / _CLK_TCK


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/statm" % pid) as f:
                total += int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total * _PAGE // 1024


def tcp_passive_opens():
    """System-wide count of connections accepted by listening TCP sockets."""
    with open("/proc/net/snmp") as f:
        lines = [l.split() for l in f if l.startswith("Tcp:")]
    header, values = lines[0], lines[1]
    return int(values[header.index("PassiveOpens")])


class Sampler:
    """Samples the summed RSS of a session's processes every `interval` seconds
    (re-listing the processes each time, so forked workers are included)."""

    def __init__(self, sid, interval=0.2):
        self.sid = sid
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while True:
            self.peak_kb = max(self.peak_kb, rss_kb(session_pids(self.sid)))
            if self._stop.wait(self.interval):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_kb = max(self.peak_kb, rss_kb(session_pids(self.sid)))
