// Apache's sizing rules for the engines: defaults, clamps and the validation
// order of worker/event `*_check_config` and prefork (apache-mpm.md §1.2),
// with Apache's warnings. Defaults are derived from the effective config
// (a documented improvement: MaxRequestWorkers follows ThreadsPerChild).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "mpm/engines.hpp"

namespace mpmd::supervisor {

struct Sizing {
  int start_servers = 0;
  int server_limit = 0;
  int thread_limit = 1;       // 1 for prefork and event (one loop thread)
  int threads_per_child = 1;  // 1 for prefork and event
  int max_request_workers = 0;
  int max_processes = 0;  // active processes allowed: MRW / TPC
  int min_spare = 0;      // MinSpareServers (prefork) or MinSpareThreads (worker)
  int max_spare = 0;
  bool spare_pool = false;  // prefork and worker keep spare pools; event a fixed set
};

// Computes the effective sizing of `engine` (the row of config.mpm.name) from
// the config, appending Apache-style warnings for every value it had to change.
Sizing compute_sizing(const config::Config& config, const mpm::Engine& engine,
                      std::vector<std::string>& warnings);

}  // namespace mpmd::supervisor
