// ?json: what ?auto and the HTML page show, as one JSON object with
// snake_case keys, numbers as numbers and the tables as arrays.
#include <cmath>
#include <cstdio>

#include "handlers/status/render.hpp"
#include "util/escape.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers::status {

namespace {

class Json {
 public:
  explicit Json(std::string& out) : out_(out) {}

  void open(char c) {
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }
  void key(std::string_view k) {
    comma();
    util::append_json_string(out_, k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
  }
  void value(std::string_view s) {
    comma();
    util::append_json_string(out_, s);
  }
  void value(uint64_t v) {
    comma();
    util::append_u64(out_, v);
  }
  void value(double v) {
    comma();
    if (!std::isfinite(v)) {
      out_ += '0';
      return;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out_ += buf;
  }
  void value(bool v) {
    comma();
    out_ += v ? "true" : "false";
  }
  void open_in(std::string_view k, char c) {
    key(k);
    comma();
    open(c);
  }
  void open_item(char c) {
    comma();
    open(c);
  }
  template <class T>
  void field(std::string_view k, T v) {
    key(k);
    value(v);
  }
  void field(std::string_view k, const std::string& v) {
    key(k);
    value(std::string_view(v));
  }
  void field(std::string_view k, int v) {
    key(k);
    value(uint64_t(v < 0 ? 0 : v));
  }
  void field(std::string_view k, uint32_t v) {
    key(k);
    value(uint64_t(v));
  }
  void field(std::string_view k, int64_t v) {
    key(k);
    value(uint64_t(v < 0 ? 0 : v));
  }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

void facts(Json& j, const Report& r) {
  const StatusFacts& f = *r.facts;
  j.field("server_name", r.host);
  j.field("server_version", f.server_version);
  j.field("server_mpm", f.mpm);
  if (!f.event_backend.empty()) j.field("event_backend", f.event_backend);
  j.field("server_built", f.server_built.empty() ? server_built_text() : f.server_built);
  j.field("current_time", apache_time(r.now));
  j.field("current_time_unix", uint64_t(r.now < 0 ? 0 : r.now / 1'000'000));
  j.field("restart_time", apache_time(r.restart));
  j.field("restart_time_unix", uint64_t(r.restart < 0 ? 0 : r.restart / 1'000'000));
  j.field("config_generation", uint64_t(r.generation) + 1);
  j.field("mpm_generation", r.generation);
  j.field("uptime_seconds", r.uptime);
  j.open_in("load", '[');
  for (double l : r.load) j.value(l);
  j.close(']');
  j.field("server_limit", f.server_limit);
  j.field("threads_per_child", f.threads_per_child);
  j.field("max_request_workers", f.max_request_workers);
}

void totals(Json& j, const Report& r) {
  const scoreboard::Summary& s = r.summary;
  j.field("total_accesses", s.total_accesses);
  j.field("total_bytes", s.total_bytes);
  j.field("total_kbytes", r.total_kbytes());
  j.field("total_duration_ms", r.total_duration_ms());
  j.open_in("cpu", '{');
  j.field("user", r.cpu_user);
  j.field("system", r.cpu_system);
  j.field("children_user", r.cpu_children_user);
  j.field("children_system", r.cpu_children_system);
  j.field("load_percent", r.uptime > 0 ? r.cpu_total() / double(r.uptime) * 100.0 : 0.0);
  j.close('}');
  const double up = double(r.uptime);
  const double acc = double(s.total_accesses);
  j.field("requests_per_second", r.uptime > 0 ? acc / up : 0.0);
  j.field("bytes_per_second", r.uptime > 0 ? double(s.total_bytes) / up : 0.0);
  j.field("bytes_per_request", acc > 0 ? double(s.total_bytes) / acc : 0.0);
  j.field("duration_ms_per_request", acc > 0 ? double(s.total_duration_usec) / acc / 1000 : 0.0);
  j.field("python_requests", s.python_requests);
  j.field("python_gil_wait_ms", double(s.gil_wait_usec) / 1000);
  j.open_in("workers", '{');
  j.field("busy", s.busy);
  j.field("graceful", s.graceful);
  j.field("idle", s.idle);
  j.close('}');
  j.open_in("processes", '{');
  j.field("total", s.processes);
  j.field("stopping", s.stopping);
  j.close('}');
  j.open_in("connections", '{');
  j.field("total", s.conns_total);
  j.field("writing", s.conns_writing);
  j.field("keepalive", s.conns_keepalive);
  j.field("closing", s.conns_closing);
  j.close('}');
  j.field("scoreboard", s.letters);
  j.open_in("access_log", '{');
  j.field("lines_dropped", s.log_lines_dropped);
  j.field("files_failing", s.logs_failing);
  j.close('}');
  j.field("stuck_children", s.stuck);
  j.open_in("stuck_processes", '[');
  for (const scoreboard::ProcessRow& p : s.process_rows) {
    if (p.stuck_seconds == 0) continue;
    j.open_item('{');
    j.field("slot", p.slot);
    j.field("pid", int64_t(p.pid));
    j.field("seconds_without_progress", p.stuck_seconds);
    j.close('}');
  }
  j.close(']');
}

void process_rows(Json& j, const Report& r) {
  j.open_in("process_table", '[');
  for (const scoreboard::ProcessRow& p : r.summary.process_rows) {
    j.open_item('{');
    j.field("slot", p.slot);
    j.field("pid", int64_t(p.pid));
    j.field("generation", p.generation);
    j.field("stopping", p.quiescing);
    j.field("old_generation", p.old_generation);
    j.field("accepting", !p.not_accepting);
    j.field("connections", p.connections);
    j.field("busy", p.busy);
    j.field("graceful", p.graceful);
    j.field("idle", p.idle);
    j.field("writing", p.write_completion);
    j.field("keepalive", p.keep_alive);
    j.field("closing", p.lingering_close);
    j.field("python_requests", p.python_requests);
    j.field("python_gil_wait_ms", double(p.gil_wait_usec) / 1000);
    j.field("stuck_seconds", p.stuck_seconds);
    j.field("log_lines_dropped", p.log_lines_dropped);
    j.close('}');
  }
  j.close(']');
}

void worker_rows_json(Json& j, const std::vector<WorkerRow>& rows) {
  j.open_in("worker_table", '[');
  for (const WorkerRow& w : rows) {
    j.open_item('{');
    j.field("slot", w.slot);
    j.field("thread", w.thread);
    j.field("pid", int64_t(w.pid));
    j.field("generation", w.generation);
    j.field("state", std::string(1, char(w.state)));
    j.field("state_name", std::string(scoreboard::state_label(w.state)));
    j.field("connection_accesses", w.conn_count);
    j.field("child_accesses", w.my_access_count);
    j.field("slot_accesses", w.access_count);
    j.field("seconds_since_request", w.seconds_since);
    j.field("request_ms", w.request_ms);
    j.field("duration_ms", w.duration_ms);
    j.field("python_requests", w.python_requests);
    j.field("python_gil_wait_ms", double(w.gil_wait_usec) / 1000);
    j.field("connection_bytes", w.conn_bytes);
    j.field("child_bytes", w.my_bytes);
    j.field("slot_bytes", w.bytes);
    j.field("client", w.client);
    j.field("protocol", w.protocol);
    j.field("vhost", w.vhost);
    j.field("request", w.request);
    j.close('}');
  }
  j.close(']');
}

}  // namespace

std::string render_json(const Report& r, const std::vector<WorkerRow>* rows) {
  std::string out;
  out.reserve(2048 + r.summary.letters.size() + (rows ? rows->size() * 400 : 0));
  Json j(out);
  j.open('{');
  facts(j, r);
  totals(j, r);
  if (r.facts->async) process_rows(j, r);
  if (rows) worker_rows_json(j, *rows);
  j.close('}');
  out += '\n';
  return out;
}

}  // namespace mpmd::handlers::status
