#include "mpm/worker/worker_child.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "mpm/common/blocking.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm::worker {

namespace {

// Shared by the threads of one child. The eventfd stays readable once a stop
// was requested, so every thread sees it; the request itself is an atomic.
struct StopBoard {
  util::UniqueFd fd{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  std::atomic<int> request{int(StopRequest::none)};

  void raise(StopRequest r) {
    int cur = request.load();
    while (int(r) > cur && !request.compare_exchange_weak(cur, int(r))) {
    }
    uint64_t one = 1;
    if (::write(fd.get(), &one, sizeof one) < 0) {
      // The counter cannot overflow here; nothing to do.
    }
  }

  static StopRequest poll(void* self) {
    return StopRequest(static_cast<StopBoard*>(self)->request.load());
  }
};

}  // namespace

int run_child(const ChildEnv& env) {
  util::UniqueFd signals(open_child_signalfd());
  StopBoard board;
  if (!signals || !board.fd) {
    log::emit(log::LogLevel::crit, log::ids::kEventLoopFailed, "signalfd/eventfd failed");
    return kExitStartupFailed;
  }
  const config::Config& cfg = *env.config;
  int threads = cfg.mpm.threads_per_child;
  std::atomic<uint64_t> accepted{0};
  std::atomic<int> alive{threads};
  std::atomic<int> started{0};
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      scoreboard::Worker* worker = env.scoreboard ? &env.scoreboard->worker(env.slot, t) : nullptr;
      {
        Services services(env, t);
        BlockingLoopOptions options;
        options.listeners = env.listeners;
        options.transports = env.transports;
        options.stop = StopSource{board.fd.get(), &StopBoard::poll, &board};
        options.worker = worker;
        options.accepted = &accepted;
        options.max_connections = cfg.mpm.max_connections_per_child;
        options.http = &cfg.http;
        options.on_started = [&] {
          if (started.fetch_add(1) + 1 == threads) close_inherited_listeners(env);
        };
        StopRequest why = run_blocking_loop(options, services, int(cfg.http.timeout.count()),
                                            int(cfg.http.keep_alive_timeout.count()));
        // A thread that hit MaxConnectionsPerChild retires the whole child.
        if (why == StopRequest::graceful) board.raise(StopRequest::graceful);
      }
      if (worker) worker->state.store(char(scoreboard::State::dead));
      alive.fetch_sub(1);
    });
  }
  while (alive.load() > 0) {
    pollfd p{signals.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      StopRequest req = read_stop_request(signals.get());
      if (req != StopRequest::none) board.raise(req);
      // Stopping now: handlers waiting for offload results return at once.
      if (req == StopRequest::now) env.site->child_stop();
    }
  }
  for (auto& t : pool) t.join();
  return kExitNormal;
}

}  // namespace mpmd::mpm::worker
