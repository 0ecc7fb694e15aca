#!/usr/bin/env python3
"""Suite install: `cmake --install` as a user runs it.

* into DESTDIR with --prefix /usr: the Debian-style tree (binaries, headers,
  pkg-config and CMake packages, man pages, /etc/mpmd with conf.d/ and
  sites-enabled/ -> sites-available/, the unit, logrotate, /var/log/mpmd,
  /var/www/html);
* an application built against those installed headers, once with
  find_package(mpmd) + mpmd_add_application() and once with pkg-config;
* with --prefix P (self-contained), the installed server is started with the
  installed configuration (ports.conf edited to a free port, the application
  added as conf.d/hello.conf, as an operator would) and answers; -k
  graceful-stop stops it through the installed PidFile.

    python3 tests/integration/test_install.py --build build
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mpmd_harness as h  # noqa: E402

BUILD = None

APP = r"""
#include <mpmd/app.hpp>

MPMD_APPLICATION(app) {
  auto greeting = std::make_shared<std::string>(app.option("greeting", "hello"));
  app.get("/users/{id}", [greeting](const mpmd::app::Request& req, mpmd::app::Response& res) {
    res.send(*greeting + ", user " + std::string(req.param("id")) + "\n");
  }, mpmd::app::non_blocking);
}
"""

# Its test through the installed <mpmd/testing.hpp>: no server, no socket.
APP_TEST = r"""
#include <mpmd/testing.hpp>

#include <cstdio>

