#include "python/daemons.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/privileges.hpp"

namespace mpmd::python {

namespace {

using log::LogLevel;

int64_t mtime_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

std::unique_ptr<Daemons> Daemons::create(const config::Config& config, api::Host& host,
                                         uint32_t generation, std::string& error) {
  auto d = std::unique_ptr<Daemons>(new Daemons);
  d->host_ = &host;
  d->wsgi_ = config.wsgi;
  d->generation_ = generation;
  for (const auto& c : config.wsgi.daemons) {
    auto g = std::make_unique<Group>();
    g->config = c;
    g->run_as = config.run_as.identity;
    if (c.uid || c.gid) {
      // mod_wsgi: user= defaults to Apache's User, group= to the user's group.
      uint32_t uid = c.uid.value_or(config.run_as.identity.uid);
      const uint32_t* gid = c.gid ? &*c.gid : c.uid ? nullptr : &config.run_as.identity.gid;
      g->run_as = util::identity_of(uid, gid);
    }
    g->request_timeout = c.request_timeout;
    g->address = std::string(1, '\0') + "mpmd-wsgi/" + std::to_string(getpid()) + "/" +
                 std::to_string(generation) + "/" + c.name;
    g->listener.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    size_t n = std::min(g->address.size(), sizeof sa.sun_path);
    std::memcpy(sa.sun_path, g->address.data(), n);
    if (!g->listener ||
        ::bind(g->listener.get(), reinterpret_cast<sockaddr*>(&sa),
               socklen_t(offsetof(sockaddr_un, sun_path) + n)) != 0 ||
        ::listen(g->listener.get(), 4096) != 0) {
      error = c.origin + ": WSGIDaemonProcess " + c.name +
              ": cannot make its socket: " + std::strerror(errno);
      return nullptr;
    }
    // The daemons inherit it across fork (not exec): no close-on-exec matters.
    for (const auto& a : config.wsgi.aliases) {
      std::string group = a.process_group.empty() ? config.wsgi.process_group : a.process_group;
      if (group == c.name) g->scripts[a.script] = mtime_of(a.script);
    }
    for (const auto& l : config.wsgi.locations) {
      if (l.process_group != c.name) continue;
      for (const auto& a : config.wsgi.aliases) g->scripts[a.script] = mtime_of(a.script);
    }
    g->processes.resize(size_t(c.processes));
    d->groups_.push_back(std::move(g));
  }
  return d;
}

Daemons::~Daemons() {
  stop(true);
}

const Daemons::Group* Daemons::find(const std::string& name) const {
  for (const auto& g : groups_) {
    if (g->config.name == name) return g.get();
  }
  return nullptr;
}

void Daemons::spawn(Group& g, size_t index) {
  pid_t master = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    log::emit(LogLevel::error, log::ids::kWsgiDaemon,
              "WSGIDaemonProcess " + g.config.name + ": fork: " + std::strerror(errno));
    return;
  }
  if (pid == 0) {
    // mod_wsgi's daemons take Apache's User unless told otherwise; root is
    // given up before any script runs, and before PDEATHSIG (which it clears).
    if (util::Status st = util::drop_privileges(g.run_as); !st) {
      log::emit(LogLevel::emerg, log::ids::kPrivileges,
                "WSGIDaemonProcess " + g.config.name + ": " + st.error().message);
      _exit(3);
    }
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != master) _exit(0);
    run_daemon(g, index, *host_, wsgi_, generation_);
  }
  g.processes[index] = Process{pid, Clock::now(), false};
  log::emit(LogLevel::info, log::ids::kWsgiDaemon,
            "WSGIDaemonProcess " + g.config.name + ": process " + std::to_string(index) +
                " started (pid " + std::to_string(pid) + ", generation " +
                std::to_string(generation_) + ")");
}

void Daemons::tick() {
  if (stopped_) return;
  auto now = Clock::now();
  for (auto& gp : groups_) {
    Group& g = *gp;
    // A touched script restarts the group (mod_wsgi's daemon-mode reloading).
    bool reload = false;
    if (wsgi_.script_reloading) {
      for (auto& [script, mtime] : g.scripts) {
        int64_t now_mtime = mtime_of(script);
        if (now_mtime != mtime) {
          mtime = now_mtime;
          reload = true;
          log::emit(LogLevel::notice, log::ids::kWsgiDaemon,
                    "WSGIDaemonProcess " + g.config.name + ": " + script +
                        " changed; restarting the group's processes gracefully");
        }
      }
    }
    for (auto& p : g.processes) {
      if (reload && p.pid > 0 && !p.stopping) {
        p.stopping = true;
        kill(p.pid, SIGUSR1);
      }
    }
    if (now < g.backoff_until) continue;
    for (size_t i = 0; i < g.processes.size(); ++i) {
      if (g.processes[i].pid == 0) spawn(g, i);
    }
  }
}

bool Daemons::on_exit(pid_t pid, int status) {
  for (auto& gp : groups_) {
    Group& g = *gp;
    for (auto& p : g.processes) {
      if (p.pid != pid) continue;
      auto lived = Clock::now() - p.started;
      bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      p = Process{};
      if (stopped_) return true;
      if (!clean && lived < std::chrono::seconds(1)) {
        int backoff = 1 << std::min(g.quick_deaths, 5);
        ++g.quick_deaths;
        g.backoff_until = Clock::now() + std::chrono::seconds(backoff);
        log::emit(LogLevel::error, log::ids::kWsgiDaemon,
                  "WSGIDaemonProcess " + g.config.name + ": pid " + std::to_string(pid) +
                      " died at start-up (" + describe(status) + "); next attempt in " +
                      std::to_string(backoff) + " s");
      } else {
        if (lived >= std::chrono::seconds(10)) g.quick_deaths = 0;
        log::emit(clean ? LogLevel::info : LogLevel::error, log::ids::kWsgiDaemon,
                  "WSGIDaemonProcess " + g.config.name + ": pid " + std::to_string(pid) +
                      " exited (" + describe(status) + "); replacing it");
      }
      return true;
    }
  }
  return false;
}

void Daemons::stop(bool graceful) {
  if (stopped_) return;
  stopped_ = true;
  std::vector<pid_t> pids;
  Clock::time_point deadline = Clock::now();
  for (auto& g : groups_) {
    for (auto& p : g->processes) {
      if (p.pid <= 0) continue;
      kill(p.pid, graceful ? SIGUSR1 : SIGTERM);
      pids.push_back(p.pid);
    }
    deadline = std::max(deadline, Clock::now() + g->config.graceful_timeout);
  }
  if (graceful) return;  // they finish on their own; the master reaps them
  while (!pids.empty()) {
    std::erase_if(pids, [](pid_t pid) { return waitpid(pid, nullptr, WNOHANG) != 0; });
    if (pids.empty()) break;
    if (Clock::now() >= deadline) {
      for (pid_t pid : pids) kill(pid, SIGKILL);
      for (pid_t pid : pids) waitpid(pid, nullptr, 0);
      break;
    }
    usleep(20'000);
  }
}

}  // namespace mpmd::python
