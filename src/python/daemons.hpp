// Daemon mode (WSGIDaemonProcess): process groups that run Python apart from
// the serving children, like mod_wsgi's. The master makes each group's
// listening Unix socket (abstract, named by master pid, generation and group)
// and forks its `processes` from itself: the master is single-threaded, so
// every daemon starts from a clean copy (the reason the offload pool has its
// spawner; here the master is that spawner). A daemon process runs `threads`
// threads, each accepting one request at a time from the shared socket, so a
// request waits in the socket's backlog, not in a child, while a process is
// being replaced: daemons survive child recycling and children never know
// which process answers.
//
// Replacement: a daemon that exits (crash, maximum-requests,
// inactivity-timeout, a request past request-timeout) is forked again by the
// master at its next tick (a group whose processes die within a second of
// starting backs off 1, 2, 4 ... 32 s). Touching a WSGI script the group
// serves restarts the group gracefully (WSGIScriptReloading On). A graceful
// server restart starts the new generation's groups and lets the old ones
// finish their requests (graceful-timeout).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "python/api.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::python {

class Daemons {
 public:
  using Clock = std::chrono::steady_clock;

  struct Process {
    pid_t pid = 0;
    Clock::time_point started{};
    bool stopping = false;
  };

  struct Group {
    config::WsgiDaemon config;
    util::Identity run_as;  // user=/group=, else the server's User/Group
    std::string address;    // the socket's abstract name, leading NUL included
    std::chrono::milliseconds request_timeout{0};
    util::UniqueFd listener;
    std::map<std::string, int64_t> scripts;  // served scripts -> mtime when last (re)started
    std::vector<Process> processes;          // `processes` slots
    int quick_deaths = 0;
    Clock::time_point backoff_until{};
  };

  // Makes every group's socket; the processes start at the first tick().
  static std::unique_ptr<Daemons> create(const config::Config& config, api::Host& host,
                                         uint32_t generation, std::string& error);
  ~Daemons();

  const Group* find(const std::string& name) const;

  void tick();
  bool on_exit(pid_t pid, int status);
  // Stops every process: graceful lets requests finish (graceful-timeout),
  // else SIGTERM now; then waits for them (SIGKILL after graceful-timeout).
  void stop(bool graceful);

 private:
  Daemons() = default;
  void spawn(Group& group, size_t index);

  api::Host* host_ = nullptr;
  config::Wsgi wsgi_;
  uint32_t generation_ = 0;
  std::vector<std::unique_ptr<Group>> groups_;
  bool stopped_ = false;
};

// The daemon process's life (python/daemon_process.cpp); never returns.
[[noreturn]] void run_daemon(const Daemons::Group& group, size_t index, api::Host& host,
                             const config::Wsgi& wsgi, uint32_t generation);

}  // namespace mpmd::python
