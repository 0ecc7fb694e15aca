#!/usr/bin/env python3
"""Writes mpmd.conf(5) from man/mpmd.conf.5.in and the directive table.

The table is what `mpmd -L` prints (one line per directive: its name, then its
one-line help with syntax and meaning), so the page lists exactly the
directives the server knows and cannot drift from it. Run by the build
(target `man`); tests/install/test_man.py checks the result.

    gen_conf_man.py --mpmd build/mpmd --template man/mpmd.conf.5.in \
                    --version 0.1.0 --output build/man/mpmd.conf.5
"""

import argparse
import subprocess
import sys


def roff_text(text):
    """TEXT escaped for a roff text line."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def directives(mpmd):
    out = subprocess.run([mpmd, "-L"], check=True, capture_output=True, text=True,
                         stdin=subprocess.DEVNULL).stdout
    rows = []
    for line in out.splitlines():
        if not line.strip():
            continue
        name, _, help_text = line.strip().partition(" ")
        rows.append((name, help_text.strip()))
    if not rows:
        sys.exit("gen_conf_man: `%s -L` listed no directive" % mpmd)
    return rows


def directive_section(rows):
    lines = []
    for name, help_text in rows:
        shown = name + ">" if name.startswith("<") else name
        lines += [".TP", ".B " + roff_text(shown), roff_text(help_text)]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mpmd", required=True)
    p.add_argument("--template", required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    rows = directives(a.mpmd)
    with open(a.template) as f:
        page = f.read()
    page = page.replace("@VERSION@", a.version)
    page = page.replace("@COUNT@", str(len(rows)))
    page = page.replace("@DIRECTIVES@", directive_section(rows))
    with open(a.output, "w") as f:
        f.write(page)


if __name__ == "__main__":
    main()
