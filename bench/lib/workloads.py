"""The workloads: what is requested, over how many connections, and how."""
from dataclasses import dataclass

FILES = {"/13b.txt": b"Hello, world\n", "/4k.bin": None, "/1m.bin": None}
SIZES = {"/13b.txt": 13, "/4k.bin": 4096, "/1m.bin": 1 << 20}


@dataclass(frozen=True)
class Workload:
    name: str
    label: str
    path: str
    conns: int = 64
    keepalive: bool = True
    access_log: bool = False
    held: bool = False      # hold N idle keep-alive connections during the run
    tool: str = "wrk"       # wrk | h2load

    @property
    def size(self):
        return SIZES[self.path]


WORKLOADS = [
    Workload("static-13b", "13 B file, 64 keep-alive connections", "/13b.txt"),
    Workload("static-4k", "4 KB file, 64 keep-alive connections", "/4k.bin"),
    Workload("static-1m", "1 MB file, 64 keep-alive connections", "/1m.bin"),
    Workload("conns-512", "4 KB file, 512 keep-alive connections", "/4k.bin", conns=512),
    Workload("conns-5000", "4 KB file, 5,000 keep-alive connections (h2load)", "/4k.bin",
             conns=5000, tool="h2load"),
    Workload("no-keepalive", "4 KB file, new connection per request, 64 clients", "/4k.bin",
             keepalive=False),
    Workload("access-log", "4 KB file, 64 keep-alive connections, access log on", "/4k.bin",
             access_log=True),
    Workload("held-idle", "4 KB file, 64 active clients while N idle connections are held",
             "/4k.bin", held=True),
]

QUICK_WORKLOADS = ["static-13b", "static-4k", "conns-512", "no-keepalive", "held-idle"]


def by_name(names):
    known = {w.name: w for w in WORKLOADS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError("unknown workload(s): %s (known: %s)"
                         % (", ".join(unknown), ", ".join(known)))
    return [known[n] for n in names]


def make_docroot(path):
    """Writes the three files (deterministic contents) into `path`."""
    import os
    os.makedirs(path, exist_ok=True)
    for name, size in SIZES.items():
        data = FILES[name] or bytes((i * 7 + 3) % 251 for i in range(size))
        with open(os.path.join(path, name.lstrip("/")), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(path, name.lstrip("/")), 0o644)
    os.chmod(path, 0o755)
