#include "offload/gearman.hpp"

#include <libgearman-1.0/gearman.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "offload/frame.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::offload {

namespace {

using log::LogLevel;

// At most one "unreachable" line per second per process: when gearmand is
// down every request would otherwise log one.
std::atomic<util::Usec> last_unreachable_log{-10'000'000};
std::atomic<uint64_t> unreachable_suppressed{0};

void log_unreachable(const std::string& servers, const std::string& why) {
  util::Usec now = util::monotonic_usec();
  util::Usec last = last_unreachable_log.load();
  if (now - last < 1'000'000 || !last_unreachable_log.compare_exchange_strong(last, now)) {
    unreachable_suppressed.fetch_add(1);
    return;
  }
  uint64_t more = unreachable_suppressed.exchange(0);
  log::emit(LogLevel::error, log::ids::kGearmanUnavailable,
            log::cat("gearman: job servers ", servers, " unavailable: ", why, "; answering 503",
                     more ? log::cat(" (", more, " more since the last line)") : std::string()));
}

int to_ms(util::Usec us) {
  return int(std::clamp<util::Usec>((us + 999) / 1000, 1, 24 * 3600 * 1000));
}

bool connection_error(gearman_return_t rc) {
  switch (rc) {
    case GEARMAN_COULD_NOT_CONNECT:
    case GEARMAN_LOST_CONNECTION:
    case GEARMAN_NOT_CONNECTED:
    case GEARMAN_ERRNO:
    case GEARMAN_GETADDRINFO:
    case GEARMAN_NO_SERVERS:
    case GEARMAN_NO_ACTIVE_FDS:
    case GEARMAN_SHUTDOWN:
    case GEARMAN_SHUTDOWN_GRACEFUL:
    case GEARMAN_JOB_QUEUE_FULL:
      return true;
    default:
      return false;
  }
}

// libgearman refuses an empty workload given by a non-null pointer.
const void* workload(std::string_view input) {
  return input.empty() ? nullptr : input.data();
}

// A part of a foreground job's result: appended to the std::string its task carries.
gearman_return_t on_complete(gearman_task_st* task) {
  auto* out = static_cast<std::string*>(gearman_task_context(task));
  if (out && gearman_task_data_size(task) > 0) {
    out->append(static_cast<const char*>(gearman_task_data(task)), gearman_task_data_size(task));
  }
  return GEARMAN_SUCCESS;
}

}  // namespace

struct GearmanClient::State {
  gearman_client_st* client = nullptr;
  ~State() {
    if (client) gearman_client_free(client);
  }
};

GearmanClient::GearmanClient(const GearmanOptions& options) : options_(options) {}

GearmanClient::~GearmanClient() = default;

void GearmanClient::reset() {
  state_.reset();
}

Result GearmanClient::attempt(std::string_view function, std::string_view input,
                              util::Usec timeout) {
  if (!state_) {
    state_ = std::make_unique<State>();
    state_->client = gearman_client_create(nullptr);
    if (!state_->client) {
      state_.reset();
      return Result{Status::unavailable, "gearman_client_create failed", 503};
    }
    // WORK_DATA packets carry parts of a result, WORK_COMPLETE the rest.
    gearman_client_set_data_fn(state_->client, &on_complete);
    gearman_client_set_complete_fn(state_->client, &on_complete);
    gearman_return_t rc = gearman_client_add_servers(state_->client, options_.servers.c_str());
    if (rc != GEARMAN_SUCCESS) {
      std::string why = gearman_client_error(state_->client);
      state_.reset();
      return Result{Status::unavailable, "GearmanServers " + options_.servers + ": " + why, 503};
    }
  }
  gearman_client_set_timeout(state_->client, to_ms(timeout));
  std::string name(function);
  // The task API rather than gearman_client_do(): afterwards the task tells
  // whether gearmand acknowledged the job (JOB_CREATED gave it a handle),
  // which separates "gearmand is not there" (503) from "the job is late" (504).
  gearman_return_t rc = GEARMAN_SUCCESS;
  std::string data;  // filled by on_complete()
  gearman_task_st* task = gearman_client_add_task(state_->client, nullptr, &data, name.c_str(),
                                                  nullptr, workload(input), input.size(), &rc);
  bool created = false;
  if (task) {
    gearman_return_t run_rc = gearman_client_run_tasks(state_->client);
    const char* handle = gearman_task_job_handle(task);
    created = handle && *handle;
    rc = run_rc == GEARMAN_SUCCESS ? gearman_task_return(task) : run_rc;
    gearman_task_free(task);
  }
  if (rc == GEARMAN_SUCCESS) return Result{Status::ok, std::move(data), 200};
  std::string why = std::string(gearman_strerror(rc));
  if (const char* detail = gearman_client_error(state_->client); detail && *detail) {
    why += std::string(": ") + detail;
  }
  if (rc == GEARMAN_WORK_FAIL || rc == GEARMAN_WORK_EXCEPTION || rc == GEARMAN_WORK_ERROR) {
    return Result{Status::job_failed, "job " + name + " failed: " + why, options_.failure_status};
  }
  reset();  // a fresh connection for the next job
  if (rc == GEARMAN_TIMEOUT && created) {
    return Result{Status::timeout, "job " + name + ": no result within GearmanTimeout", 504};
  }
  if (rc == GEARMAN_TIMEOUT || connection_error(rc)) {
    return Result{Status::unavailable, why, 503};
  }
  return Result{Status::job_failed, "job " + name + ": " + why, options_.failure_status};
}

