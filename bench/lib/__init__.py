"""The benchmark harness's library (Python 3 standard library only)."""
