#!/usr/bin/env python3
"""Suite man_pages: mpmd(8), mpmd.conf(5), mpmd-logscan(1), mpmd-worker(1).

mpmd.conf(5) is generated at build time (man/gen_conf_man.py) from `mpmd -L`:
every directive the server lists must be in it, and every page must render
with `man -l` without a groff warning.

    python3 tests/integration/test_man_pages.py --mpmd build/mpmd --build build
"""

import argparse
import os
import subprocess
import sys
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MPMD = BUILD = None


def render(page):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MANROFFSEQ="")
    p = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                       env=env, stdin=subprocess.DEVNULL, timeout=60)
    return p.returncode, p.stdout, p.stderr


class ManPages(unittest.TestCase):
    def pages(self):
        return [REPO / "man/mpmd.8", REPO / "man/mpmd-logscan.1", REPO / "man/mpmd-worker.1",
                BUILD / "man/mpmd.conf.5"]

    def test_conf_page_lists_every_directive(self):
        listed = subprocess.run([MPMD, "-L"], capture_output=True, text=True,
                                check=True).stdout.split("\n")
        names = [line.split()[0] for line in listed if line.strip()]
        self.assertGreater(len(names), 50)
        rc, text, err = render(BUILD / "man/mpmd.conf.5")
        self.assertEqual(rc, 0, err)
        # Section DIRECTIVES: each name starts a line (a .TP tag; a short one shares
        # its line with the help text).
        section = text[text.index("DIRECTIVES"):]
        lines = [line.strip() for line in section.splitlines()]

        def tagged(name):
            tag = name + ">" if name.startswith("<") else name
            return any(line == tag or line.startswith(tag + " ") for line in lines)

        missing = [n for n in names if not tagged(n)]
        self.assertEqual(missing, [], "directives of -L missing from mpmd.conf(5)")
        self.assertIn("The %d directives" % len(names), " ".join(section.split()))

    def test_pages_render_without_warnings(self):
        for page in self.pages():
            with self.subTest(page=page.name):
                rc, text, err = render(page)
                self.assertEqual(rc, 0, err)
                self.assertEqual(err.strip(), "", "groff warnings")
                self.assertIn("NAME", text)
                self.assertIn("SEE ALSO", text)

    def test_mpmd_page_documents_every_option(self):
        _, text, _ = render(REPO / "man/mpmd.8")
        usage = subprocess.run([MPMD, "-h"], capture_output=True, text=True).stdout
        for opt in ("-f", "-D", "-k start", "-k stop", "-k restart", "-k graceful",
                    "-k graceful-stop", "-t", "-X", "-L", "-v", "-h", "serve"):
            self.assertIn(opt, usage)
            self.assertIn(opt, text)


def main():
    global MPMD, BUILD
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--mpmd", default=str(REPO / "build/mpmd"))
    parser.add_argument("--build", default=str(REPO / "build"))
    args, rest = parser.parse_known_args()
    MPMD, BUILD = args.mpmd, Path(args.build).resolve()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
