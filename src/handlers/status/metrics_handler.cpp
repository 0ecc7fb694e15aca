#include "handlers/status/metrics_handler.hpp"

#include <cstdio>

#include "handlers/status/report.hpp"
#include "handlers/status/status_handler.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers::status {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, uint64_t v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  util::append_u64(out, v);
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view labels, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  out += buf;
  out += '\n';
}

void one(std::string& out, std::string_view name, std::string_view type, std::string_view help,
         uint64_t v) {
  family(out, name, type, help);
  sample(out, name, {}, v);
}

// Label values here are fixed words or the version/MPM, which never hold
// '"', '\\' or newlines; escape them anyway as the format requires.
std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string render_metrics(const scoreboard::Scoreboard& board, const StatusFacts& facts) {
  const Report r = make_report(board, facts, facts.server_name);
  const scoreboard::Summary& s = r.summary;
  const scoreboard::Global& g = board.global();
  std::string out;
  out.reserve(4096);

  one(out, "mpmd_up", "gauge", "1 while the server answers.", 1);
  family(out, "mpmd_info", "gauge", "Server version and MPM, as labels.");
  sample(out, "mpmd_info", label("version", facts.server_version) + "," + label("mpm", facts.mpm),
         uint64_t(1));
  one(out, "mpmd_uptime_seconds", "gauge", "Seconds since the last (re)start.", r.uptime);
  one(out, "mpmd_generation", "gauge", "Running generation (graceful restarts).", r.generation);
  one(out, "mpmd_requests_total", "counter", "Requests served (survives graceful restarts).",
      s.total_accesses);
  one(out, "mpmd_sent_bytes_total", "counter", "Response body bytes sent.", s.total_bytes);
  family(out, "mpmd_request_duration_seconds_total", "counter",
         "Sum of the time spent serving requests.");
  sample(out, "mpmd_request_duration_seconds_total", {}, double(s.total_duration_usec) / 1e6);

  family(out, "mpmd_workers", "gauge",
         "Workers by Apache's counting: busy (incl. keep-alive), idle, graceful.");
  sample(out, "mpmd_workers", "state=\"busy\"", uint64_t(s.busy));
  sample(out, "mpmd_workers", "state=\"idle\"", uint64_t(s.idle));
  sample(out, "mpmd_workers", "state=\"graceful\"", uint64_t(s.graceful));
  one(out, "mpmd_max_request_workers", "gauge", "MaxRequestWorkers in effect.",
      uint64_t(facts.max_request_workers < 0 ? 0 : facts.max_request_workers));

  family(out, "mpmd_scoreboard", "gauge",
         "Scoreboard slots by state (labels as prometheus-apache-exporter's).");
  for (size_t i = 0; i < scoreboard::kAllStates.size(); ++i) {
    sample(out, "mpmd_scoreboard",
           label("state", scoreboard::state_label(scoreboard::kAllStates[i])),
           uint64_t(s.state_counts[i]));
  }
  family(out, "mpmd_processes", "gauge", "Child processes: active, or stopping (draining).");
  sample(out, "mpmd_processes", "state=\"active\"", uint64_t(s.processes - s.stopping));
  sample(out, "mpmd_processes", "state=\"stopping\"", uint64_t(s.stopping));
  family(out, "mpmd_connections", "gauge", "Open connections, and those in async states.");
  sample(out, "mpmd_connections", "state=\"total\"", uint64_t(s.conns_total));
  sample(out, "mpmd_connections", "state=\"keepalive\"", uint64_t(s.conns_keepalive));
  sample(out, "mpmd_connections", "state=\"writing\"", uint64_t(s.conns_writing));
  sample(out, "mpmd_connections", "state=\"closing\"", uint64_t(s.conns_closing));
  one(out, "mpmd_listen_queue", "gauge", "Connections waiting in the listen queues.",
      g.listen_queue.load(kRelaxed));

  one(out, "mpmd_max_request_workers_reached_total", "counter",
      "Maintenance cycles (about one a second) spent at MaxRequestWorkers.",
      g.max_workers_reached.load(kRelaxed));
  one(out, "mpmd_keepalive_closed_early_total", "counter",
      "Idle keep-alive connections closed early to make room.",
      g.keepalive_closed_early.load(kRelaxed));
  one(out, "mpmd_connections_refused_total", "counter",
      "Connections refused at an accept or per-child limit.", g.connections_refused.load(kRelaxed));
  one(out, "mpmd_children_spawned_total", "counter", "Child processes started.",
      g.children_spawned.load(kRelaxed));
  one(out, "mpmd_children_crashed_total", "counter", "Child processes that died abnormally.",
      g.children_crashed.load(kRelaxed));
  one(out, "mpmd_stuck_children", "gauge",
      "Child processes making no progress now (StuckChildTimeout).", uint64_t(s.stuck));
  one(out, "mpmd_stuck_children_found_total", "counter",
      "Child processes found making no progress (StuckChildTimeout).",
      g.children_stuck.load(kRelaxed));
  one(out, "mpmd_stuck_children_killed_total", "counter",
      "Stuck child processes killed (StuckChildAction kill).",
      g.stuck_children_killed.load(kRelaxed));
  one(out, "mpmd_access_log_lines_dropped_total", "counter",
      "Access-log lines lost because writing the log failed (full disk, I/O error).",
      s.log_lines_dropped);
  one(out, "mpmd_access_logs_failing", "gauge", "Access log files whose last write failed.",
      uint64_t(s.logs_failing));
  if (s.python_requests > 0) {
    // Python (WSGI): what the GIL costs, which no other server shows.
    one(out, "mpmd_python_requests_total", "counter", "WSGI requests run.", s.python_requests);
    family(out, "mpmd_python_gil_wait_seconds_total", "counter",
           "Time WSGI requests waited to hold the GIL.");
    sample(out, "mpmd_python_gil_wait_seconds_total", {}, double(s.gil_wait_usec) / 1e6);
    family(out, "mpmd_python_child_gil_wait_seconds_total", "counter",
           "GIL wait per child process (pid label).");
    for (const scoreboard::ProcessRow& p : s.process_rows) {
      if (p.python_requests == 0) continue;
      sample(out, "mpmd_python_child_gil_wait_seconds_total", label("pid", std::to_string(p.pid)),
             double(p.gil_wait_usec) / 1e6);
    }
    family(out, "mpmd_python_worker_gil_wait_seconds_total", "counter",
           "GIL wait per worker (scoreboard slot and thread labels).");
    for (const WorkerRow& w : worker_rows(board, facts, util::wall_usec())) {
      if (w.python_requests == 0) continue;
      sample(
          out, "mpmd_python_worker_gil_wait_seconds_total",
          label("slot", std::to_string(w.slot)) + "," + label("thread", std::to_string(w.thread)),
          double(w.gil_wait_usec) / 1e6);
    }
  }
  return out;
}

void MetricsHandler::handle(const http::Request& request, http::Response& response) {
  if (reject_unless_get(request, response)) return;
  response.head_only = request.method == http::Method::head;
  response.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  // The page lists client addresses and requests: no cache may keep it.
  response.set_header("Cache-Control", "no-store");
  response.body.append(render_metrics(board_, facts_));
}

}  // namespace mpmd::handlers::status
