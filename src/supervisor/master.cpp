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
#include <vector>

#include "log/error_log.hpp"
#include "log/ids.hpp"
#include "mpm/common/child.hpp"
#include "supervisor/listeners.hpp"

namespace mpmd::supervisor {

namespace {

using config::LogLevel;
using Clock = std::chrono::steady_clock;

constexpr auto kStopEscalation = std::chrono::seconds(9);  // then SIGKILL (Apache: 9 s)
constexpr auto kStartupWindow = std::chrono::seconds(2);   // dying sooner counts as a crash
constexpr int kMaxBackoffSeconds = 32;

struct Child {
  pid_t pid = 0;
  int slot = 0;
  uint32_t generation = 0;
  Clock::time_point started;
};

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
    std::string error;
    if (!update_listeners(config_, listeners_, error)) {
      log::emit(LogLevel::emerg, log::ids::kListenFailed, error);
      return 1;
    }
    engine_ = mpm::find_engine(config_.mpm.name);
    if (!engine_) {
      log::emit(LogLevel::emerg, log::ids::kConfigError, "unknown MPM " + config_.mpm.name);
      return 1;
    }
    sigset_t set = master_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);
    write_pid_file();
    log::emit(LogLevel::notice, log::ids::kStartup,
              "mpmd configured (" + config_.mpm.name + " engine, " +
                  std::to_string(start_servers(config_)) + " children, listening on " +
                  listener_names() + ") -- resuming normal operations");
    spawn_missing();
    int code = loop(set);
    remove_pid_file();
    return code;
  }

 private:
  int loop(const sigset_t& set) {
    while (true) {
      struct timespec one_second = {1, 0};
      siginfo_t info;
      int sig = sigtimedwait(&set, &info, &one_second);
      reap();
      switch (sig) {
        case SIGTERM:
        case SIGINT:
          log::emit(LogLevel::notice, log::ids::kShutdown, "caught SIGTERM, shutting down");
          stop_children(SIGTERM, kStopEscalation);
          return 0;
        case SIGWINCH:
          log::emit(LogLevel::notice, log::ids::kShutdown,
                    "caught SIGWINCH, shutting down gracefully");
          listeners_.clear();
          stop_children(SIGUSR1, config_.mpm.graceful_shutdown_timeout.count() > 0
                                     ? std::chrono::duration_cast<std::chrono::seconds>(
                                           config_.mpm.graceful_shutdown_timeout)
                                     : std::chrono::seconds::max());
          return 0;
        case SIGHUP:
          log::emit(LogLevel::notice, log::ids::kRestart,
                    "SIGHUP received.  Attempting to restart");
          restart(false);
          break;
        case SIGUSR1:
          log::emit(LogLevel::notice, log::ids::kRestart,
                    "Graceful restart requested, doing restart");
          restart(true);
          break;
        default:
          break;
      }
      spawn_missing();
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
    std::string error;
    std::vector<net::Listener> listeners;
    listeners.swap(listeners_);
    if (!update_listeners(next, listeners, error)) {
      listeners_.swap(listeners);
      log::emit(LogLevel::error, log::ids::kListenFailed, error + "; not restarting");
      return;
    }
    listeners_.swap(listeners);
    if (auto* engine = mpm::find_engine(next.mpm.name)) {
      engine_ = engine;
    }
    log::error_log().reopen();
    if (graceful) {
      for (const Child& c : children_) kill(c.pid, SIGUSR1);
    } else {
      stop_children(SIGTERM, kStopEscalation);
    }
    config_ = std::move(next);
    ++generation_;
    backoff_ = 0;
    write_pid_file();
  }

  void spawn_missing() {
    int wanted = start_servers(config_);
    auto now = Clock::now();
    if (now < next_spawn_allowed_) return;
    for (int slot = 0; slot < wanted; ++slot) {
      bool present = std::any_of(children_.begin(), children_.end(), [&](const Child& c) {
        return c.slot == slot && c.generation == generation_;
      });
      if (!present) spawn(slot);
    }
  }

  void spawn(int slot) {
    pid_t master = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      log::emit(LogLevel::error, log::ids::kForkFailed, std::string("fork: ") + strerror(errno));
      return;
    }
    if (pid == 0) {
      // The signal mask stays blocked: the engine reads them from a signalfd.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != master) _exit(0);
      mpm::ChildEnv env;
      env.config = &config_;
      env.listeners = listeners_;
      env.generation = generation_;
      env.slot = slot;
      _exit(engine_(env));
    }
    children_.push_back(Child{pid, slot, generation_, Clock::now()});
  }

  void reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      auto it = std::find_if(children_.begin(), children_.end(),
                             [&](const Child& c) { return c.pid == pid; });
      if (it == children_.end()) continue;
      Child child = *it;
      children_.erase(it);
      bool current = child.generation == generation_;
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == mpm::kExitNormal;
      if (!clean && current) {
        bool early = Clock::now() - child.started < kStartupWindow ||
                     (WIFEXITED(status) && WEXITSTATUS(status) == mpm::kExitStartupFailed);
        log::emit(LogLevel::error, log::ids::kChildExited,
                  "child pid " + std::to_string(pid) + " exit signal: " + describe_status(status) +
                      (early ? " shortly after start" : ""));
        if (early) {
          backoff_ = std::min(backoff_ == 0 ? 1 : backoff_ * 2, kMaxBackoffSeconds);
          next_spawn_allowed_ = Clock::now() + std::chrono::seconds(backoff_);
          log::emit(
              LogLevel::error, log::ids::kChildBackoff,
              "children are dying at start-up; next attempt in " + std::to_string(backoff_) + " s");
        } else {
          backoff_ = 0;
        }
      }
    }
  }

  // Sends `sig` to every child and waits for them, escalating to SIGKILL
  // after `grace`.
  void stop_children(int sig, std::chrono::seconds grace) {
    for (const Child& c : children_) kill(c.pid, sig);
    auto deadline =
        grace == std::chrono::seconds::max() ? Clock::time_point::max() : Clock::now() + grace;
    while (!children_.empty()) {
      if (Clock::now() >= deadline) {
        log::emit(LogLevel::warn, log::ids::kShutdown,
                  "children did not exit in time, sending SIGKILL");
        for (const Child& c : children_) kill(c.pid, SIGKILL);
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
  std::vector<net::Listener> listeners_;
  std::vector<Child> children_;
  mpm::ChildMain engine_ = nullptr;
  uint32_t generation_ = 0;
  int backoff_ = 0;
  Clock::time_point next_spawn_allowed_{};
};

}  // namespace

int start_servers(const config::Config& config) {
  if (config.mpm.start_servers > 0) return config.mpm.start_servers;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? int(cores) : 1;
}

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
  mpm::ChildMain engine = mpm::find_engine(config.mpm.name);
  if (!engine) return 1;
  mpm::ChildEnv env;
  env.config = &config;
  env.listeners = listeners;
  return engine(env);
}

}  // namespace mpmd::supervisor
