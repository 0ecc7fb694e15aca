#include "mpm/prefork/prefork_child.hpp"

#include "mpm/common/blocking.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm::prefork {

int run_child(const ChildEnv& env) {
  util::UniqueFd signals(open_child_signalfd());
  if (!signals) {
    log::emit(log::LogLevel::crit, log::ids::kEventLoopFailed, "signalfd failed");
    return kExitStartupFailed;
  }
  int sigfd = signals.get();
  scoreboard::Worker* worker = env.scoreboard ? &env.scoreboard->worker(env.slot, 0) : nullptr;
  Services services(env, 0);
  std::atomic<uint64_t> accepted{0};
  BlockingLoopOptions options;
  options.listeners = env.listeners;
  options.transports = env.transports;
  options.stop =
      StopSource{sigfd, [](void* fd) { return read_stop_request(*static_cast<int*>(fd)); }, &sigfd};
  options.worker = worker;
  options.accepted = &accepted;
  options.max_connections = env.config->mpm.max_connections_per_child;
  options.http = &env.config->http;
  options.on_started = [&env] { close_inherited_listeners(env); };
  const auto& http = env.config->http;
  run_blocking_loop(options, services, int(http.timeout.count()),
                    int(http.keep_alive_timeout.count()));
  services.flush();
  return kExitNormal;
}

}  // namespace mpmd::mpm::prefork
