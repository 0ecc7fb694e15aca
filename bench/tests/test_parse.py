"""Parsing of real captured wrk and h2load outputs (tests/fixtures/)."""
import math
import os
import unittest

from lib import parse

FIX = os.path.join(os.path.dirname(__file__), "fixtures")


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read()


class WrkJson(unittest.TestCase):
    def test_report_lua_line(self):
        r = parse.parse_wrk_json(fixture("wrk_report_lua.txt"))
        self.assertEqual(r.requests, 17091)
        self.assertEqual(r.bytes, 71953110)
        self.assertAlmostEqual(r.duration_s, 1.022821)
        self.assertAlmostEqual(r.rps, 17091 / 1.022821)
        self.assertEqual((r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms), (3.278, 9.395, 16.846, 21.246))
        self.assertEqual((r.errors, r.non2xx), (0, 0))

    def test_status_errors_are_non2xx(self):
        r = parse.parse_wrk(fixture("wrk_report_lua_404.txt"))
        self.assertEqual(r.requests, 14593)
        self.assertEqual(r.non2xx, 14593)
        self.assertEqual(r.errors, 0)

    def test_json_line_preferred_over_text(self):
        # The fixture holds both wrk's text and the hook's line; the exact line wins.
        r = parse.parse_wrk(fixture("wrk_report_lua.txt"))
        self.assertEqual(r.bytes, 71953110)

    def test_no_result(self):
        self.assertIsNone(parse.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused"))


class WrkText(unittest.TestCase):
    def test_latency_distribution(self):
        r = parse.parse_wrk_text(fixture("wrk_latency.txt"))
        self.assertEqual(r.requests, 20384)
        self.assertAlmostEqual(r.duration_s, 1.10)
        self.assertEqual(r.bytes, int(round(81.84 * 1024 * 1024)))
        self.assertAlmostEqual(r.p50_ms, 3.16)
        self.assertAlmostEqual(r.p90_ms, 8.30)
        self.assertAlmostEqual(r.p99_ms, 13.46)
        self.assertAlmostEqual(r.max_ms, 15.91)
        self.assertEqual((r.errors, r.non2xx), (0, 0))

    def test_microseconds_and_non2xx(self):
        r = parse.parse_wrk_text(fixture("wrk_latency_404.txt"))
        self.assertAlmostEqual(r.p50_ms, 0.133)
        self.assertEqual(r.non2xx, 14239)

    def test_socket_errors(self):
        text = fixture("wrk_latency.txt").replace(
            "Requests/sec", "  Socket errors: connect 3, read 5, write 0, timeout 7\nRequests/sec")
        self.assertEqual(parse.parse_wrk_text(text).errors, 15)

    def test_units(self):
        self.assertEqual(parse.wrk_time_ms("2.00m"), 120000.0)
        self.assertEqual(parse.wrk_time_ms("1.5s"), 1500.0)
        self.assertEqual(parse.size_bytes("512.00B"), 512)
        self.assertEqual(parse.size_bytes("2.00KB"), 2048)
        with self.assertRaises(ValueError):
            parse.wrk_time_ms("fast")


class H2load(unittest.TestCase):
    def test_summary(self):
        r = parse.parse_h2load(fixture("h2load_h1.txt"))
        self.assertEqual(r.requests, 14805)
        self.assertAlmostEqual(r.duration_s, 1.04)
        self.assertEqual(r.bytes, 62329050)
        self.assertEqual((r.errors, r.non2xx), (0, 0))
        self.assertTrue(math.isnan(r.p50_ms))  # percentiles come from the log file

    def test_4xx_are_non2xx_not_errors(self):
        r = parse.parse_h2load(fixture("h2load_h1_404.txt"))
        self.assertEqual(r.requests, 2000)
        self.assertEqual(r.non2xx, 2000)
        self.assertEqual(r.errors, 0)

    def test_errored_and_timeouts(self):
        text = fixture("h2load_h1.txt").replace(
            "14805 succeeded, 0 failed, 0 errored, 0 timeout",
            "14800 succeeded, 5 failed, 3 errored, 2 timeout").replace(
            "14805 2xx", "14800 2xx")
        r = parse.parse_h2load(text)
        self.assertEqual(r.errors, 5)
        self.assertEqual(r.requests, 14800)

    def test_no_result(self):
        self.assertIsNone(parse.parse_h2load("could not connect to address 127.0.0.1"))

    def test_log_percentiles(self):
        with open(os.path.join(FIX, "h2load_log.tsv")) as f:
            lines = f.read().splitlines()
        durations = sorted(int(l.split("\t")[2]) / 1000 for l in lines)
        p50, p90, p99, mx = parse.h2load_log_percentiles(lines)
        self.assertEqual(len(durations), 50)
        self.assertEqual(p50, durations[24])  # nearest rank: ceil(0.5 * 50) = 25th
        self.assertEqual(p90, durations[44])
        self.assertEqual(p99, durations[49])
        self.assertEqual(mx, durations[-1])

    def test_log_skips_failed_requests(self):
        lines = ["1\t200\t1000", "2\t-1\t999999", "3\t200\t3000", "garbage"]
        self.assertEqual(parse.h2load_log_percentiles(lines), (1.0, 3.0, 3.0, 3.0))
        self.assertTrue(all(math.isnan(x) for x in parse.h2load_log_percentiles([])))


class Percentile(unittest.TestCase):
    def test_nearest_rank(self):
        v = list(range(1, 101))
        self.assertEqual(parse.percentile(v, 50), 50)
        self.assertEqual(parse.percentile(v, 99), 99)
        self.assertEqual(parse.percentile(v, 100), 100)
        self.assertEqual(parse.percentile([7], 90), 7)


if __name__ == "__main__":
    unittest.main()
