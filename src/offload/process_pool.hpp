// A child's local pool of helper processes (OffloadProcesses N): tasks name a
// registered function and carry bytes; results come back as bytes or an error.
//
//   auto pool = ProcessPool::start(options, functions(), error);  // single-threaded here
//   pool->submit("factorial", "2000", [](Result r) { ... });       // any thread, never blocks
//
// One I/O thread per pool (started by the first submit) writes task frames to
// idle helpers, reads their results and runs the callbacks; tasks wait in a
// bounded queue while every helper is busy. A helper whose socket closes
// mid-task (it crashed or was killed) fails that task with Status::crashed and
// is replaced; a task without a result OffloadTimeout after its submission
// fails with Status::timeout, and its helper, if it had started, is killed
// and replaced. See spawner.hpp for how helpers are forked and why.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mpmd/offload.hpp"
#include "offload/functions.hpp"
#include "offload/spawner.hpp"
#include "util/clock.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::offload {

struct PoolOptions {
  int processes = 2;
  util::Usec timeout = 30'000'000;  // from submit() to the result
  size_t max_payload = 64u << 20;   // largest input or result, bytes
  size_t queue_limit = 1024;        // tasks waiting for a helper; more are refused (503)
};

class ProcessPool {
 public:
  // Forks the spawner and asks it for the helpers. Call while the process has
  // one thread (see Spawner::start). Null with `error` on failure.
  static std::unique_ptr<ProcessPool> start(const PoolOptions& options, const FunctionTable& table,
                                            std::string& error);
  ~ProcessPool();  // shutdown()
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;

  // Runs `function` with `input`; `done` runs exactly once, on the pool's I/O
  // thread, or at once on the calling thread when the task is refused (bad
  // name, input too large, queue full, pool stopped).
  void submit(std::string_view function, std::string input, Callback done);

  // Fails every queued and running task with Status::unavailable, stops the
  // I/O thread and ends the helpers and the spawner. Later submits are refused.
  void shutdown();

  // The pids of the helpers connected now (starts the I/O thread); for tests
  // and the status of the pool.
  std::vector<pid_t> helpers();
  pid_t spawner_pid() const;
  // Helpers replaced after a crash or a timeout, since start.
  uint64_t replaced() const { return replaced_.load(); }

 private:
  struct Task;
  struct Helper;
  class Loop;

  ProcessPool() = default;
  void ensure_thread();

  PoolOptions options_;
  std::unique_ptr<Spawner> spawner_;
  util::UniqueFd wake_;  // eventfd: new tasks or shutdown
  std::mutex mutex_;
  std::deque<std::unique_ptr<Task>> incoming_;  // guarded by mutex_
  std::vector<pid_t> helper_pids_;              // guarded by mutex_, written by the loop
  bool stopping_ = false;                       // guarded by mutex_
  bool started_ = false;                        // guarded by mutex_: the I/O thread runs
  std::atomic<size_t> outstanding_{0};          // submitted, not yet called back
  std::atomic<uint64_t> replaced_{0};
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace mpmd::offload
