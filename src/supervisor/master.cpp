#include "supervisor/master.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "app/applications.hpp"
#include "handlers/static_files/preopened.hpp"
#include "log/access_log.hpp"
#include "log/configure.hpp"
#include "mpm/common/child.hpp"
#include "mpm/engines.hpp"
#include "python/hosting.hpp"
#include "scoreboard/saturation.hpp"
#include "scoreboard/scoreboard.hpp"
#include "site/site.hpp"
#include "supervisor/children.hpp"
#include "supervisor/listeners.hpp"
#include "supervisor/mpm_limits.hpp"
#include "supervisor/notify.hpp"
#include "supervisor/piped_logs.hpp"
#include "supervisor/spare_pool.hpp"
#include "supervisor/stuck_watch.hpp"
#include "supervisor/worker_counts.hpp"
#include "tls/server.hpp"
#include "util/clock.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/privileges.hpp"
#include "util/proctitle.hpp"

namespace mpmd::supervisor {

namespace {

using log::LogLevel;
using scoreboard::State;

constexpr auto kStopEscalation = std::chrono::seconds(9);  // then SIGKILL (Apache: 9 s)

// In a process the master forked: User/Group now, or exit (a child that
// cannot give up root must not serve).
void drop_privileges_or_exit(const config::Config& cfg) {
  if (util::Status st = util::drop_privileges(cfg.run_as.identity); !st) {
    log::emit(LogLevel::emerg, log::ids::kPrivileges,
              "cannot switch to User/Group: " + st.error().message);
    _exit(mpm::kExitStartupFailed);
  }
}

// Access log files, document roots and MIME tables are opened here, as root,
// and inherited by the children (which run as User).
void open_for_children(const config::Config& cfg) {
  if (std::string e = log::AccessLog::open_in_master(config::all_custom_logs(cfg)); !e.empty()) {
    log::emit(LogLevel::error, log::ids::kFileOpenFailed, e);
  }
  static_files::preopen_in_master(cfg);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return std::string("signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")" + (WCOREDUMP(status) ? ", core dumped" : "");
  }
  return "status " + std::to_string(status);
}

sigset_t master_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH, SIGCHLD}) sigaddset(&set, s);
  return set;
}

class Master {
 public:
  Master(config::Config config, const Reload& reload)
      : config_(std::move(config)), reload_(reload) {}

