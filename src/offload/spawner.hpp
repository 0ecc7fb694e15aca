// The process that forks the pool's helper processes.
//
// Why a separate spawner: fork() in a process that already runs threads
// copies only the calling thread, with every lock another thread held at that
// moment still locked forever (an application's mutex, a logger's, a
// library's); a helper that then runs application code can deadlock. A
// child starts threads (handler pool, worker threads, the pool's own I/O
// thread), and helpers must be replaced long after that. So the child forks
// one spawner while it still has a single thread, right after it was forked
// from the master; the spawner stays single-threaded forever and forks every
// helper, the first ones and the replacements, so each helper starts from a
// clean single-threaded copy of the child with the application's registered
// functions. (An exec'd helper would avoid the copy but could not run
// functions registered in-process by application code.)
//
// The child talks to the spawner over a SOCK_SEQPACKET socket pair: "spawn"
// (the reply carries the new helper's pid and, by SCM_RIGHTS, the child's end
// of a socket pair connected to it), "kill pid" (the spawner is the parent
// and reaps, so it never signals a recycled pid) and, from the spawner,
// "exited pid status". Helpers and the spawner die with their parent
// (PR_SET_PDEATHSIG) and when their socket reaches end-of-file. They keep
// only standard input, output and error open (no listener, no log file) and
// ignore the signals the master sends to stop or restart children: the child
// ends them when it ends.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "offload/functions.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::offload {

class Spawner {
 public:
  struct Event {
    enum class Kind { spawned, spawn_failed, exited } kind = Kind::exited;
    pid_t pid = 0;
    util::UniqueFd fd;  // spawned: the child's end of the helper's socket
    int status = 0;     // exited: as from waitpid(); spawn_failed: errno
  };

  // Forks the spawner. Call while the calling process has one thread, from
  // the thread that will live as long as the pool (PR_SET_PDEATHSIG follows
  // the forking thread). Helpers run `table` with frames up to `max_payload`.
  static std::unique_ptr<Spawner> start(const FunctionTable& table, size_t max_payload,
                                        std::string& error);
  ~Spawner();  // ends the spawner (its helpers die with it) and reaps it
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  pid_t pid() const { return pid_; }
  // Non-blocking; readable when events arrive.
  int fd() const { return control_.get(); }

  bool request_spawn();
  bool request_kill(pid_t helper);
  // One pending event: 1 = `event` filled, 0 = none now, -1 = the spawner is gone.
  int read_event(Event& event);

 private:
  Spawner() = default;
  pid_t pid_ = -1;
  util::UniqueFd control_;
};

// A helper's loop: reads task frames from `fd`, runs them, writes result or
// error frames; returns at end-of-file. Public for tests.
void run_helper(int fd, const FunctionTable& table, size_t max_payload);

}  // namespace mpmd::offload
