#!/usr/bin/env python3
"""make bench-vhosts: Debian's stock /etc/apache2, copied, plus ten name-based
virtual hosts (aliases, redirects), served by Apache's event MPM and by mpmd's
event engine from the very same tree; and mpmd with a plain one-line-per-setting
config serving the same file, for the cost of the Apache tree and the vhosts.

Each round starts every server in turn (order alternating), drives it with
wrk (64 keep-alive connections, 4 KB file of the sixth vhost, Host header
set), and stops it. Figures are medians over rounds.

  python3 bench/vhosts.py --build build [--rounds 3] [--seconds 6]

Everything listens on 127.0.0.1 and is stopped at the end, also on failure.
Needs Debian's apache2 (/etc/apache2) and root (the trees switch to www-data)."""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from lib import parse  # noqa: E402
from lib.servers import accepts, free_port  # noqa: E402

VHOSTS = 10
TARGET = "v5.test"  # the vhost the load goes to: one in the middle of the list
CONNS = 64


def make_tree(tmp, port):
    """tmp/apache2: Debian's tree with its port, runtime and log directories
    moved into tmp, and sites-enabled/vhosts.conf with VHOSTS vhosts."""
    tree = os.path.join(tmp, "apache2")
    shutil.copytree("/etc/apache2", tree, symlinks=True)
    run = os.path.join(tmp, "run")
    logs = os.path.join(tmp, "logs")
    for d in (run, logs):
        os.makedirs(d)
    with open(os.path.join(tree, "envvars")) as f:
        env = f.read()
    env = (env.replace("/var/run/apache2", run).replace("/var/lock/apache2", run)
           .replace("/var/log/apache2", logs))
    with open(os.path.join(tree, "envvars"), "w") as f:
        f.write(env)
    with open(os.path.join(tree, "ports.conf"), "w") as f:
        f.write("Listen 127.0.0.1:%d\n" % port)
    default = os.path.join(tree, "sites-available", "000-default.conf")
    with open(default) as f:
        text = f.read().replace("<VirtualHost *:80>", "<VirtualHost *:%d>" % port)
    with open(default, "w") as f:
        f.write(text)
    www = os.path.join(tmp, "www")
    static = os.path.join(tmp, "static")
    os.makedirs(static)
    with open(os.path.join(static, "s.css"), "w") as f:
        f.write("body{}\n")
    block = []
    for i in range(VHOSTS):
        root = os.path.join(www, "v%d" % i)
        os.makedirs(root)
        with open(os.path.join(root, "4k.txt"), "wb") as f:
            f.write(bytes((i * 31 + j) % 26 + 97 for j in range(4096)))
        block.append(f"""<VirtualHost *:{port}>
    ServerName v{i}.test
    ServerAlias www.v{i}.test *.v{i}.example
    DocumentRoot {root}
    Alias /static/ {static}/
    Redirect permanent /old http://v{i}.test/new
    RedirectTemp /tmp http://v{i}.test/
    CustomLog {logs}/v{i}.log combined
</VirtualHost>
""")
    with open(os.path.join(tree, "sites-enabled", "vhosts.conf"), "w") as f:
        f.write("\n".join(block))
    # Apache's stock <Directory /> denies everything: grant the bench's trees.
    with open(os.path.join(tree, "conf-enabled", "bench-www.conf"), "w") as f:
        f.write(f"<Directory {www}/>\n    Require all granted\n</Directory>\n"
                f"<Directory {static}/>\n    Require all granted\n</Directory>\n")
    for d in (tmp, www, static, logs, run):
        os.chmod(d, 0o755)
    return tree


def plain_conf(tmp, port):
    """mpmd with the same file and logging, no Apache tree and no vhosts."""
    path = os.path.join(tmp, "plain.conf")
    root = os.path.join(tmp, "www", "v5")
    with open(path, "w") as f:
        f.write(f"""ServerRoot {tmp}
Listen 127.0.0.1:{port}
MPM event
StartServers 2
User www-data
DocumentRoot {root}
ErrorLog {tmp}/logs/plain-error.log
CustomLog {tmp}/logs/plain.log combined
PidFile {tmp}/run/plain.pid
TypesConfig /etc/mime.types
""")
    return path


