#include "offload/directives.hpp"

#include <string>

#include "config/address.hpp"

namespace mpmd::offload {

namespace {

using config::Config;
using config::DirectiveCall;

std::string set_count(const DirectiveCall& call, long min, long max, uint32_t& out) {
  int n = 0;
  if (std::string e = config::parse_int(call.args[0], min, max, n); !e.empty()) return e;
  out = uint32_t(n);
  return "";
}

std::string set_time(const DirectiveCall& call, config::Millis max, config::Millis& out) {
  config::Millis t{0};
  if (std::string e = config::parse_seconds(call.args[0], t); !e.empty()) return e;
  if (t.count() < 1 || t > max) {
    return "must be from 1ms to " + std::to_string(max.count() / 1000) + "s, not '" + call.args[0] +
           "'";
  }
  out = t;
  return "";
}

std::string set_processes(Config& c, const DirectiveCall& call) {
  return set_count(call, 0, 256, c.offload.processes);
}

std::string set_timeout(Config& c, const DirectiveCall& call) {
  return set_time(call, config::Millis(3600 * 1000), c.offload.timeout);
}

std::string set_max_size(Config& c, const DirectiveCall& call) {
  uint64_t n = 0;
  std::string e = config::parse_size(call.args[0], n);
  if (e.empty() && (n < 1024 || n > (uint64_t(1) << 30))) {
    e = "must be from 1024 bytes to 1G, not " + call.args[0];
  }
  if (e.empty()) c.offload.max_size = n;
  return e;
}

std::string set_queue_limit(Config& c, const DirectiveCall& call) {
  return set_count(call, 1, 1'000'000, c.offload.queue_limit);
}

// GearmanServers host:port [host:port ...]: kept in libgearman's
// comma-separated form.
std::string set_servers(Config& c, const DirectiveCall& call) {
  std::string joined;
  for (const std::string& arg : call.args) {
    config::ListenAddress a;
    if (!config::parse_listen_address(arg, a).empty() || a.host.empty() || a.port == 0) {
      return "must be host:port (gearmand's default port is 4730), not '" + arg + "'";
    }
    if (!joined.empty()) joined += ',';
    joined += a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
    joined += ':' + std::to_string(a.port);
  }
  c.offload.gearman_servers = joined;
  return "";
}

std::string set_gearman_timeout(Config& c, const DirectiveCall& call) {
  return set_time(call, config::Millis(3600 * 1000), c.offload.gearman_timeout);
}

std::string set_retries(Config& c, const DirectiveCall& call) {
  return set_count(call, 0, 10, c.offload.gearman_retries);
}

std::string set_failure_status(Config& c, const DirectiveCall& call) {
  const std::string& a = call.args[0];
  if (a != "500" && a != "502" && a != "503" && a != "504") {
    return "must be 500, 502, 503 or 504, not '" + a + "'";
  }
  c.offload.gearman_failure_status = std::stoi(a);
  return "";
}

std::string set_concurrency(Config& c, const DirectiveCall& call) {
  return set_count(call, 1, 4096, c.offload.gearman_concurrency);
}

}  // namespace

std::vector<config::Directive> directives() {
  return {
      {"OffloadProcesses", 1, 1, config::kServer, set_processes,
       "OffloadProcesses N - helper processes per child for applications' CPU-bound tasks "
       "(0-256; 0, the default, starts no pool)"},
      {"OffloadTimeout", 1, 1, config::kServer, set_timeout,
       "OffloadTimeout TIME - a pool task without a result this long after its submission "
       "fails (504) and its helper is killed and replaced (default 30s)"},
      {"OffloadMaxSize", 1, 1, config::kServer, set_max_size,
       "OffloadMaxSize BYTES - largest task input or result of the process pool (default 64M)"},
      {"OffloadQueueLimit", 1, 1, config::kServer, set_queue_limit,
       "OffloadQueueLimit N - pool tasks, and Gearman jobs, waiting per child; more are "
       "refused with 503 (default 1024)"},
      {"GearmanServers", 1, -1, config::kServer, set_servers,
       "GearmanServers HOST:PORT [HOST:PORT ...] - the gearmand job servers applications' "
       "Gearman jobs go to"},
      {"GearmanTimeout", 1, 1, config::kServer, set_gearman_timeout,
       "GearmanTimeout TIME - wait for gearmand and for one job attempt; unreachable: 503, "
       "no result: 504 (default 5s)"},
      {"GearmanRetries", 1, 1, config::kServer, set_retries,
       "GearmanRetries N - submit a failed foreground job (its worker died and gearmand gave "
       "up on it, or it reported failure) again up to N times (0-10, default 0)"},
      {"GearmanFailureStatus", 1, 1, config::kServer, set_failure_status,
       "GearmanFailureStatus 500|502|503|504 - the answer for a job that failed after its "
       "retries (default 502)"},
      {"GearmanConcurrency", 1, 1, config::kServer, set_concurrency,
       "GearmanConcurrency N - Gearman jobs one child has in flight at once; more wait "
       "(default 16)"},
  };
}

}  // namespace mpmd::offload
