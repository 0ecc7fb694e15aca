#include "handlers/status/report.hpp"

#include <sys/times.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace mpmd::handlers::status {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// Keeps only characters of a host name or address literal, and drops a port:
// the first line of ?auto is read as "key: value" by exporters.
std::string clean_host(std::string_view host) {
  if (!host.empty() && host.front() != '[') {
    const size_t colon = host.find(':');
    if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos) {
      host = host.substr(0, colon);
    }
  } else if (!host.empty()) {
    const size_t close = host.find(']');
    if (close != std::string_view::npos) host = host.substr(0, close + 1);
  }
  std::string out;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == ':';
    if (ok) out += c;
  }
  return out;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

int StatusFacts::active_processes() const {
  const int tpc = threads_per_child < 1 ? 1 : threads_per_child;
  const int n = max_request_workers / tpc;
  return n < 1 ? 1 : n;
}

Report make_report(const scoreboard::Scoreboard& board, const StatusFacts& facts,
                   std::string_view request_host) {
  static const util::SystemClock system_clock;
  const util::Clock& clock = facts.clock ? *facts.clock : system_clock;
  Report r;
  r.facts = &facts;
  r.host = clean_host(request_host);
  if (r.host.empty()) r.host = clean_host(facts.server_name);
  if (r.host.empty()) r.host = clean_host(host_name());
  r.now = clock.now();
  const scoreboard::Global& g = board.global();
  r.restart = g.restart_usec.load(kRelaxed);
  r.generation = g.running_generation.load(kRelaxed);
  if (r.restart > 0 && r.now > r.restart) r.uptime = uint64_t((r.now - r.restart) / 1'000'000);
  double load[3];
  if (getloadavg(load, 3) == 3) {
    for (int i = 0; i < 3; ++i) r.load[i] = load[i];
  }
  struct tms t;
  if (times(&t) != clock_t(-1)) {
    const double tick = double(sysconf(_SC_CLK_TCK));
    r.cpu_user = double(t.tms_utime) / tick;
    r.cpu_system = double(t.tms_stime) / tick;
    r.cpu_children_user = double(t.tms_cutime) / tick;
    r.cpu_children_system = double(t.tms_cstime) / tick;
  }
  r.summary =
      scoreboard::summarize(board, r.generation, facts.active_processes(), facts.threads_per_child);
  return r;
}

std::vector<WorkerRow> worker_rows(const scoreboard::Scoreboard& board, const StatusFacts& facts,
                                   util::Usec now) {
  using scoreboard::State;
  std::vector<WorkerRow> rows;
  for (int i = 0; i < board.server_limit(); ++i) {
    for (int j = 0; j < board.thread_limit(); ++j) {
      const scoreboard::Worker& w = board.worker(i, j);
      WorkerRow row;
      row.state = State(w.state.load(kRelaxed));
      if (scoreboard::state_index(row.state) == 0) row.state = State::dead;
      row.access_count = w.access_count.load(kRelaxed);
      // As mod_status: skip slots that never served and are waiting or empty.
      if (row.access_count == 0 && (row.state == State::ready || row.state == State::dead)) {
        continue;
      }
      if (row.state == State::dead &&
          (i >= facts.active_processes() || j >= facts.threads_per_child)) {
        continue;
      }
      row.slot = i;
      row.thread = j;
      row.pid = w.pid.load(kRelaxed);
      if (row.pid == 0) row.pid = board.process(i).pid.load(kRelaxed);
      row.generation = board.process(i).generation.load(kRelaxed);  // as mod_status
      row.conn_count = w.conn_count.load(kRelaxed);
      row.my_access_count = w.my_access_count.load(kRelaxed);
      row.conn_bytes = w.conn_bytes.load(kRelaxed);
      row.my_bytes = w.my_bytes_served.load(kRelaxed);
      row.bytes = w.bytes_served.load(kRelaxed);
      const int64_t start = w.start_usec.load(kRelaxed);
      const int64_t stop = w.stop_usec.load(kRelaxed);
      int64_t last = w.last_used_usec.load(kRelaxed);
      if (last == 0) last = start;
      row.seconds_since = last > 0 && now > last ? (now - last) / 1'000'000 : 0;
      row.request_ms = stop >= start && start > 0 ? (stop - start) / 1000 : 0;
      row.duration_ms = w.duration_usec.load(kRelaxed) / 1000;
      row.python_requests = w.python_requests.load(kRelaxed);
      row.gil_wait_usec = w.gil_wait_usec.load(kRelaxed);
      row.client = w.client.get();
      row.protocol = w.protocol.get();
      row.vhost = w.vhost.get();
      row.request = w.request.get();
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::string apache_time(util::Usec t) {
  const std::time_t secs = std::time_t(t / 1'000'000);
  struct tm tm;
  localtime_r(&secs, &tm);
  char buf[128];
  const size_t n = strftime(buf, sizeof buf, "%A, %d-%b-%Y %H:%M:%S %Z", &tm);
  return std::string(buf, n);
}

std::string uptime_text(uint64_t seconds) {
  const uint64_t secs = seconds % 60;
  const uint64_t mins = seconds / 60 % 60;
  const uint64_t hours = seconds / 3600 % 24;
  const uint64_t days = seconds / 86400;
  std::string out;
  const auto part = [&](uint64_t v, const char* unit) {
    if (v == 0) return;
    out += ' ';
    out += std::to_string(v);
    out += ' ';
    out += unit;
    if (v != 1) out += 's';
  };
  part(days, "day");
  part(hours, "hour");
  part(mins, "minute");
  part(secs, "second");
  return out;
}

std::string server_built_text() {
  return __DATE__ " " __TIME__;
}

std::string format_g(double v) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%g", v);
  return std::string(buf, n > 0 ? size_t(n) : 0);
}

}  // namespace mpmd::handlers::status
