"""Debian's Apache as the oracle: apache2 in the foreground on a private
configuration, for suites that run it beside mpmd on the same directives and
compare the answers (Apache's behaviour is what mpmd copies, so Apache says
what is right, not the test's author)."""

import atexit
import os
import subprocess
import time

import mpmd_harness as h

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
# What every oracle loads: the event MPM and what Debian enables by default
# for access, types, directory indexes and aliases.
BASE_MODULES = ("mpm_event", "authz_core", "authz_host", "mime", "dir", "alias")


def available():
    return os.access(APACHE, os.X_OK)


class Apache:
    """apache2 -DFOREGROUND in `tmp` (which it may write), listening on
    127.0.0.1:`port` (and the `listen` addresses, "ip:port"), with `body`
    (directives) after a preamble that loads BASE_MODULES and `modules` (names
    without _module), runs as www-data and logs errors to tmp/error.log."""

    def __init__(self, tmp, port, body, modules=(), listen=(), server_name="localhost"):
        self.tmp = tmp
        self.port = port
        self.error_log = tmp / "error.log"
        self.conf = tmp / "apache2.conf"
        loads = "\n".join("LoadModule %s_module %s/mod_%s.so" % (m, MODULES, m)
                          for m in (*BASE_MODULES, *modules))
        listens = "\n".join("Listen %s" % a for a in ("127.0.0.1:%d" % port, *listen))
        self.conf.write_text(f"""\
ServerRoot "{tmp}"
ServerName {server_name}
{listens}
PidFile "{tmp}/apache2.pid"
DefaultRuntimeDir "{tmp}"
Mutex file:{tmp} default
ErrorLog "{self.error_log}"
LogLevel warn
{loads}
User www-data
Group www-data
TypesConfig /etc/mime.types
{body}
""")
        self.proc = None

    def start(self):
        out = open(self.tmp / "output.log", "ab")
        self.proc = subprocess.Popen([APACHE, "-f", str(self.conf), "-DFOREGROUND"],
                                     stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("apache2 exited: %s" % h.tail(self.tmp / "output.log"))
            if h.port_accepts(self.port):
                return self
            time.sleep(0.05)
        raise AssertionError("apache2 did not accept on port %d" % self.port)

    def start_beside(self, mpmd):
        """Starts `mpmd` (an mpmd_harness.Server), then Apache; if either
        fails, stops both. Apache is stopped at exit too, should the runner be
        stopped before the suite's tearDown."""
        atexit.register(self.stop)
        try:
            mpmd.start()
            self.start()
        except BaseException:
            self.stop()
            mpmd.stop()
            raise

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(5)
