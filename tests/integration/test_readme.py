#!/usr/bin/env python3
"""Suite readme_snippets: every shell and config snippet of README.md, run.

Fenced blocks whose info string is `apache` (config) or `sh` (shell) are
extracted (``` or ~~~ fences, in README order):

* a config snippet is appended to a minimal config (Listen, ServerRoot,
  DocumentRoot, logs and PidFile in a temp dir) and must pass `mpmd -t`
  ("Syntax OK", exit 0); paths that name files the README builds are mapped
  to them (/srv/apps/hello.so -> the hello.so its g++ line built);
* a shell snippet runs line by line (`\\` continuations joined) with bash in a
  workspace that looks like the repository (symlinks to its top-level
  entries, build -> the tested build dir) and holds hello.cpp (the README's
  application) and hello_test.cpp (its test with <mpmd/testing.hpp>); each
  command must exit 0. SKIP lists, with reasons, the few commands that need
  the network, systemd, a long run, or change this machine.

    python3 tests/integration/test_readme.py --mpmd build/mpmd --build build
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
MPMD = BUILD = None
STAGE = Path("/tmp/mpmd-stage")  # the README's staged install (make install DESTDIR=...)

# Commands not run: (regex on the command, reason).
SKIP = [
    (r"^make run\b", "serves in the foreground until Ctrl-C"),
    (r"^make test\b", "the whole test suite (35-40 minutes); ctest runs its parts"),
    (r"^make install(?!.*DESTDIR=)", "installs into this machine; the DESTDIR form is run"),
    (r"^(make deb|dpkg-buildpackage)\b",
     "a package build from scratch (minutes); integration.package builds it"),
    (r"^(sudo )?(apt-get|apt|dpkg) ", "installs into this machine; integration.package does it"),
    (r"^(systemctl|journalctl)\b", "needs systemd as PID 1"),
]

# Paths in config snippets -> files in the workspace that the README's own
# commands create.
PATH_MAP = {"/srv/apps/hello.so": "hello.so",
            "tests/integration/wsgi/flask_app.wsgi": "tests/integration/wsgi/flask_app.wsgi",
            "/etc/mpmd/tls/site.pem": "site.pem", "/etc/mpmd/tls/site.key": "site.key"}


def blocks(text):
    """[(info, first line number, body)] of the fenced blocks of TEXT."""
    out, fence, info, start, body = [], None, "", 0, []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)", line)
        if fence is None and m:
            fence, info, start, body = m.group(1), m.group(2).lower(), n + 1, []
        elif fence is not None and re.match(r"^ {0,3}" + re.escape(fence[0]) + "{%d,}\\s*$"
                                            % len(fence), line):
            out.append((info, start, "\n".join(body) + "\n"))
            fence = None
        elif fence is not None:
            body.append(line)
    return out


def commands(body):
    """Shell commands of a block: continuation lines joined, blank and comment lines dropped."""
    cmds, current = [], ""
    for line in body.splitlines():
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip() and not current.strip().startswith("#"):
            cmds.append(current.strip())
        current = ""
    return cmds


def skip_reason(cmd):
    for pattern, reason in SKIP:
        if re.search(pattern, cmd):
            return reason
    return None


class Workspace:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="mpmd-readme-"))
        for entry in REPO.iterdir():
            if entry.name not in ("build", ".git") and not entry.name.startswith("build-"):
                (self.dir / entry.name).symlink_to(entry)
        (self.dir / "build").symlink_to(BUILD)
        app = [b for info, _, b in blocks(README.read_text())
               if info == "cpp" and "MPMD_APPLICATION(app)" in b and "greeting" in b]
        (self.dir / "hello.cpp").write_text(app[0] if app else "")
        test = [b for info, _, b in blocks(README.read_text())
                if info == "cpp" and "<mpmd/testing.hpp>" in b and "int main" in b]
        (self.dir / "hello_test.cpp").write_text(test[0] if test else "")
        (self.dir / "logs").mkdir()

    def env(self):
        return dict(os.environ, BUILD="build", PKG_CONFIG_PATH=str(STAGE / "usr/share/pkgconfig"))

    def cleanup(self):
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
            shutil.rmtree(STAGE, ignore_errors=True)


WS = None
COUNTS = {"apache": 0, "sh": 0, "skipped": 0}


def base_config(tmp, port):
    (tmp / "www").mkdir(exist_ok=True)
    return (f'ServerRoot "{tmp}"\nListen 127.0.0.1:{port}\nDocumentRoot "{tmp}/www"\n'
            f'ErrorLog "{tmp}/error.log"\nCustomLog "{tmp}/access.log" common\n'
            f'PidFile "{tmp}/mpmd.pid"\n')


def check_config(test, line, body):
    text = body
    for path, rel in PATH_MAP.items():
        text = text.replace(path, str(WS.dir / rel))
    tmp = Path(tempfile.mkdtemp(prefix="mpmd-readme-conf-"))
    try:
        (tmp / "conf").mkdir()
        conf = tmp / "conf" / "snippet.conf"
        conf.write_text(base_config(tmp, 18080) + text)
        p = subprocess.run([MPMD, "-t", "-D", "FOREGROUND", "-f", str(conf)], capture_output=True,
                           text=True, timeout=60, stdin=subprocess.DEVNULL)
        test.assertEqual(p.returncode, 0, "README.md:%d: config snippet fails mpmd -t:\n%s\n%s"
                         % (line, body, p.stdout + p.stderr))
        test.assertIn("Syntax OK", p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_shell(test, line, body):
    for cmd in commands(body):
        reason = skip_reason(cmd)
        if reason:
            COUNTS["skipped"] += 1
            print("  README.md:%d: skipped `%s`: %s" % (line, cmd, reason), flush=True)
            continue
        p = subprocess.run(["bash", "-euo", "pipefail", "-c", cmd], cwd=WS.dir, env=WS.env(),
                           capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        test.assertEqual(p.returncode, 0, "README.md:%d: `%s` exited %d:\n%s%s"
                         % (line, cmd, p.returncode, p.stdout[-3000:], p.stderr[-3000:]))


class Readme(unittest.TestCase):
    """One test per snippet, added below in README order (test_LINE_LANG)."""

    @classmethod
    def setUpClass(cls):
        global WS
        WS = Workspace()

    @classmethod
    def tearDownClass(cls):
        WS.cleanup()
        print("README snippets: %d config, %d shell blocks; %d shell commands skipped"
              % (COUNTS["apache"], COUNTS["sh"], COUNTS["skipped"]), flush=True)

    def test_000_readme_has_snippets(self):
        infos = [info for info, _, _ in blocks(README.read_text())]
        self.assertGreaterEqual(infos.count("apache"), 2)
        self.assertGreaterEqual(infos.count("sh"), 2)

    def test_000_extractor(self):
        text = "a\n```sh\nls \\\n  -l  # x\n# only a comment\n\n```\n~~~apache\nListen 1\n~~~\n"
        got = blocks(text)
        self.assertEqual([(i, n) for i, n, _ in got], [("sh", 3), ("apache", 9)])
        self.assertEqual(commands(got[0][2]), ["ls    -l  # x"])


def add_snippet_tests():
    for info, line, body in blocks(README.read_text()):
        if info not in ("apache", "sh"):
            continue

        def test(self, info=info, line=line, body=body):
            COUNTS[info] += 1
            (check_config if info == "apache" else run_shell)(self, line, body)

        setattr(Readme, "test_%04d_%s" % (line, info), test)


def main():
    global MPMD, BUILD
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--mpmd", default=str(REPO / "build/mpmd"))
    parser.add_argument("--build", default=str(REPO / "build"))
    args, rest = parser.parse_known_args()
    MPMD, BUILD = str(Path(args.mpmd).resolve()), Path(args.build).resolve()
    add_snippet_tests()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
