// The Gearman side of offload: foreground jobs (the worker's result comes back)
// and background jobs (gearmand queues them and returns a job handle).
//
// How the event loop stays free: libgearman's blocking client calls run on
// this module's own threads (GearmanConcurrency per child, started on
// demand), each with its own gearman_client_st, bounded by GearmanTimeout;
// callbacks run there. Not the event engine's handler pool: a blocking
// handler waiting there for a Gearman result would otherwise wait for a
// thread of the pool it occupies. The non-blocking libgearman API would save
// the threads but ties its state machine to our loop for little gain at
// these rates.
//
// What a result says:
//   gearmand unreachable (refused, reset, or no answer within GearmanTimeout
//   before it acknowledged the job)             -> unavailable, 503, error log
//   no result within GearmanTimeout after gearmand took the job -> timeout, 504
//   the job failed (its worker died and gearmand gave up on it per its
//   --job-retries, or the worker reported a failure), after GearmanRetries
//   resubmissions                                -> job_failed, GearmanFailureStatus
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mpmd/offload.hpp"
#include "util/clock.hpp"

namespace mpmd::offload {

struct GearmanOptions {
  std::string servers;             // "host:port,host:port" (libgearman's syntax)
  util::Usec timeout = 5'000'000;  // GearmanTimeout: one attempt, connect included
  int retries = 0;                 // GearmanRetries: resubmissions of a failed job
  int failure_status = 502;        // GearmanFailureStatus
  size_t concurrency = 16;         // GearmanConcurrency: jobs in flight per child
  size_t queue_limit = 1024;       // jobs waiting for a thread; more are refused (503)
};

// One connection set to gearmand; blocking; not thread-safe (one per thread).
class GearmanClient {
 public:
  explicit GearmanClient(const GearmanOptions& options);
  ~GearmanClient();
  GearmanClient(const GearmanClient&) = delete;
  GearmanClient& operator=(const GearmanClient&) = delete;

  // A foreground job: waits for its result, at most `timeout` per attempt.
  Result run(std::string_view function, std::string_view input, util::Usec timeout);
  // A background job: the result's data is the job handle.
  Result background(std::string_view function, std::string_view input, util::Usec timeout);

 private:
  Result attempt(std::string_view function, std::string_view input, util::Usec timeout);
  void reset();

  GearmanOptions options_;
  struct State;
  std::unique_ptr<State> state_;
};

// Runs jobs on its own threads and calls back there.
class GearmanDispatcher {
 public:
  explicit GearmanDispatcher(const GearmanOptions& options) : options_(options) {}
  ~GearmanDispatcher();  // shutdown()
  GearmanDispatcher(const GearmanDispatcher&) = delete;
  GearmanDispatcher& operator=(const GearmanDispatcher&) = delete;

  void submit(std::string_view function, std::string input, bool background, Callback done);
  // Running jobs finish (bounded by GearmanTimeout); queued ones fail with
  // Status::unavailable. Later submits are refused.
  void shutdown();

 private:
  struct Job {
    std::string function;
    std::string input;
    bool background = false;
    Callback done;
    util::Usec deadline = 0;
  };
  void run();

  GearmanOptions options_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace mpmd::offload
