#include "supervisor/mpm_limits.hpp"

#include <unistd.h>

#include <algorithm>

namespace mpmd::supervisor {

namespace {
constexpr int kPreforkHardServerLimit = 200000;
constexpr int kThreadedHardServerLimit = 20000;
constexpr int kWorkerHardThreadLimit = 20000;

int online_cores() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? int(n) : 1;
}

void at_least_one(int& v, const char* name, std::vector<std::string>& warnings) {
  if (v < 1) {
    warnings.push_back(std::string("WARNING: ") + name + " of " + std::to_string(v) +
                       " is below 1, increasing to 1");
    v = 1;
  }
}
}  // namespace

Sizing compute_sizing(const config::Config& config, const mpm::Engine& engine,
                      std::vector<std::string>& warnings) {
  const config::Mpm& m = config.mpm;
  Sizing s;
  if (engine.spare_pool == mpm::SparePool::servers) {
    // Single-threaded children (prefork's rules).
    s.spare_pool = true;
    s.server_limit = m.server_limit > 0 ? std::min(m.server_limit, kPreforkHardServerLimit) : 256;
    s.max_request_workers = m.max_request_workers > 0 ? m.max_request_workers : s.server_limit;
    if (s.max_request_workers > s.server_limit) {
      warnings.push_back("WARNING: MaxRequestWorkers of " + std::to_string(s.max_request_workers) +
                         " exceeds ServerLimit value of " + std::to_string(s.server_limit) +
                         " servers, decreasing MaxRequestWorkers to " +
                         std::to_string(s.server_limit) + ".");
      s.max_request_workers = s.server_limit;
    }
    s.max_processes = s.max_request_workers;
    s.start_servers = m.start_servers > 0 ? m.start_servers : 5;
    s.min_spare = m.min_spare_servers;
    at_least_one(s.min_spare, "MinSpareServers", warnings);
    s.max_spare = m.max_spare_servers <= s.min_spare ? s.min_spare + 1 : m.max_spare_servers;
  } else {
    // Threaded children: a spare pool of threads with ThreadsPerChild serving
    // threads each (worker's rules), or a fixed set of one-loop children (event).
    bool worker = engine.spare_pool == mpm::SparePool::threads;
    s.spare_pool = worker;
    s.server_limit = m.server_limit > 0 ? std::min(m.server_limit, kThreadedHardServerLimit) : 16;
    if (worker) {
      s.thread_limit = std::clamp(m.thread_limit, 1, kWorkerHardThreadLimit);
      s.threads_per_child = m.threads_per_child;
      if (s.threads_per_child > s.thread_limit) {
        warnings.push_back("WARNING: ThreadsPerChild of " + std::to_string(s.threads_per_child) +
                           " exceeds ThreadLimit of " + std::to_string(s.thread_limit) +
                           " threads, decreasing to " + std::to_string(s.thread_limit) + ".");
        s.threads_per_child = s.thread_limit;
      }
      at_least_one(s.threads_per_child, "ThreadsPerChild", warnings);
    }
    int tpc = s.threads_per_child;
    s.max_request_workers =
        m.max_request_workers > 0 ? m.max_request_workers : s.server_limit * tpc;
    if (s.max_request_workers < tpc) {
      warnings.push_back("WARNING: MaxRequestWorkers of " + std::to_string(s.max_request_workers) +
                         " is less than ThreadsPerChild of " + std::to_string(tpc) +
                         ", increasing to " + std::to_string(tpc) + ".");
      s.max_request_workers = tpc;
    }
    if (s.max_request_workers % tpc != 0) {
      int rounded = s.max_request_workers / tpc * tpc;
      warnings.push_back("WARNING: MaxRequestWorkers of " + std::to_string(s.max_request_workers) +
                         " is not an integer multiple of ThreadsPerChild of " +
                         std::to_string(tpc) + ", decreasing to nearest multiple " +
                         std::to_string(rounded) + ", for a maximum of " +
                         std::to_string(rounded / tpc) + " servers.");
      s.max_request_workers = rounded;
    }
    s.max_processes = s.max_request_workers / tpc;
    if (s.max_processes > s.server_limit) {
      warnings.push_back("WARNING: MaxRequestWorkers of " + std::to_string(s.max_request_workers) +
                         " would require " + std::to_string(s.max_processes) +
                         " servers and would exceed ServerLimit of " +
                         std::to_string(s.server_limit) + ", decreasing to " +
                         std::to_string(s.server_limit * tpc) + ".");
      s.max_processes = s.server_limit;
      s.max_request_workers = s.server_limit * tpc;
    }
    if (worker) {
      s.start_servers = m.start_servers > 0 ? m.start_servers : 3;
      s.min_spare = m.min_spare_threads;
      at_least_one(s.min_spare, "MinSpareThreads", warnings);
      s.max_spare = std::max(m.max_spare_threads, s.min_spare + tpc + 1);
    } else {
      // event: one epoll loop per child; by default one child per core.
      s.start_servers = m.start_servers > 0 ? m.start_servers : online_cores();
    }
  }
  if (s.start_servers > s.max_processes) s.start_servers = s.max_processes;
  return s;
}

}  // namespace mpmd::supervisor