def command(name, args, tree, plain):
    conf = os.path.join(tree, "apache2.conf")
    if name == "apache-event":
        # As apache2ctl: envvars sourced, then apache2 with the tree as ServerRoot.
        return ["/bin/sh", "-c", '. "$1/envvars" && exec apache2 -d "$1" -f "$1/apache2.conf" '
                "-DFOREGROUND", "sh", tree]
    if name == "mpmd-apache-tree":
        return [os.path.join(args.build, "mpmd"), "-f", conf, "-D", "FOREGROUND"]
    if name == "mpmd-plain":
        return [os.path.join(args.build, "mpmd"), "-f", plain, "-D", "FOREGROUND"]
    raise ValueError(name)


def run(args):
    tmp = tempfile.mkdtemp(prefix="mpmd-bench-vhosts-")
    port = free_port()
    rows = []
    try:
        tree = make_tree(tmp, port)
        plain = plain_conf(tmp, port)
        servers = ["apache-event", "mpmd-apache-tree", "mpmd-plain"]
        for rnd in range(args.rounds):
            order = servers if rnd % 2 == 0 else list(reversed(servers))
            for name in order:
                proc = subprocess.Popen(command(name, args, tree, plain), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                        start_new_session=True)
                try:
                    deadline = time.monotonic() + 20
                    while not accepts(port) and time.monotonic() < deadline:
                        time.sleep(0.1)
                    time.sleep(1.0)
                    url = "http://127.0.0.1:%d/4k.txt" % port
                    check = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                            "-H", "Host: " + TARGET, url],
                                           capture_output=True, text=True, timeout=10)
                    if check.stdout != "200":
                        raise RuntimeError("%s answered %s %s" % (name, check.stdout,
                                                                  check.stderr))
                    out = subprocess.run(["wrk", "-t2", "-c%d" % CONNS, "-d%ds" % args.seconds,
                                          "--latency", "-H", "Host: " + TARGET, url],
                                         capture_output=True, text=True,
                                         timeout=args.seconds + 30).stdout
                    r = parse.parse_wrk(out)
                    rps = r.requests / r.duration_s
                    rows.append((rnd + 1, name, rps, r.p99_ms))
                    print("round %d %-18s %9.0f req/s p99 %7.2f ms" % (rnd + 1, name, rps,
                                                                       r.p99_ms), flush=True)
                finally:
                    os.killpg(proc.pid, signal.SIGTERM)
                    try:
                        proc.wait(15)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait(5)
                    deadline = time.monotonic() + 10
                    while accepts(port) and time.monotonic() < deadline:
                        time.sleep(0.1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = {n: statistics.median(r[2] for r in rows if r[1] == n)
           for n in {r[1] for r in rows}}
    lines = ["# make bench-vhosts", "",
             "Debian's /etc/apache2 plus %d name-based vhosts (Alias, Redirect, CustomLog "
             "each); 4 KB file of %s, %d keep-alive connections (wrk), %d rounds of %d s, "
             "servers alternated, medians. Load average at the end: %s." %
             (VHOSTS, TARGET, CONNS, args.rounds, args.seconds,
              " ".join("%.1f" % x for x in os.getloadavg())), "",
             "| server | req/s |", "|---|--:|"]
    for n in sorted(med, key=lambda k: -med[k]):
        lines.append("| %s | %.0f |" % (n, med[n]))
    if {"apache-event", "mpmd-apache-tree", "mpmd-plain"} <= set(med):
        lines += ["", "mpmd vs Apache on the same tree: %.2fx; mpmd's Apache tree vs its plain "
                  "config: %.1f%% slower" % (med["mpmd-apache-tree"] / med["apache-event"],
                                             100 * (1 - med["mpmd-apache-tree"] /
                                                    med["mpmd-plain"]))]
    text = "\n".join(lines)
    print(text)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "report.md"), "w") as f:
            f.write(text + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if os.geteuid() != 0 or not os.path.exists("/etc/apache2/apache2.conf"):
        sys.exit("bench-vhosts needs root and Debian's apache2 (/etc/apache2)")
    run(args)


if __name__ == "__main__":
    main()
