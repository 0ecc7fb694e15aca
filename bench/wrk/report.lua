-- wrk script: prints one machine-readable line at the end of a run, so the
-- harness does not have to parse wrk's human text (units like "1.23ms", "4.5k").
-- Latency values are microseconds. status_errors counts responses >= 400 (wrk's
-- own definition); the harness checks status and body length separately.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "bytes": %d, "duration_us": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
