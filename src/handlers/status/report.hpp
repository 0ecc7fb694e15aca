// One request's snapshot of the scoreboard and the host, rendered by the
// ?auto, HTML and JSON views of the status handler and by the metrics handler.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/status/status_facts.hpp"
#include "scoreboard/scoreboard.hpp"
#include "scoreboard/summary.hpp"
#include "util/clock.hpp"

namespace mpmd::handlers::status {

struct Report {
  const StatusFacts* facts = nullptr;
  std::string host;  // the name the client used (Host header), else facts->server_name
  util::Usec now = 0;
  util::Usec restart = 0;  // Global::restart_usec
  uint32_t generation = 0;
  uint64_t uptime = 0;  // seconds since restart
  double load[3] = {0, 0, 0};
  double cpu_user = 0, cpu_system = 0, cpu_children_user = 0, cpu_children_system = 0;
  scoreboard::Summary summary;

  uint64_t total_kbytes() const { return summary.total_bytes >> 10; }
  uint64_t total_duration_ms() const { return summary.total_duration_usec / 1000; }
  double cpu_total() const {
    return cpu_user + cpu_system + cpu_children_user + cpu_children_system;
  }
};

// `request_host`: the Host header (port and anything unsafe are stripped).
Report make_report(const scoreboard::Scoreboard& board, const StatusFacts& facts,
                   std::string_view request_host);

// A row of the per-worker table: slots that served something or are busy.
struct WorkerRow {
  int slot = 0;
  int thread = 0;
  int32_t pid = 0;
  uint32_t generation = 0;
  scoreboard::State state = scoreboard::State::dead;
  uint64_t conn_count = 0, my_access_count = 0, access_count = 0;
  uint64_t conn_bytes = 0, my_bytes = 0, bytes = 0;
  int64_t seconds_since = 0;     // since the most recent request began
  int64_t request_ms = 0;        // duration of the most recent request (0 while in progress)
  uint64_t duration_ms = 0;      // sum of all request durations
  uint64_t python_requests = 0;  // WSGI requests run by this worker, and their GIL wait
  uint64_t gil_wait_usec = 0;
  std::string client, protocol, vhost, request;
};

std::vector<WorkerRow> worker_rows(const scoreboard::Scoreboard& board, const StatusFacts& facts,
                                   util::Usec now);

// "%A, %d-%b-%Y %H:%M:%S %Z" in local time, as mod_status prints times.
std::string apache_time(util::Usec t);
// " 1 day 2 hours 5 seconds" (mod_status's show_time; empty for 0).
std::string uptime_text(uint64_t seconds);
// The build date of this binary, as "Server Built" shows it.
std::string server_built_text();
// printf's %g, as mod_status prints rates.
std::string format_g(double v);

}  // namespace mpmd::handlers::status
