#include "supervisor/directives.hpp"

#include <chrono>

#include "util/strings.hpp"

namespace mpmd::supervisor {

std::vector<config::Directive> directives() {
  using config::Config;
  using config::DirectiveCall;
  return {
      {"GracefulDrainTimeout", 1, 1, config::kServer,
       [](Config& c, const DirectiveCall& call) {
         return config::parse_seconds(call.args[0], c.mpm.graceful_drain_timeout);
       },
       "GracefulDrainTimeout SECONDS - after a graceful restart, stop old-generation children "
       "still busy after this long (default 300; 0 = wait forever, as Apache)"},
      {"MaxConnectionsPerChildJitter", 1, 1, config::kServer,
       [](Config& c, const DirectiveCall& call) {
         auto v = util::parse_u64(call.args[0]);
         if (!v || *v > 1'000'000'000) {
           return std::string("must be a number of connections from 0 to 1000000000");
         }
         c.mpm.max_connections_per_child_jitter = *v;
         return std::string();
       },
       "MaxConnectionsPerChildJitter N - add a random 0..N to each child's "
       "MaxConnectionsPerChild so children started together do not all recycle at once"},
      {"WorkerConnections", 1, 1, config::kServer,
       [](Config& c, const DirectiveCall& call) {
         auto v = util::parse_u64(call.args[0]);
         if (!v || *v > 10'000'000) {
           return std::string("must be a number of connections from 0 to 10000000");
         }
         c.mpm.worker_connections = uint32_t(*v);
         return std::string();
       },
       "WorkerConnections N - event: open connections one child holds at most; at the limit "
       "it stops accepting until below 90% (default 0 = the open-file limit less a reserve)"},
      {"StuckChildTimeout", 1, 1, config::kServer,
       [](Config& c, const DirectiveCall& call) {
         config::Millis t{0};
         if (std::string e = config::parse_seconds(call.args[0], t); !e.empty()) return e;
         if (t.count() != 0 && t < std::chrono::seconds(1)) {
           return std::string(
               "must be 0 (off) or at least 1 second: the master looks once a "
               "second");
         }
         c.mpm.stuck_child_timeout = t;
         return std::string();
       },
       "StuckChildTimeout SECONDS - a child whose event loop or a serving thread makes no "
       "progress for this long (stopped, deadlocked, one request on a prefork/worker thread "
       "running longer) is shown on the status page and logged, MPMD0044 (default 60; 0 = off)"},
      {"StuckChildAction", 1, 1, config::kServer,
       [](Config& c, const DirectiveCall& call) {
         if (util::iequals(call.args[0], "log")) {
           c.mpm.stuck_child_kill = false;
         } else if (util::iequals(call.args[0], "kill")) {
           c.mpm.stuck_child_kill = true;
         } else {
           return "must be log or kill, not '" + call.args[0] + "'";
         }
         return std::string();
       },
       "StuckChildAction log|kill - what to do with a child past StuckChildTimeout: show and "
       "log it (default), or also kill it (SIGKILL; it is replaced, its connections are cut)"},
  };
}

}  // namespace mpmd::supervisor
