// mod_status's ?auto, key for key (mod_status.c, httpd 2.4.62): exporters such
// as prometheus-apache-exporter read these lines as "Key: value" and fail the
// whole scrape on one value that is not a number, so every numeric line stays
// numeric.
#include <cstdio>

#include "handlers/status/render.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers::status {

namespace {

void line(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += ": ";
  out += value;
  out += '\n';
}

void line(std::string& out, std::string_view key, uint64_t value) {
  out += key;
  out += ": ";
  util::append_u64(out, value);
  out += '\n';
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

std::string render_auto(const Report& r) {
  const StatusFacts& f = *r.facts;
  const scoreboard::Summary& s = r.summary;
  std::string out;
  out.reserve(1024 + s.letters.size());
  out += r.host;
  out += '\n';
  line(out, "ServerVersion", f.server_version);
  line(out, "ServerMPM", f.mpm);
  // Not Apache's: a string key, which Apache's readers skip as they skip ServerMPM's value.
  if (!f.event_backend.empty()) line(out, "EventBackend", f.event_backend);
  line(out, "Server Built", f.server_built.empty() ? server_built_text() : f.server_built);
  line(out, "CurrentTime", apache_time(r.now));
  line(out, "RestartTime", apache_time(r.restart));
  line(out, "ParentServerConfigGeneration", uint64_t(r.generation) + 1);
  line(out, "ParentServerMPMGeneration", r.generation);
  line(out, "ServerUptimeSeconds", r.uptime);
  out += "ServerUptime:";
  out += uptime_text(r.uptime);
  out += '\n';
  line(out, "Load1", fixed2(r.load[0]));
  line(out, "Load5", fixed2(r.load[1]));
  line(out, "Load15", fixed2(r.load[2]));
  line(out, "Total Accesses", s.total_accesses);
  line(out, "Total kBytes", r.total_kbytes());
  line(out, "Total Duration", r.total_duration_ms());
  line(out, "CPUUser", format_g(r.cpu_user));
  line(out, "CPUSystem", format_g(r.cpu_system));
  line(out, "CPUChildrenUser", format_g(r.cpu_children_user));
  line(out, "CPUChildrenSystem", format_g(r.cpu_children_system));
  if (r.cpu_total() > 0 && r.uptime > 0) {
    line(out, "CPULoad", format_g(r.cpu_total() / double(r.uptime) * 100.0));
  }
  line(out, "Uptime", r.uptime);
  if (r.uptime > 0) {
    line(out, "ReqPerSec", format_g(double(s.total_accesses) / double(r.uptime)));
    line(out, "BytesPerSec", format_g(1024.0 * double(r.total_kbytes()) / double(r.uptime)));
  }
  if (s.total_accesses > 0) {
    line(out, "BytesPerReq",
         format_g(1024.0 * double(r.total_kbytes()) / double(s.total_accesses)));
    line(out, "DurationPerReq",
         format_g(double(s.total_duration_usec) / double(s.total_accesses) / 1000.0));
  }
  line(out, "BusyWorkers", uint64_t(s.busy));
  line(out, "GracefulWorkers", uint64_t(s.graceful));
  line(out, "IdleWorkers", uint64_t(s.idle));
  if (f.async) {
    line(out, "Processes", uint64_t(s.processes));
    line(out, "Stopping", uint64_t(s.stopping));
    line(out, "ConnsTotal", s.conns_total);
    line(out, "ConnsAsyncWriting", s.conns_writing);
    line(out, "ConnsAsyncKeepAlive", s.conns_keepalive);
    line(out, "ConnsAsyncClosing", s.conns_closing);
  }
  if (s.python_requests > 0) {
    // Not Apache's: WSGI requests and the seconds they waited for the GIL.
    line(out, "PythonRequests", s.python_requests);
    line(out, "PythonGILWaitSeconds", format_g(double(s.gil_wait_usec) / 1e6));
  }
  // Not Apache's either, and only when there is something to say: access-log
  // lines lost to failed writes (and the files failing now), stuck children.
  if (s.log_lines_dropped > 0) {
    line(out, "AccessLogLinesDropped", s.log_lines_dropped);
    line(out, "AccessLogsFailing", uint64_t(s.logs_failing));
  }
  if (s.stuck > 0) line(out, "StuckChildren", uint64_t(s.stuck));
  line(out, "Scoreboard", s.letters);
  return out;
}

}  // namespace mpmd::handlers::status
