// The HTML page, laid out as mod_status's (httpd 2.4): the facts list, the
// event per-process table, the scoreboard in <pre> 64 letters a line with its
// key, and the per-worker table. Everything that came from a request is escaped.
#include <cstdio>

#include "handlers/status/render.hpp"
#include "util/escape.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers::status {

namespace {

using scoreboard::State;

void text(std::string& out, std::string_view s) {
  util::append_html_escaped(out, s);
}

void num(std::string& out, uint64_t v) {
  util::append_u64(out, v);
}

std::string printf_text(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// mod_status's format_byte_out.
std::string bytes_text(double bytes) {
  if (bytes < 5 * 1024.0) return printf_text("%.0f B", bytes);
  if (bytes < 5 * 1024.0 * 1024) return printf_text("%.1f kB", bytes / 1024);
  if (bytes < 5 * 1024.0 * 1024 * 1024) return printf_text("%.1f MB", bytes / 1024 / 1024);
  return printf_text("%.1f GB", bytes / 1024 / 1024 / 1024);
}

void dt(std::string& out, std::string_view label, std::string_view value) {
  out += "<dt>";
  out += label;
  text(out, value);
  out += "</dt>\n";
}

void head(std::string& out, const Report& r, std::string_view via) {
  const StatusFacts& f = *r.facts;
  out +=
      "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n"
      "<html><head>\n<title>mpmd Status</title>\n"
      "<style type=\"text/css\">\n"
      "body { font-family: sans-serif; }\n"
      "table { border-collapse: collapse; }\n"
      "td, th { padding: 0.1em 0.5em; }\n"
      "</style>\n</head><body>\n<h1>mpmd Server Status for ";
  text(out, r.host);
  out += " (via ";
  text(out, via);
  out += ")</h1>\n\n<dl>";
  dt(out, "Server Version: ", f.server_version);
  dt(out, "Server MPM: ", f.mpm);
  if (!f.event_backend.empty()) dt(out, "Event Backend: ", f.event_backend);
  dt(out, "Server Built: ", f.server_built.empty() ? server_built_text() : f.server_built);
  out += "</dl><hr /><dl>\n";
  dt(out, "Current Time: ", apache_time(r.now));
  dt(out, "Restart Time: ", apache_time(r.restart));
  dt(out, "Parent Server Config. Generation: ", std::to_string(uint64_t(r.generation) + 1));
  dt(out, "Parent Server MPM Generation: ", std::to_string(r.generation));
  dt(out, "Server uptime: ", uptime_text(r.uptime));
  dt(out, "Server load: ",
     printf_text("%.2f ", r.load[0]) + printf_text("%.2f ", r.load[1]) +
         printf_text("%.2f", r.load[2]));
  const scoreboard::Summary& s = r.summary;
  dt(out, "Total accesses: ",
     std::to_string(s.total_accesses) + " - Total Traffic: " + bytes_text(double(s.total_bytes)) +
         " - Total Duration: " + std::to_string(r.total_duration_ms()));
  std::string cpu = "u" + format_g(r.cpu_user) + " s" + format_g(r.cpu_system) + " cu" +
                    format_g(r.cpu_children_user) + " cs" + format_g(r.cpu_children_system);
  if (r.cpu_total() > 0 && r.uptime > 0) {
    cpu += " - " + printf_text("%.3g", r.cpu_total() / double(r.uptime) * 100.0) + "% CPU load";
  }
  dt(out, "CPU Usage: ", cpu);
  if (r.uptime > 0) {
    std::string rates = format_g(double(s.total_accesses) / double(r.uptime)) + " requests/sec - " +
                        bytes_text(double(s.total_bytes) / double(r.uptime)) + "/second";
    if (s.total_accesses > 0) {
      rates += " - " + bytes_text(double(s.total_bytes) / double(s.total_accesses)) +
               "/request - " +
               format_g(double(s.total_duration_usec) / double(s.total_accesses) / 1000.0) +
               " ms/request";
    }
    dt(out, "", rates);
  }
  dt(out, "",
     std::to_string(s.busy) + " requests currently being processed, " + std::to_string(s.graceful) +
         " workers gracefully restarting, " + std::to_string(s.idle) + " idle workers");
  if (s.python_requests > 0) {
    dt(out, "Python: ",
       std::to_string(s.python_requests) + " WSGI requests - " +
           format_g(double(s.gil_wait_usec) / 1000.0 / double(s.python_requests)) +
           " ms/request waiting for the GIL (" + format_g(double(s.gil_wait_usec) / 1e6) +
           " s in all; per worker in ?json)");
  }
  if (s.log_lines_dropped > 0) {
    dt(out, "Access log: ",
       std::to_string(s.log_lines_dropped) + " lines dropped because writing failed" +
           (s.logs_failing > 0 ? " - " + std::to_string(s.logs_failing) + " file(s) failing now"
                               : " - writing works again"));
  }
  if (s.stuck > 0) {
    std::string stuck;
    for (const scoreboard::ProcessRow& p : s.process_rows) {
      if (p.stuck_seconds == 0) continue;
      if (!stuck.empty()) stuck += ", ";
      stuck += "pid " + std::to_string(p.pid) + " (slot " + std::to_string(p.slot) +
               "): no progress for " + std::to_string(p.stuck_seconds) + " s";
    }
    dt(out, "Stuck children: ", stuck);
  }
  out += "</dl>\n";
}

void process_table(std::string& out, const Report& r) {
  out +=
      "<table rules=\"all\" cellpadding=\"1%\">\n"
      "<tr><th rowspan=\"2\">Slot</th><th rowspan=\"2\">PID</th><th rowspan=\"2\">Stopping</th>"
      "<th colspan=\"2\">Connections</th>\n"
      "<th colspan=\"3\">Threads</th><th colspan=\"3\">Async connections</th></tr>\n"
      "<tr><th>total</th><th>accepting</th><th>busy</th><th>graceful</th><th>idle</th>"
      "<th>writing</th><th>keep-alive</th><th>closing</th></tr>\n";
  const scoreboard::Summary& s = r.summary;
  for (const scoreboard::ProcessRow& p : s.process_rows) {
    out += "<tr><td>";
    num(out, uint64_t(p.slot));
    out += "</td><td>";
    num(out, uint64_t(p.pid));
    out += "</td><td>";
    if (p.quiescing) {
      out += p.old_generation ? "yes (old gen)" : "yes";
    } else {
      out += p.old_generation ? "no (old gen)" : "no";
    }
    const auto cell = [&](uint64_t v) {
      out += "</td><td>";
      num(out, v);
    };
    cell(p.connections);
    out += "</td><td>";
    out += p.not_accepting ? "no" : "yes";
    cell(uint64_t(p.busy));
    cell(uint64_t(p.graceful));
    cell(uint64_t(p.idle));
    cell(p.write_completion);
    cell(p.keep_alive);
    cell(p.lingering_close);
    out += "</td></tr>\n";
  }
  out += "<tr><td>Sum</td><td>";
  num(out, uint64_t(s.processes));
  out += "</td><td>";
  num(out, uint64_t(s.stopping));
  out += "</td><td>";
  num(out, s.conns_total);
  out += "</td><td>&nbsp;</td><td>";
  num(out, uint64_t(s.busy));
  out += "</td><td>";
  num(out, uint64_t(s.graceful));
  out += "</td><td>";
  num(out, uint64_t(s.idle));
  out += "</td><td>";
  num(out, s.conns_writing);
  out += "</td><td>";
  num(out, s.conns_keepalive);
  out += "</td><td>";
  num(out, s.conns_closing);
  out += "</td></tr>\n</table>\n";
}

void scoreboard_block(std::string& out, const Report& r) {
  out += "<pre>";
  const std::string& letters = r.summary.letters;
  for (size_t i = 0; i < letters.size(); ++i) {
    if (i > 0 && i % 64 == 0) out += '\n';
    out += letters[i];
  }
  out += "</pre>\n<p>Scoreboard Key:<br />\n";
  static constexpr State kKeyOrder[] = {State::ready,     State::starting,  State::read,
                                        State::write,     State::keepalive, State::dns,
                                        State::closing,   State::log,       State::graceful,
                                        State::idle_kill, State::dead};
  constexpr size_t count = sizeof kKeyOrder / sizeof kKeyOrder[0];
  for (size_t n = 0; n < count; ++n) {
    out += "\"<b><code>";
    out += char(kKeyOrder[n]);
    out += "</code></b>\" ";
    out += scoreboard::state_description(kKeyOrder[n]);
    if (n + 1 == count) {
      out += "<br />\n";
    } else {
      out += (n + 1) % 3 == 0 ? ",<br />\n" : ", \n";
    }
  }
  out += "</p>\n";
}

void kb(std::string& out, uint64_t bytes, double unit) {
  out += printf_text("%.1f", double(bytes) / unit);
}

void worker_table(std::string& out, const std::vector<WorkerRow>& rows) {
  out +=
      "<table border=\"0\"><tr><th>Srv</th><th>PID</th><th>Acc</th><th>M</th>"
      "<th>SS</th><th>Req</th><th>Dur</th><th>Conn</th><th>Child</th><th>Slot</th>"
      "<th>Client</th><th>Protocol</th><th>VHost</th><th>Request</th></tr>\n\n";
  for (const WorkerRow& w : rows) {
    out += "<tr><td><b>";
    num(out, uint64_t(w.slot));
    out += '-';
    num(out, w.generation);
    out += "</b></td><td>";
    num(out, uint64_t(w.pid));
    out += "</td><td>";
    num(out, w.conn_count);
    out += '/';
    num(out, w.my_access_count);
    out += '/';
    num(out, w.access_count);
    out += "</td><td><b>";
    out += char(w.state);
    out += "</b></td><td>";
    num(out, uint64_t(w.seconds_since));
    out += "</td><td>";
    num(out, uint64_t(w.request_ms));
    out += "</td><td>";
    num(out, w.duration_ms);
    out += "</td><td>";
    kb(out, w.conn_bytes, 1024.0);
    out += "</td><td>";
    kb(out, w.my_bytes, 1024.0 * 1024.0);
    out += "</td><td>";
    kb(out, w.bytes, 1024.0 * 1024.0);
    out += "</td><td>";
    text(out, w.client);
    out += "</td><td>";
    text(out, w.protocol);
    out += "</td><td nowrap>";
    text(out, w.vhost);
    out += "</td><td nowrap>";
    text(out, w.request);
    out += "</td></tr>\n\n";
  }
  out +=
      "</table>\n<hr /> <table>\n"
      "<tr><th>Srv</th><td>Child Server number - generation</td></tr>\n"
      "<tr><th>PID</th><td>OS process ID</td></tr>\n"
      "<tr><th>Acc</th><td>Number of accesses this connection / this child / this slot</td></tr>\n"
      "<tr><th>M</th><td>Mode of operation</td></tr>\n"
      "<tr><th>SS</th><td>Seconds since beginning of most recent request</td></tr>\n"
      "<tr><th>Req</th><td>Milliseconds required to process most recent request</td></tr>\n"
      "<tr><th>Dur</th><td>Sum of milliseconds required to process all requests</td></tr>\n"
      "<tr><th>Conn</th><td>Kilobytes transferred this connection</td></tr>\n"
      "<tr><th>Child</th><td>Megabytes transferred this child</td></tr>\n"
      "<tr><th>Slot</th><td>Total megabytes transferred this slot</td></tr>\n"
      "</table>\n";
}

}  // namespace

std::string render_html(const Report& r, const std::vector<WorkerRow>* rows, std::string_view via) {
  std::string out;
  out.reserve(4096 + r.summary.letters.size() * (rows ? 200 : 2));
  head(out, r, via);
  if (r.facts->async) process_table(out, r);
  scoreboard_block(out, r);
  if (rows) worker_table(out, *rows);
  out += "</body></html>\n";
  return out;
}

}  // namespace mpmd::handlers::status
