"""Median / min-max / ratio arithmetic over interleaved rounds."""
import math
import unittest

from lib import stats


def row(rnd, server, rps, status="ok", p99=None):
    return {"round": str(rnd), "server": server, "status": status, "rps": str(rps),
            "p99_ms": "" if p99 is None else str(p99)}


class Summarize(unittest.TestCase):
    def test_median_min_max(self):
        self.assertEqual(stats.summarize([3, 1, 2]), (2, 1, 3))
        self.assertEqual(stats.summarize(["4", "1", "2", "3"]), (2.5, 1, 4))

    def test_blank_and_nan_ignored(self):
        self.assertEqual(stats.summarize(["", None, float("nan"), 5]), (5, 5, 5))
        self.assertTrue(all(math.isnan(x) for x in stats.summarize(["", None])))


class Ratios(unittest.TestCase):
    ROWS = [row(1, "baseline", 200), row(1, "nginx", 100), row(1, "mpmd-event", 150),
            row(2, "baseline", 100), row(2, "nginx", 100), row(2, "mpmd-event", 50),
            row(3, "baseline", 400), row(3, "nginx", 100), row(3, "mpmd-event", 0, "invalid")]

    def test_within_each_round(self):
        r = stats.round_ratios(self.ROWS, "rps")
        # round 1: best peer is mpmd-event (150); the baseline does not count as a peer.
        self.assertEqual(r[(1, "mpmd-event")], (1.0, 0.75))
        self.assertEqual(r[(1, "nginx")], (100 / 150, 0.5))
        self.assertEqual(r[(1, "baseline")], (200 / 150, 1.0))
        self.assertEqual(r[(2, "mpmd-event")], (0.5, 0.5))
        # round 3: the invalid run is not a figure and not a reference.
        self.assertNotIn((3, "mpmd-event"), r)
        self.assertEqual(r[(3, "nginx")], (1.0, 0.25))

    def test_summary_over_rounds(self):
        s = stats.summarize_workload(self.ROWS, ["rps"])
        self.assertEqual(s["nginx"]["rps"], (100, 100, 100))
        self.assertEqual(s["nginx"]["ratio_baseline"], (0.5, 0.25, 1.0))
        self.assertEqual(s["mpmd-event"]["ratio_best"], (0.75, 0.5, 1.0))
        self.assertEqual(s["mpmd-event"]["rps"], (100, 50, 150))
        self.assertEqual((s["mpmd-event"]["runs_ok"], s["mpmd-event"]["runs"]), (2, 3))

    def test_lower_is_better(self):
        rows = [row(1, "a", 0, p99=2.0), row(1, "b", 0, p99=4.0), row(1, "baseline", 0, p99=1.0)]
        r = stats.round_ratios(rows, "p99_ms")
        self.assertEqual(r[(1, "a")], (1.0, 2.0))
        self.assertEqual(r[(1, "b")], (2.0, 4.0))

    def test_missing_baseline_or_zero_reference(self):
        rows = [row(1, "nginx", 100), row(1, "h2o", 0), row(1, "baseline", 0, "failed-to-start")]
        r = stats.round_ratios(rows, "rps")
        self.assertTrue(math.isnan(r[(1, "nginx")][1]))
        self.assertEqual(r[(1, "h2o")][0], 0.0)
        rows = [row(1, "nginx", 0), row(1, "baseline", 10)]
        self.assertTrue(math.isnan(stats.round_ratios(rows, "rps")[(1, "nginx")][0]))

    def test_failed_server_has_no_figures(self):
        rows = [row(1, "nginx", 100), row(1, "mpmd-worker", "", "failed-to-start")]
        s = stats.summarize_workload(rows, ["rps"])
        self.assertEqual(s["mpmd-worker"]["runs_ok"], 0)
        self.assertTrue(math.isnan(s["mpmd-worker"]["rps"][0]))


class Format(unittest.TestCase):
    def test_fmt(self):
        self.assertEqual(stats.fmt(123456), "123k")
        self.assertEqual(stats.fmt(2500000), "2.5M")
        self.assertEqual(stats.fmt(8483.2), "8483")
        self.assertEqual(stats.fmt(0.0123), "0.0123")
        self.assertEqual(stats.fmt(float("nan")), "-")
        self.assertEqual(stats.fmt_range((2, 1, 3)), "2 (1–3)")
        self.assertEqual(stats.fmt_range((2, 2, 2)), "2")


if __name__ == "__main__":
    unittest.main()