Result GearmanClient::run(std::string_view function, std::string_view input, util::Usec timeout) {
  Result r;
  bool fresh_tried = false;
  for (int attempt_no = 0;;) {
    bool cached = state_ != nullptr;
    r = attempt(function, input, timeout);
    // A connection cached from before gearmand restarted fails once: try a
    // fresh one before calling the servers unavailable.
    if (r.status == Status::unavailable && cached && !fresh_tried) {
      fresh_tried = true;
      continue;
    }
    if (r.status != Status::job_failed || attempt_no++ >= options_.retries) break;
  }
  if (r.status == Status::unavailable) {
    log_unreachable(options_.servers, r.data);
  } else if (r.status == Status::timeout || r.status == Status::job_failed) {
    log::emit(LogLevel::warn, log::ids::kGearmanJobFailed,
              log::cat("gearman: ", r.data, "; answering ", r.http_status));
  }
  return r;
}

Result GearmanClient::background(std::string_view function, std::string_view input,
                                 util::Usec timeout) {
  for (int tries = 0; tries < 2; ++tries) {
    if (!state_) {
      // attempt() builds the connection set; reuse it without running a job.
      state_ = std::make_unique<State>();
      state_->client = gearman_client_create(nullptr);
      if (!state_->client ||
          gearman_client_add_servers(state_->client, options_.servers.c_str()) != GEARMAN_SUCCESS) {
        state_.reset();
        return Result{Status::unavailable, "GearmanServers " + options_.servers + " invalid", 503};
      }
    }
    gearman_client_set_timeout(state_->client, to_ms(timeout));
    std::string name(function);
    gearman_job_handle_t handle{};
    gearman_return_t rc = gearman_client_do_background(state_->client, name.c_str(), nullptr,
                                                       workload(input), input.size(), handle);
    if (rc == GEARMAN_SUCCESS) return Result{Status::ok, std::string(handle), 200};
    std::string why = gearman_strerror(rc);
    reset();
    // A connection cached from before gearmand restarted fails once: retry
    // on a fresh one before calling the servers unavailable.
    if (tries == 0 && rc == GEARMAN_LOST_CONNECTION) continue;
    log_unreachable(options_.servers, why);
    return Result{Status::unavailable, why, 503};
  }
  return Result{Status::unavailable, "unreachable", 503};
}

GearmanDispatcher::~GearmanDispatcher() {
  shutdown();
}

void GearmanDispatcher::submit(std::string_view function, std::string input, bool background,
                               Callback done) {
  if (!valid_function_name(function)) {
    return done(
        Result{Status::error, "'" + std::string(function) + "' is not a function name", 500});
  }
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return done(Result{Status::unavailable, "child stopping", 503});
  }
  if (jobs_.size() >= options_.queue_limit) {
    lock.unlock();
    return done(Result{Status::unavailable, "gearman queue full", 503});
  }
  jobs_.push_back(Job{std::string(function), std::move(input), background, std::move(done),
                      util::monotonic_usec() + options_.timeout});
  if (idle_ < jobs_.size() && threads_.size() < std::max<size_t>(1, options_.concurrency)) {
    threads_.emplace_back([this] { run(); });
  }
  lock.unlock();
  ready_.notify_one();
}

void GearmanDispatcher::run() {
  GearmanClient client(options_);
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    // Waiting for a thread counts against the job's time, but an attempt
    // always gets at least a tenth of GearmanTimeout.
    util::Usec left = std::max(job.deadline - util::monotonic_usec(), options_.timeout / 10);
    Result r = job.background ? client.background(job.function, job.input, left)
                              : client.run(job.function, job.input, left);
    job.done(std::move(r));
    job = Job{};
    lock.lock();
  }
}

void GearmanDispatcher::shutdown() {
  std::deque<Job> orphans;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    orphans.swap(jobs_);
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (Job& j : orphans) j.done(Result{Status::unavailable, "child stopping", 503});
  for (std::thread& t : threads) t.join();
}

}  // namespace mpmd::offload