int main() {
  mpmd::testing::Client client({"greeting=hi"});
  mpmd::testing::Response r = client.get("/users/42");
  std::printf("%d %s", r.status, r.body.c_str());
  return r.status == 200 && r.body == "hi, user 42\n" && client.get("/x").status == 404 ? 0 : 1;
}
"""

APP_CMAKE = """
cmake_minimum_required(VERSION 3.20)
project(hello CXX)
find_package(mpmd 0.1 REQUIRED)
mpmd_add_application(hello hello.cpp)
mpmd_add_application_test(hello_test hello.cpp hello_test.cpp)
"""

# What a /usr install must put into DESTDIR (relative paths).
USR_TREE = [
    "usr/sbin/mpmd", "usr/bin/mpmd-logscan", "usr/bin/mpmd-worker",
    "usr/include/mpmd/app.hpp", "usr/include/mpmd/testing.hpp", "usr/include/mpmd/app_host.hpp",
    "usr/share/pkgconfig/mpmd.pc",
    "usr/share/cmake/mpmd/mpmdConfig.cmake", "usr/share/cmake/mpmd/mpmdConfigVersion.cmake",
    "usr/share/man/man8/mpmd.8", "usr/share/man/man5/mpmd.conf.5",
    "usr/share/man/man1/mpmd-logscan.1", "usr/share/man/man1/mpmd-worker.1",
    "etc/mpmd/mpmd.conf", "etc/mpmd/ports.conf", "etc/mpmd/mime.types",
    "etc/mpmd/conf.d/status.conf", "etc/mpmd/sites-available/000-default.conf",
    "etc/mpmd/sites-enabled/000-default.conf", "etc/logrotate.d/mpmd",
    "lib/systemd/system/mpmd.service", "var/log/mpmd", "var/www/html/index.html",
]


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=kw.pop("timeout", 300), **kw)
    if p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(map(str, cmd)), p.returncode,
                                                          p.stdout[-3000:], p.stderr[-3000:]))
    return p


def install(prefix, destdir=None):
    env = dict(os.environ)
    env.pop("DESTDIR", None)
    if destdir:
        env["DESTDIR"] = str(destdir)
    return run(["cmake", "--install", str(BUILD), "--prefix", str(prefix)], env=env)


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="mpmd-install-"))
        cls.dest = cls.tmp / "dest"
        install("/usr", cls.dest)
        (cls.tmp / "app").mkdir()
        (cls.tmp / "app" / "hello.cpp").write_text(APP)
        (cls.tmp / "app" / "hello_test.cpp").write_text(APP_TEST)
        (cls.tmp / "app" / "CMakeLists.txt").write_text(APP_CMAKE)

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("MPMD_KEEP_TMP"):
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_usr_tree(self):
        missing = [p for p in USR_TREE if not (self.dest / p).exists()]
        self.assertEqual(missing, [], "not installed")
        link = self.dest / "etc/mpmd/sites-enabled/000-default.conf"
        self.assertTrue(link.is_symlink())
        self.assertEqual(os.readlink(link), "../sites-available/000-default.conf")
        conf = (self.dest / "etc/mpmd/mpmd.conf").read_text()
        for line in ('ServerRoot "/etc/mpmd"', "PidFile /run/mpmd/mpmd.pid",
                     "ErrorLog /var/log/mpmd/error.log", "IncludeOptional conf.d/*.conf",
                     "IncludeOptional sites-enabled/*.conf"):
            self.assertIn(line, conf)
        unit = (self.dest / "lib/systemd/system/mpmd.service").read_text()
        self.assertIn("ExecStart=/usr/sbin/mpmd -D FOREGROUND -f /etc/mpmd/mpmd.conf", unit)
        self.assertIn("Type=notify", unit)
        self.assertIn("/usr/sbin/mpmd -f /etc/mpmd/mpmd.conf -k graceful",
                      (self.dest / "etc/logrotate.d/mpmd").read_text())

    def test_installed_config_checks_in_place(self):
        # The /usr tree's config names /etc/mpmd: check it through a copy whose
        # paths point into DESTDIR, as it would read once installed.
        etc = self.tmp / "etc-check"
        shutil.copytree(self.dest / "etc/mpmd", etc, symlinks=True)
        for f in [etc / "mpmd.conf", etc / "sites-available/000-default.conf"]:
            text = f.read_text().replace("/etc/mpmd", str(etc))
            text = text.replace("/var/", str(self.dest / "var") + "/").replace("/run/", str(self.tmp) + "/")
            f.write_text(text)
        p = run([str(self.dest / "usr/sbin/mpmd"), "-t", "-f", str(etc / "mpmd.conf")])
        self.assertIn("Syntax OK", p.stderr)

    def test_app_with_cmake_package(self):
        build = self.tmp / "app-build"
        run(["cmake", "-S", str(self.tmp / "app"), "-B", str(build), "-G", "Ninja",
             "-DCMAKE_PREFIX_PATH=%s" % (self.dest / "usr")])
        run(["cmake", "--build", str(build)])
        self.assertTrue((build / "hello.so").exists())
        nm = run(["nm", "-D", "--defined-only", str(build / "hello.so")]).stdout
        self.assertIn("mpmd_app_register", nm)
        self.assertEqual(run([str(build / "hello_test")]).stdout, "200 hi, user 42\n")

    def test_app_with_pkg_config(self):
        env = dict(os.environ, PKG_CONFIG_PATH=str(self.dest / "usr/share/pkgconfig"))
        cflags = run(["pkg-config", "--cflags", "mpmd"], env=env).stdout.split()
        self.assertTrue(any(f.startswith("-I") and Path(f[2:]).resolve()
                            == (self.dest / "usr/include").resolve() for f in cflags), cflags)
        out = self.tmp / "hello-pc.so"
        run(["g++", "-std=c++20", "-O1", "-fPIC", "-shared", "-fvisibility=hidden",
             "-Wl,-z,defs", *cflags, str(self.tmp / "app" / "hello.cpp"), "-o", str(out)])
        self.assertTrue(out.exists())
        # The test client, with nothing but the installed headers.
        test = self.tmp / "hello-pc-test"
        run(["g++", "-std=c++20", *cflags, str(self.tmp / "app" / "hello.cpp"),
             str(self.tmp / "app" / "hello_test.cpp"), "-o", str(test)])
        self.assertEqual(run([str(test)]).stdout, "200 hi, user 42\n")

    def test_installed_server_runs_installed_config(self):
        prefix = self.tmp / "opt"
        install(prefix)
        etc = prefix / "etc/mpmd"
        port = h.free_port()
        (etc / "ports.conf").write_text("Listen %s:%d\n" % (h.HOST, port))
        app = self.tmp / "app-build-opt"
        run(["cmake", "-S", str(self.tmp / "app"), "-B", str(app), "-G", "Ninja",
             "-DCMAKE_PREFIX_PATH=%s" % prefix])
        run(["cmake", "--build", str(app), "--target", "hello"])
        (etc / "conf.d/hello.conf").write_text(
            "LoadApplication hello %s greeting=hi\n<Location /hello>\n    SetHandler hello\n"
            "</Location>\n" % (app / "hello.so"))
        mpmd = str(prefix / "sbin/mpmd")
        conf = str(etc / "mpmd.conf")
        p = run([mpmd, "-t", "-f", conf])
        self.assertIn("Syntax OK", p.stderr)
        server = subprocess.Popen([mpmd, "-D", "FOREGROUND", "-f", conf], cwd="/",
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self.assertTrue(h.wait_until(lambda: h.port_accepts(port), 10),
                            "installed server does not accept")
            with urllib.request.urlopen("http://%s:%d/" % (h.HOST, port), timeout=10) as r:
                self.assertEqual(r.status, 200)
                self.assertIn(b"It works!", r.read())
            with urllib.request.urlopen("http://%s:%d/hello/users/42" % (h.HOST, port),
                                        timeout=10) as r:
                self.assertEqual(r.read(), b"hi, user 42\n")
            pid_file = prefix / "var/run/mpmd/mpmd.pid"
            self.assertEqual(pid_file.read_text().strip(), str(server.pid))
            run([mpmd, "-k", "graceful-stop", "-f", conf], timeout=60)
            self.assertEqual(server.wait(10), 0)
            log = (prefix / "var/log/mpmd/access.log").read_text()
            self.assertIn('"GET /hello/users/42 HTTP/1.1" 200', log)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, 9)
                server.wait()


def main():
    global BUILD
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--build", default=str(h.REPO / "build"))
    parser.add_argument("--mpmd")
    args, rest = parser.parse_known_args()
    BUILD = Path(args.build).resolve()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
