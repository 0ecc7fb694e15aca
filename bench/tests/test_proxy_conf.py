"""bench/proxy.py's generated configs: every front proxies /b/ to the TCP
backend and /g/ to the gunicorn Unix socket, with its own pid and log files."""
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_proxy", os.path.join(HERE, "..", "proxy.py"))
proxy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(proxy)


class FrontConf(unittest.TestCase):
    def test_every_front_routes_both_backends(self):
        for name in proxy.FRONTS:
            fname, text = proxy.front_conf(name, "/d", 8080, 9090, "/d/g.sock")
            with self.subTest(front=name):
                self.assertIn("9090", text)
                self.assertIn("/d/g.sock", text)
                self.assertIn("8080", text)
                self.assertIn("/d/%s.pid" % name, text)
                self.assertIn(fname, ("mpmd.conf", "nginx.conf", "apache2.conf", "h2o.conf",
                                      "lighttpd.conf"))

    def test_nginx_keeps_upstream_connections_alive(self):
        _, text = proxy.front_conf("nginx", "/d", 8080, 9090, "/d/g.sock")
        for line in ("keepalive 64;", "proxy_http_version 1.1;", 'proxy_set_header Connection "";'):
            self.assertIn(line, text)

    def test_mpmd_engine_and_proxypass(self):
        for mpm in ("event", "worker"):
            _, text = proxy.front_conf("mpmd-" + mpm, "/d", 8080, 9090, "/d/g.sock")
            self.assertIn("MPM %s\n" % mpm, text)
            self.assertIn("ProxyPass /b/ http://127.0.0.1:9090/b/\n", text)
            self.assertIn("ProxyPass /g/ unix:/d/g.sock|http://localhost/g/\n", text)


if __name__ == "__main__":
    unittest.main()
