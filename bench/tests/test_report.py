"""results.csv and report.md from rows, including failed and invalid servers."""
import os
import tempfile
import unittest

from lib import report, workloads

COLUMNS = ["round", "workload", "server", "status", "note", "rps", "p99_ms"]


class Report(unittest.TestCase):
    def test_csv_round_trip_and_report(self):
        rows = [
            {"round": 1, "workload": "static-4k", "server": "baseline", "status": "ok",
             "note": "", "rps": 200.0, "p99_ms": 1.5},
            {"round": 1, "workload": "static-4k", "server": "nginx", "status": "ok",
             "note": "", "rps": 100.0, "p99_ms": float("nan")},
            {"round": 1, "workload": "static-4k", "server": "mpmd-worker",
             "status": "failed-to-start", "note": "exited with 1: unknown MPM"},
            {"round": 1, "workload": "static-4k", "server": "h2o", "status": "wrong-answer",
             "note": "status 404, expected 200"},
        ]
        meta = {"started": "x", "rounds": 1, "duration_s": 2, "pinned": True,
                "server_procs": 1, "held": 10, "versions": {"nginx": "1.22"}}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "results.csv")
            report.write_csv(path, rows, COLUMNS)
            back = report.read_csv(path)
            self.assertEqual(len(back), 4)
            self.assertEqual(back[0]["rps"], "200")
            self.assertEqual(back[1]["p99_ms"], "")  # nan is written as blank
            wls = workloads.by_name(["static-4k"])
            names = ["baseline", "nginx", "mpmd-worker", "h2o"]
            md = os.path.join(d, "report.md")
            report.write_report(md, back, wls, names, meta, {})
            with open(md) as f:
                text = f.read()
        self.assertIn("## static-4k", text)
        self.assertIn("| nginx | 100 | 1.00 | 0.50 |", text)
        self.assertIn("| baseline | 200 | 2.00 | 1.00 |", text)
        self.assertIn("| mpmd-worker | **failed-to-start** |", text)
        self.assertIn("**h2o** — wrong-answer in static-4k: status 404", text)
        self.assertIn("exited with 1: unknown MPM", text)


if __name__ == "__main__":
    unittest.main()