  int run() {
    piped_logs().start_due();  // the master reaps and restarts them
    std::string error;
    if (!configure(config_, error)) {
      log::emit(LogLevel::emerg, log::ids::kConfigError, error);
      return 1;
    }
    // Applications' registration and preload run here, once, before any fork.
    apps_ = app::Applications::start(config_, generation_, sizing_.threads_per_child, error);
    if (!apps_) {
      log::emit(LogLevel::emerg, log::ids::kAppHookFailed, error);
      return 1;
    }
    // Python only when the config asks for it: WSGI scripts compiled, preloads run.
    python_ = python::Hosting::start(config_, generation_, nullptr, error);
    if (!python_ && !error.empty()) {
      log::emit(LogLevel::emerg, log::ids::kWsgiLoaded, error);
      return 1;
    }
    if (!update_listeners(config_, listeners_, error)) {
      log::emit(LogLevel::emerg, log::ids::kListenFailed, error);
      return 1;
    }
    // Keys are read here, before any child exists (children never open them).
    if (!build_tls(config_, tls_, error)) {
      log::emit(LogLevel::emerg, log::ids::kConfigError, error);
      return 1;
    }
    open_for_children(config_);
    scoreboard_ = scoreboard::Scoreboard::create(sizing_.server_limit, sizing_.thread_limit, error);
    if (!scoreboard_) {
      log::emit(LogLevel::emerg, log::ids::kScoreboardFull, "scoreboard: " + error);
      return 1;
    }
    auto& g = scoreboard_->global();
    g.start_usec = g.restart_usec = util::wall_usec();
    sigset_t set = master_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);
    write_pid_file();
    util::set_title("mpmd-master", "master [" + config_.mpm.name + " engine, generation 0]");
    for (int i = 0; i < sizing_.start_servers; ++i) spawn();
    if (python_) python_->tick();  // the daemon process groups
    announce_serving();
    int code = loop(set);
    remove_pid_file();
    piped_logs().close_all();
    return code;
  }

 private:
  // The TLS contexts of `cfg` (null when it has none), with the session cache
  // and ticket keys that outlive configurations.
  bool build_tls(const config::Config& cfg, std::unique_ptr<tls::Server>& out, std::string& error) {
    if (util::Status s = tls_shared_.update(cfg.tls); !s) {
      error = s.error().message;
      return false;
    }
    std::vector<std::string> warnings;
    auto built = tls::Server::build(cfg, &tls_shared_, warnings);
    for (const auto& w : warnings) log::emit(LogLevel::warn, log::ids::kConfigWarning, w);
    if (!built) {
      error = built.error().message;
      return false;
    }
    out = std::move(*built);
    return true;
  }

  bool configure(const config::Config& cfg, std::string& error) {
    const mpm::Engine* engine = mpm::find_engine(cfg.mpm.name);
    if (!engine) {
      error = "unknown MPM " + cfg.mpm.name;
      return false;
    }
    std::vector<std::string> warnings;
    Sizing next = compute_sizing(cfg, *engine, warnings);
    for (const auto& w : warnings) log::emit(LogLevel::warn, log::ids::kConfigWarning, w);
    if (scoreboard_ &&
        (next.server_limit != sizing_.server_limit || next.thread_limit != sizing_.thread_limit)) {
      // Like Apache (AH00179/AH00501): the scoreboard's size is fixed until a full stop.
      log::emit(LogLevel::warn, log::ids::kConfigWarning,
                "changing ServerLimit or ThreadLimit needs a full stop and start; keeping " +
                    std::to_string(sizing_.server_limit) + " x " +
                    std::to_string(sizing_.thread_limit));
      next.server_limit = sizing_.server_limit;
      next.thread_limit = sizing_.thread_limit;
      next.threads_per_child = std::min(next.threads_per_child, next.thread_limit);
      next.max_processes = std::min(next.max_processes, next.server_limit);
    }
    engine_ = engine;
    sizing_ = next;
    return true;
  }

  WorkerCounts counts() const {
    std::vector<int> slots;
    for (const Child& c : children_.all()) {
      if (current(c)) slots.push_back(c.slot);
    }
    return count_workers(*scoreboard_, slots, sizing_.threads_per_child);
  }
  bool generation_serving() const { return counts().serving; }

  // systemd's STATUS= line.
  std::string status_text() const {
    WorkerCounts n = counts();
    return config_.mpm.name + " engine, generation " + std::to_string(generation_) + ": " +
           std::to_string(n.children) + " children, " + std::to_string(n.busy) + " busy and " +
           std::to_string(n.idle) + " idle workers; listening on " + listener_names();
  }

  // After (re)starting a generation: "resuming normal operations" (a notice
  // line, written at every LogLevel as Apache's) once its first child serves,
  // and READY=1 for systemd. Waits up to 5 s here (less if a signal comes);
  // later, the loop finishes it.
  void announce_serving() {
    ready_pending_ = true;
    for (int i = 0; i < 500 && !generation_serving() && !signal_pending(); ++i) {
      usleep(10'000);
      reap();
    }
    if (generation_serving()) finish_announcement();
  }

  // A stop or restart request waits for the loop: stop waiting for children then.
  static bool signal_pending() {
    sigset_t pending;
    sigpending(&pending);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH}) {
      if (sigismember(&pending, s)) return true;
    }
    return false;
  }

  void finish_announcement() {
    ready_pending_ = false;
    log::emit(LogLevel::notice, log::ids::kStartup,
              "mpmd configured (" + config_.mpm.name + " engine, generation " +
                  std::to_string(generation_) + ", " + std::to_string(sizing_.start_servers) +
                  " children, listening on " + listener_names() +
                  ") -- resuming normal operations");
    notify::ready(status_text());
  }

  void restart_and_announce(bool graceful) {
    uint32_t before = generation_;
    restart(graceful);
    if (generation_ != before) return announce_serving();
    notify::ready(status_text() + "; restart refused, see the error log");
  }

  int loop(const sigset_t& set) {
    while (true) {
      struct timespec one_second = {1, 0};
      siginfo_t info;
      int sig = sigtimedwait(&set, &info, &one_second);
      bool reaped = reap();
      if (python_) python_->tick();
      piped_logs().start_due();
      if (ready_pending_ && generation_serving()) finish_announcement();
      if (!ready_pending_) notify::status(status_text());
      switch (sig) {
        case SIGTERM:
        case SIGINT:
          log::emit(LogLevel::notice, log::ids::kShutdown, "caught SIGTERM, shutting down");
          notify::stopping("stopping: " + status_text());
          stop_children(SIGTERM, kStopEscalation);
          if (python_) python_->stop(false);
          return 0;
        case SIGWINCH:
          log::emit(LogLevel::notice, log::ids::kShutdown,
                    "caught SIGWINCH, shutting down gracefully");
          notify::stopping("stopping gracefully: " + status_text());
          listeners_.clear();
          stop_children(SIGUSR1, config_.mpm.graceful_shutdown_timeout.count() > 0
                                     ? std::chrono::duration_cast<std::chrono::seconds>(
                                           config_.mpm.graceful_shutdown_timeout)
                                     : std::chrono::seconds::max());
          if (python_) python_->stop(false);
          return 0;
        case SIGHUP:
          log::emit(LogLevel::notice, log::ids::kRestart,
                    "SIGHUP received.  Attempting to restart");
          notify::reloading("restarting: " + status_text());
          restart_and_announce(false);
          break;
        case SIGUSR1:
          log::emit(LogLevel::notice, log::ids::kGracefulRestart,
                    "Graceful restart requested, doing restart");
          notify::reloading("restarting gracefully: " + status_text());
          restart_and_announce(true);
          break;
        default:
          break;
      }
      enforce_drain_deadline();
      stuck_.check(children_.all(), *scoreboard_, sizing_.threads_per_child,
                   config_.mpm.stuck_child_timeout, config_.mpm.stuck_child_kill,
                   util::monotonic_usec());
      sample_listen_queue();
      tls_shared_.tick(config_.tls);
      if (!reaped || sig == SIGUSR1 || sig == SIGHUP) maintain();
    }
  }

  // HUP: stop every child now; USR1: let old children finish their requests.
  void restart(bool graceful) {
    config::Config next;
    std::string errors;
    if (!reload_ || !reload_(next, errors)) {
      log::emit(
          LogLevel::error, log::ids::kConfigError,
          "configuration error, not restarting (the old configuration keeps serving): " + errors);
      return;
    }
    // The new generation's applications are ready before an old child stops.
    std::string error;
    const mpm::Engine* next_engine = mpm::find_engine(next.mpm.name);
    if (!next_engine) {
      log::emit(LogLevel::error, log::ids::kConfigError,
                "unknown MPM " + next.mpm.name + "; not restarting");
      return;
    }
    std::vector<std::string> ignored;
    auto apps = app::Applications::start(
        next, generation_ + 1, compute_sizing(next, *next_engine, ignored).threads_per_child,
        error);
    if (!apps) {
      log::emit(LogLevel::error, log::ids::kAppHookFailed,
                error + "; not restarting (the old configuration keeps serving)");
      return;
    }
    // TLS first: it starts no process, Python's daemon groups do.
    std::unique_ptr<tls::Server> next_tls;
    if (!build_tls(next, next_tls, error)) {
      log::emit(LogLevel::error, log::ids::kConfigError,
                error + "; not restarting (the old configuration keeps serving)");
      return;
    }
    auto python = python::Hosting::start(next, generation_ + 1, python_.get(), error);
    if (!python && !error.empty()) {
      log::emit(LogLevel::error, log::ids::kWsgiLoaded,
                error + "; not restarting (the old configuration keeps serving)");
      return;
    }
    std::vector<net::Listener> listeners;
    listeners.swap(listeners_);
    if (!update_listeners(next, listeners, error)) {
      listeners_.swap(listeners);
      log::emit(LogLevel::error, log::ids::kListenFailed, error + "; not restarting");
      return;
    }
    listeners_.swap(listeners);
    Sizing old_sizing = sizing_;
    const mpm::Engine* old_engine = engine_;
    if (!configure(next, error)) {
      sizing_ = old_sizing;
      engine_ = old_engine;
      log::emit(LogLevel::error, log::ids::kConfigError, error + "; not restarting");
      return;
    }
    if (auto st = piped_logs().prepare(next); !st) {
      log::emit(LogLevel::error, log::ids::kPipedLog, st.error().message + "; not restarting");
      return;
    }
    piped_logs().start_due();
    (void)log::configure(log::error_log(), next.logs);
    piped_logs().retire_unused(next);
    open_for_children(next);
    if (graceful) {
      for (Child& c : children_.all()) stop_gracefully(c);
      drain_started_ = Clock::now();
    } else {
      stop_children(SIGTERM, kStopEscalation);
    }
    config_ = std::move(next);
    apps_ = std::move(apps);
    if (python_) python_->stop(graceful);  // old daemon groups finish their requests
    python_ = std::move(python);
    tls_ = std::move(next_tls);
    ++generation_;
    auto& g = scoreboard_->global();
    g.running_generation = generation_;
    if (!graceful) g.restart_usec = util::wall_usec();
    restarts_.reset();
    pool_.reset();
    write_pid_file();
    util::set_title("mpmd-master", "master [" + config_.mpm.name + " engine, generation " +
                                       std::to_string(generation_) + "]");
    for (int i = 0; i < sizing_.start_servers; ++i) spawn();
    if (python_) python_->tick();
  }

  // Keeps the pool as the engine wants it: a fixed number of event children,
  // spare pools for prefork and worker.
  void maintain() {
    if (!restarts_.may_spawn(Clock::now())) return;
    int active = children_.count_current(generation_);
    if (!sizing_.spare_pool) {
      for (int i = active; i < sizing_.start_servers; ++i) spawn();
      return;
    }
    PoolCounts counts{idle_capacity(), active, sizing_.max_processes, sizing_.min_spare,
                      sizing_.max_spare};
    PoolDecision d = pool_.decide(counts);
    if (d.stop_one) {
      if (Child* c = most_idle_child()) stop_gracefully(*c);
    }
    for (int i = 0; i < d.spawn; ++i) spawn();
    if (d.seems_busy) {
      log::emit(LogLevel::info, log::ids::kServerBusy,
                "server seems busy, (you may need to increase StartServers, or Min/MaxSpare" +
                    std::string(engine_->sizing_unit) + "), spawning " + std::to_string(d.spawn) +
                    " children, there are " + std::to_string(counts.idle) + " idle, and " +
                    std::to_string(active) + " total children");
    }
    switch (at_max_.on_cycle(scoreboard_->global(), d.at_max, util::wall_usec())) {
      case scoreboard::MaxWorkersWatch::Log::reached:
      case scoreboard::MaxWorkersWatch::Log::still_reached:
        // Unlike Apache (once per lifetime), repeated every minute while it lasts.
        log::emit(LogLevel::error, log::ids::kMaxRequestWorkers,
                  "server reached MaxRequestWorkers setting (" +
                      std::to_string(sizing_.max_request_workers) +
                      "), consider raising the MaxRequestWorkers setting");
        break;
      case scoreboard::MaxWorkersWatch::Log::recovered:
        log::emit(LogLevel::notice, log::ids::kMaxRequestWorkers,
                  "below MaxRequestWorkers again after " +
                      std::to_string(scoreboard_->global().max_workers_reached.load()) +
                      " saturated cycles in total");
        break;
      case scoreboard::MaxWorkersWatch::Log::none:
        break;
    }
  }

  bool current(const Child& c) const { return ChildTable::current(c, generation_); }

  // prefork: idle (or starting) children; worker: idle, starting or not yet
  // started threads of current children (Apache's counting rules). A stuck
  // child's threads look idle but serve nobody: they do not count, so the
  // pool forks what they should have served.
  int idle_capacity() const {
    int idle = 0;
    for (const Child& c : children_.all()) {
      if (!current(c) || c.stuck) continue;
      for (int t = 0; t < sizing_.threads_per_child; ++t) {
        char s = scoreboard_->worker(c.slot, t).state.load(std::memory_order_relaxed);
        if (s == char(State::ready) || s == char(State::starting) ||
            (sizing_.threads_per_child > 1 && s == char(State::dead))) {
          ++idle;
        }
      }
    }
    return idle;
  }

  Child* most_idle_child() {
    Child* best = nullptr;
    int best_idle = 0;
    // Prefer the youngest: old children have warm caches.
    for (auto it = children_.all().rbegin(); it != children_.all().rend(); ++it) {
      if (!current(*it) || it->stuck) continue;  // a stuck child would not stop
      int idle = 0;
      for (int t = 0; t < sizing_.threads_per_child; ++t) {
        idle += scoreboard_->worker(it->slot, t).state.load() == char(State::ready) ? 1 : 0;
      }
      if (idle > best_idle) {
        best = &*it;
        best_idle = idle;
      }
    }
    return best;
  }

  void stop_gracefully(Child& c) {
    if (c.stopping) return;
    c.stopping = true;
    scoreboard_->process(c.slot).quiescing.store(true);
    kill(c.pid, SIGUSR1);
  }

  // Old-generation children still busy after GracefulDrainTimeout are stopped.
  void enforce_drain_deadline() {
    auto limit = config_.mpm.graceful_drain_timeout;
    if (limit.count() <= 0 || Clock::now() - drain_started_ < limit) return;
    for (Child& c : children_.all()) {
      if (c.generation != generation_ && c.stopping && !c.terminated) {
        c.terminated = true;
        log::emit(LogLevel::warn, log::ids::kGracefulRestart,
                  "child pid " + std::to_string(c.pid) +
                      " of an old generation is still busy after GracefulDrainTimeout; "
                      "stopping it");
        kill(c.pid, SIGTERM);
      }
    }
  }

  void sample_listen_queue() {
    uint32_t queued = 0;
    for (const auto& l : listeners_) {
      if (l.fd) queued += net::accept_queue_length(l.fd.get());
    }
    scoreboard_->global().listen_queue.store(queued, std::memory_order_relaxed);
  }

  void spawn() {
    int slot = children_.free_slot(sizing_.server_limit);
    if (slot < 0) {
      log::emit(LogLevel::error, log::ids::kScoreboardFull,
                "scoreboard is full, not at MaxRequestWorkers. Increase ServerLimit.");
      return;
    }
    auto& proc = scoreboard_->process(slot);
    proc.pid = 0;
    proc.generation = generation_;
    proc.quiescing = false;
    proc.not_accepting = false;
    proc.connections = 0;
    proc.keep_alive = 0;
    proc.stuck_seconds = 0;
    proc.started_usec = util::wall_usec();
    for (int t = 0; t < sizing_.thread_limit; ++t) {
      auto& w = scoreboard_->worker(slot, t);
      w.state = char(t < sizing_.threads_per_child ? State::starting : State::dead);
      w.generation = generation_;
      w.my_access_count = 0;
      w.my_bytes_served = 0;
      w.log_lines_dropped = 0;  // per child; the server's total is in Global::log_loss
      w.progress_due_usec = 0;  // the new child promises nothing until it serves
    }
    pid_t master = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      log::emit(LogLevel::error, log::ids::kForkFailed, std::string("fork: ") + strerror(errno));
      return;
    }
    if (pid == 0) {
      // Root is given up first, before any hook or request (Apache's
      // drop_privileges); the parent-death signal after it, as a change of
      // credentials clears it. The signal mask stays blocked: the engine
      // reads signals from a signalfd.
      drop_privileges_or_exit(config_);
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != master) _exit(0);
      util::set_title("mpmd-" + config_.mpm.name, config_.mpm.name + " child [generation " +
                                                      std::to_string(generation_) + ", slot " +
                                                      std::to_string(slot) + "]");
      config::Config cfg = config_;
      if (cfg.mpm.max_connections_per_child_jitter > 0 && cfg.mpm.max_connections_per_child > 0) {
        std::mt19937_64 rng(uint64_t(getpid()) * 2654435761u);
        cfg.mpm.max_connections_per_child += rng() % (cfg.mpm.max_connections_per_child_jitter + 1);
      }
      scoreboard_->process(slot).pid = getpid();
      mpm::ChildEnv env;
      env.config = &cfg;
      env.listeners = listeners_;
      env.generation = generation_;
      env.slot = slot;
      env.scoreboard = scoreboard_.get();
      env.server_limit = sizing_.server_limit;
      env.threads_per_child = sizing_.threads_per_child;
      env.max_request_workers = sizing_.max_request_workers;
      env.transports = tls_.get();
      if (std::string why = apps_->child_init(slot); !why.empty()) {
        log::emit(LogLevel::error, log::ids::kAppHookFailed, why);
        _exit(mpm::kExitStartupFailed);
      }
      if (std::string why = python_ ? python_->child_init() : ""; !why.empty()) {
        log::emit(LogLevel::error, log::ids::kWsgiLoaded, why);
        _exit(mpm::kExitStartupFailed);
      }
      auto site = site::make_site(env, {apps_.get(), python_.get(), engine_->async_handlers});
      env.site = site.get();
      _exit(engine_->run(env));
    }
    proc.pid = pid;
    scoreboard_->global().children_spawned.fetch_add(1, std::memory_order_relaxed);
    children_.add(Child{pid, slot, generation_, Clock::now(), false, false});
  }

  bool reap() {
    bool any = false;
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      std::optional<Child> gone = children_.remove(pid);
      if (!gone && python_ && python_->on_exit(pid, status)) continue;  // a daemon process
      if (!gone) {
        piped_logs().on_exit(pid, status);  // restarted by the loop's start_due()
        continue;
      }
      any = true;
      const Child& child = *gone;
      release_slot(child.slot);
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == mpm::kExitNormal;
      if (clean || child.generation != generation_) continue;
      scoreboard_->global().children_crashed.fetch_add(1, std::memory_order_relaxed);
      RestartPolicy::Verdict v =
          restarts_.on_crash(child.started, Clock::now(),
                             WIFEXITED(status) && WEXITSTATUS(status) == mpm::kExitStartupFailed);
      log::emit(LogLevel::error, log::ids::kChildExited,
                "child pid " + std::to_string(pid) + " exit signal: " + describe_status(status) +
                    (v.early ? " shortly after start" : ""));
      if (v.early) {
        log::emit(LogLevel::error, log::ids::kChildBackoff,
                  "children are dying at start-up; next attempt in " +
                      std::to_string(v.backoff_seconds) + " s");
      } else {
        // A crash under load is replaced at once, not at the next idle check.
        if (!sizing_.spare_pool || idle_capacity() < sizing_.min_spare) spawn();
      }
    }
    return any;
  }

  void release_slot(int slot) {
    auto& proc = scoreboard_->process(slot);
    proc.pid = 0;
    proc.connections = 0;
    proc.keep_alive = 0;
    proc.stuck_seconds = 0;
    for (int t = 0; t < sizing_.thread_limit; ++t) {
      scoreboard_->worker(slot, t).state = char(State::dead);
    }
  }

  // Sends `sig` to every child and waits for them, escalating to SIGKILL after `grace`.
  void stop_children(int sig, std::chrono::seconds grace) {
    for (Child& c : children_.all()) {
      c.stopping = true;
      kill(c.pid, sig);
    }
    auto deadline =
        grace == std::chrono::seconds::max() ? Clock::time_point::max() : Clock::now() + grace;
    while (!children_.empty()) {
      if (Clock::now() >= deadline) {
        log::emit(LogLevel::warn, log::ids::kShutdown,
                  "children did not exit in time, sending SIGKILL");
        for (const Child& c : children_.all()) kill(c.pid, SIGKILL);
        deadline = Clock::time_point::max();
      }
      usleep(20'000);
      reap();
    }
  }

  std::string listener_names() const {
    std::string out;
    for (const auto& l : listeners_) out += (out.empty() ? "" : ", ") + l.name();
    return out;
  }

  void write_pid_file() {
    if (config_.pid_file.empty()) return;
    std::ofstream f(config_.pid_file, std::ios::trunc);
    f << getpid() << "\n";
    if (!f) {
      log::emit(LogLevel::error, log::ids::kPidFile, "could not write PidFile " + config_.pid_file);
    }
  }

  void remove_pid_file() {
    if (!config_.pid_file.empty()) unlink(config_.pid_file.c_str());
  }

  config::Config config_;
  const Reload& reload_;
  Sizing sizing_;
  std::unique_ptr<scoreboard::Scoreboard> scoreboard_;
  std::vector<net::Listener> listeners_;
  ChildTable children_;
  const mpm::Engine* engine_ = nullptr;
  SparePool pool_;
  uint32_t generation_ = 0;
  bool ready_pending_ = false;  // "resuming normal operations" / READY=1 not yet sent
  RestartPolicy restarts_;
  Clock::time_point drain_started_{};
  scoreboard::MaxWorkersWatch at_max_;
  StuckWatch stuck_;                         // StuckChildTimeout
  std::unique_ptr<app::Applications> apps_;  // of the current generation
  std::unique_ptr<python::Hosting> python_;  // of the current generation; null without WSGI
  tls::Shared tls_shared_;                   // session cache and ticket keys: kept across restarts
  std::unique_ptr<tls::Server> tls_;         // of the current generation; null = no TLS
};

}  // namespace

