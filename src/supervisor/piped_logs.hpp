// Piped logs (ErrorLog "|command", CustomLog "|command" format), as Apache's:
// the master makes one pipe per command and keeps BOTH ends. The program runs
// through /bin/sh with the read end as its standard input; children and the
// error log write to the write end (log/system_log.hpp registers it). When the
// program dies the master starts it again on the same pipe (at most once a
// second), so no writer ever sees EPIPE and lines written meanwhile wait in the
// pipe. A graceful restart keeps the programs of commands it still uses and
// lets the others end.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::supervisor {

class PipedLogs {
 public:
  // Makes the pipes for the "|command" logs of `config` that have none yet
  // (nothing is started: start_due() does that, in the process that will
  // reap the programs).
  util::Status prepare(const config::Config& config);
  // Starts every program that is not running and may be (re)started now.
  void start_due();
  // For the master's waitpid loop: true if `pid` was a log program (it is
  // then restarted by the next start_due()).
  bool on_exit(pid_t pid, int status);
  // After a restart: forgets the programs `config` no longer uses. The master
  // closes its ends; each such program reads to end-of-file once the old
  // children are gone too, and is not restarted.
  void retire_unused(const config::Config& config);
  // Closes the master's write ends (at exit: the programs see end-of-file
  // once the children are gone too).
  void close_all();

  size_t size() const { return programs_.size(); }

 private:
  struct Program {
    std::string target;  // "|command"
    util::UniqueFd read, write;
    pid_t pid = 0;
    std::chrono::steady_clock::time_point started{};
  };
  void start(Program& p);

  std::vector<Program> programs_;
};

// The process-wide instance (main prepares it, the master runs it).
PipedLogs& piped_logs();

}  // namespace mpmd::supervisor