int run_master(config::Config config, const Reload& reload) {
  Master master(std::move(config), reload);
  return master.run();
}

int run_single(const config::Config& config) {
  std::vector<net::Listener> listeners;
  std::string error;
  if (!update_listeners(config, listeners, error)) {
    log::emit(LogLevel::emerg, log::ids::kListenFailed, error);
    return 1;
  }
  const mpm::Engine* engine = mpm::find_engine(config.mpm.name);
  if (!engine) return 1;
  std::vector<std::string> warnings;
  Sizing sizing = compute_sizing(config, *engine, warnings);
  auto board = scoreboard::Scoreboard::create(1, sizing.thread_limit, error);
  tls::Shared tls_shared;
  if (util::Status s = tls_shared.update(config.tls); !s) {
    log::emit(LogLevel::emerg, log::ids::kConfigError, s.error().message);
    return 1;
  }
  std::vector<std::string> tls_warnings;
  auto tls_server = tls::Server::build(config, &tls_shared, tls_warnings);
  for (const auto& w : tls_warnings) log::emit(LogLevel::warn, log::ids::kConfigWarning, w);
  if (!tls_server) {
    log::emit(LogLevel::emerg, log::ids::kConfigError, tls_server.error().message);
    return 1;
  }
  auto apps = app::Applications::start(config, 0, sizing.threads_per_child, error);
  if (!apps) {
    log::emit(LogLevel::emerg, log::ids::kAppHookFailed, error);
    return 1;
  }
  open_for_children(config);
  // -X serves in this process: it gives up root here, as Apache's -X does.
  if (util::Status st = util::drop_privileges(config.run_as.identity); !st) {
    log::emit(LogLevel::emerg, log::ids::kPrivileges,
              "cannot switch to User/Group: " + st.error().message);
    return 1;
  }
  if (std::string why = apps->child_init(0); !why.empty()) {
    log::emit(LogLevel::emerg, log::ids::kAppHookFailed, why);
    return 1;
  }
  auto python = python::Hosting::start(config, 0, nullptr, error);
  if (!python && !error.empty()) {
    log::emit(LogLevel::emerg, log::ids::kWsgiLoaded, error);
    return 1;
  }
  if (python) python->tick();  // daemon groups: started once, not replaced under -X
  mpm::ChildEnv env;
  env.config = &config;
  env.listeners = listeners;
  env.scoreboard = board.get();
  env.threads_per_child = sizing.threads_per_child;
  env.max_request_workers = sizing.threads_per_child;
  env.transports = tls_server->get();
  auto site = site::make_site(env, {apps.get(), python.get(), engine->async_handlers});
  env.site = site.get();
  int code = engine->run(env);
  if (python) python->stop(false);
  // The engine closed these numbers once its loops held their own descriptors
  // (close_inherited_listeners): they are not ours to close again.
  for (net::Listener& l : listeners) l.fd.release();
  return code;
}

}  // namespace mpmd::supervisor
