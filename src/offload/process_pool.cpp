#include "offload/process_pool.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "offload/frame.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::offload {

namespace {

using log::LogLevel;

constexpr uint64_t kWakeId = 0;
constexpr uint64_t kSpawnerId = 1;
constexpr util::Usec kSpawnRetry = 1'000'000;  // after the spawner could not fork

Result make_error(Status status, std::string why) {
  int http = status == Status::timeout ? 504 : status == Status::unavailable ? 503 : 500;
  return Result{status, std::move(why), http};
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = sigdescr_np(WTERMSIG(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + (name ? name : "?") +
           ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

struct ProcessPool::Task {
  std::string function;
  std::string frame;  // the encoded task
  Callback done;
  util::Usec deadline = 0;
};

struct ProcessPool::Helper {
  uint64_t id = 0;
  pid_t pid = 0;
  util::UniqueFd fd;
  FrameReader reader{0};
  std::unique_ptr<Task> task;  // running; null when idle
  size_t written = 0;          // bytes of task->frame sent
  bool want_out = false;       // registered for EPOLLOUT
};

// Everything the I/O thread owns.
class ProcessPool::Loop {
 public:
  explicit Loop(ProcessPool& pool) : pool_(pool) {}

  bool init(std::string& error) {
    epfd_.reset(epoll_create1(EPOLL_CLOEXEC));
    if (!epfd_ || !watch(pool_.wake_.get(), kWakeId, EPOLLIN) ||
        !watch(pool_.spawner_->fd(), kSpawnerId, EPOLLIN)) {
      error = std::string("epoll: ") + std::strerror(errno);
      return false;
    }
    return true;
  }

  void run() {
    epoll_event events[64];
    top_up();
    while (!stop_) {
      int n = epoll_wait(epfd_.get(), events, 64, wait_ms());
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) {
        uint64_t id = events[i].data.u64;
        if (id == kWakeId) {
          take_incoming();
        } else if (id == kSpawnerId) {
          read_spawner();
        } else {
          service(id, events[i].events);
        }
      }
      util::Usec now = util::monotonic_usec();
      expire(now);
      if (spawner_ok_ && now >= spawn_retry_at_) top_up();
      dispatch();
      run_callbacks();
    }
    // Stopping: nothing still queued or running gets a result.
    for (auto& t : queue_) finish(std::move(t), make_error(Status::unavailable, "child stopping"));
    queue_.clear();
    for (auto& [id, h] : helpers_) {
      if (h->task) finish(std::move(h->task), make_error(Status::unavailable, "child stopping"));
    }
    helpers_.clear();  // closes the sockets: helpers exit at end-of-file
    publish_pids();
    run_callbacks();
  }

 private:
  bool watch(int fd, uint64_t id, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    return epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
  }

  int wait_ms() const {
    util::Usec next = -1;
    auto consider = [&](util::Usec t) {
      if (next < 0 || t < next) next = t;
    };
    for (const auto& t : queue_) consider(t->deadline);
    for (const auto& [id, h] : helpers_) {
      if (h->task) consider(h->task->deadline);
    }
    if (spawner_ok_ && spawn_retry_at_ > 0 &&
        live_or_pending() < size_t(pool_.options_.processes)) {
      consider(spawn_retry_at_);
    }
    if (next < 0) return -1;
    util::Usec left = next - util::monotonic_usec();
    return left <= 0 ? 0 : int(std::min<util::Usec>((left + 999) / 1000, 60'000));
  }

  size_t live_or_pending() const { return helpers_.size() + spawns_pending_; }

  void take_incoming() {
    uint64_t v;
    while (read(pool_.wake_.get(), &v, sizeof v) > 0) {
    }
    std::lock_guard lock(pool_.mutex_);
    if (pool_.stopping_) stop_ = true;
    while (!pool_.incoming_.empty()) {
      queue_.push_back(std::move(pool_.incoming_.front()));
      pool_.incoming_.pop_front();
    }
  }

  void read_spawner() {
    Spawner::Event ev;
    int r;
    while ((r = pool_.spawner_->read_event(ev)) == 1) {
      switch (ev.kind) {
        case Spawner::Event::Kind::spawned: {
          if (spawns_pending_ > 0) --spawns_pending_;
          auto h = std::make_unique<Helper>();
          h->id = next_id_++;
          h->pid = ev.pid;
          h->fd = std::move(ev.fd);
          fcntl(h->fd.get(), F_SETFL, fcntl(h->fd.get(), F_GETFL) | O_NONBLOCK);
          h->reader = FrameReader(pool_.options_.max_payload);
          if (!watch(h->fd.get(), h->id, EPOLLIN | EPOLLRDHUP)) {
            pool_.spawner_->request_kill(h->pid);
            break;
          }
          helpers_.emplace(h->id, std::move(h));
          publish_pids();
          break;
        }
        case Spawner::Event::Kind::spawn_failed:
          if (spawns_pending_ > 0) --spawns_pending_;
          spawn_retry_at_ = util::monotonic_usec() + kSpawnRetry;
          log::emit(LogLevel::error, log::ids::kOffloadPool,
                    log::cat("offload: cannot fork a helper process: ", std::strerror(ev.status),
                             "; retrying in 1 s"));
          break;
        case Spawner::Event::Kind::exited:
          // Deaths the pool did not cause (a crash, a kill from outside) are
          // worth a line; the socket's end-of-file fails the task.
          if (reported_.erase(ev.pid) == 0 && ev.status != 0) {
            log::emit(LogLevel::warn, log::ids::kOffloadHelper,
                      log::cat("offload: helper process ", ev.pid, " ", describe_exit(ev.status),
                               "; replaced"));
          }
          break;
      }
    }
    if (r < 0) {
      spawner_ok_ = false;
      epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, pool_.spawner_->fd(), nullptr);
      log::emit(LogLevel::error, log::ids::kOffloadPool,
                "offload: the helper spawner process is gone; helpers that end are not replaced");
    }
  }

  void top_up() {
    spawn_retry_at_ = 0;
    while (live_or_pending() < size_t(pool_.options_.processes)) {
      if (!pool_.spawner_->request_spawn()) {
        spawn_retry_at_ = util::monotonic_usec() + kSpawnRetry;
        return;
      }
      ++spawns_pending_;
    }
  }

  // Looked up by id each time: writing or reading may drop the helper.
  void service(uint64_t id, uint32_t events) {
    if (events & EPOLLOUT) {
      if (auto it = helpers_.find(id); it != helpers_.end()) write_task(*it->second);
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
      if (auto it = helpers_.find(id); it != helpers_.end()) read_results(*it->second);
    }
  }

  void read_results(Helper& h) {
    char buf[65536];
    while (true) {
      ssize_t n = read(h.fd.get(), buf, sizeof buf);
      if (n > 0) {
        h.reader.feed(std::string_view(buf, size_t(n)));
        if (!take_frames(h)) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      lost(h, "the helper process ended while running it");
      return;
    }
  }

  // False if `h` was dropped.
  bool take_frames(Helper& h) {
    FrameType type;
    std::string_view payload;
    FrameReader::State s;
    while ((s = h.reader.next(type, payload)) == FrameReader::State::frame) {
      if (!h.task || type == FrameType::task) {
        lost(h, "the helper sent an unexpected frame");
        return false;
      }
      Result r = type == FrameType::result ? Result{Status::ok, std::string(payload), 200}
                                           : make_error(Status::error, std::string(payload));
      finish(std::move(h.task), std::move(r));
      h.written = 0;
    }
    if (s == FrameReader::State::error) {
      lost(h, "the helper sent a bad frame: " + h.reader.error());
      return false;
    }
    return true;
  }

  void write_task(Helper& h) {
    if (!h.task) return;
    const std::string& f = h.task->frame;
    while (h.written < f.size()) {
      ssize_t n = write(h.fd.get(), f.data() + h.written, f.size() - h.written);
      if (n > 0) {
        h.written += size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        set_out(h, true);
        return;
      }
      lost(h, "the helper process ended before it took the task");
      return;
    }
    set_out(h, false);
  }

  void set_out(Helper& h, bool on) {
    if (h.want_out == on) return;
    h.want_out = on;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
    ev.data.u64 = h.id;
    epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, h.fd.get(), &ev);
  }

  // The helper's socket failed: its task (if any) fails as crashed, the helper
  // goes and a new one is asked for.
  void lost(Helper& h, std::string why) {
    if (h.task) {
      std::string what = "offload task " + h.task->function + ": " + why;
      log::emit(LogLevel::warn, log::ids::kOffloadHelper,
                log::cat("offload: helper process ", h.pid, " failed task ", h.task->function, ": ",
                         why, "; replaced"));
      reported_.insert(h.pid);
      finish(std::move(h.task), make_error(Status::crashed, std::move(what)));
    }
    drop(h);
  }

  void drop(Helper& h) {
    epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, h.fd.get(), nullptr);
    helpers_.erase(h.id);  // `h` is gone from here on
    publish_pids();
    pool_.replaced_.fetch_add(1);  // after: who sees the count sees the pids without it
  }

  void expire(util::Usec now) {
    while (!queue_.empty()) {
      auto it = std::find_if(queue_.begin(), queue_.end(),
                             [&](const auto& t) { return t->deadline <= now; });
      if (it == queue_.end()) break;
      std::unique_ptr<Task> t = std::move(*it);
      queue_.erase(it);
      std::string why = "offload task " + t->function + ": no helper free within OffloadTimeout";
      finish(std::move(t), make_error(Status::timeout, std::move(why)));
    }
    std::vector<Helper*> late;
    for (auto& [id, h] : helpers_) {
      if (h->task && h->task->deadline <= now) late.push_back(h.get());
    }
    for (Helper* h : late) {
      log::emit(LogLevel::warn, log::ids::kOffloadHelper,
                log::cat("offload: task ", h->task->function, " ran past OffloadTimeout; helper ",
                         "process ", h->pid, " killed and replaced"));
      std::string why = "offload task " + h->task->function + ": no result within OffloadTimeout";
      finish(std::move(h->task), make_error(Status::timeout, std::move(why)));
      reported_.insert(h->pid);
      pool_.spawner_->request_kill(h->pid);
      drop(*h);
    }
  }

  void dispatch() {
    for (auto& [id, h] : helpers_) {
      if (queue_.empty()) break;
      if (h->task) continue;
      h->task = std::move(queue_.front());
      queue_.pop_front();
      h->written = 0;
    }
    // Writing may drop helpers: collect first.
    std::vector<uint64_t> ids;
    for (auto& [id, h] : helpers_) {
      if (h->task && h->written == 0 && !h->want_out) ids.push_back(id);
    }
    for (uint64_t id : ids) {
      if (auto it = helpers_.find(id); it != helpers_.end()) write_task(*it->second);
    }
  }

  void finish(std::unique_ptr<Task> t, Result r) {
    done_.emplace_back(std::move(t->done), std::move(r));
  }

  void run_callbacks() {
    auto done = std::move(done_);
    done_.clear();
    for (auto& [cb, r] : done) {
      pool_.outstanding_.fetch_sub(1);
      cb(std::move(r));
    }
  }

  void publish_pids() {
    std::vector<pid_t> pids;
    for (auto& [id, h] : helpers_) pids.push_back(h->pid);
    std::lock_guard lock(pool_.mutex_);
    pool_.helper_pids_ = std::move(pids);
  }

  ProcessPool& pool_;
  util::UniqueFd epfd_;
  std::deque<std::unique_ptr<Task>> queue_;
  std::map<uint64_t, std::unique_ptr<Helper>> helpers_;
  std::set<pid_t> reported_;  // helpers whose end was logged already
  std::vector<std::pair<Callback, Result>> done_;
  uint64_t next_id_ = 2;
  size_t spawns_pending_ = 0;
  util::Usec spawn_retry_at_ = 0;
  bool spawner_ok_ = true;
  bool stop_ = false;
};

std::unique_ptr<ProcessPool> ProcessPool::start(const PoolOptions& options,
                                                const FunctionTable& table, std::string& error) {
  auto pool = std::unique_ptr<ProcessPool>(new ProcessPool);
  pool->options_ = options;
  pool->options_.processes = std::max(1, options.processes);
  pool->wake_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!pool->wake_) {
    error = std::string("eventfd: ") + std::strerror(errno);
    return nullptr;
  }
  pool->spawner_ = Spawner::start(table, options.max_payload, error);
  if (!pool->spawner_) return nullptr;
  pool->loop_ = std::make_unique<Loop>(*pool);
  if (!pool->loop_->init(error)) return nullptr;
  return pool;
}

ProcessPool::~ProcessPool() {
  shutdown();
}

void ProcessPool::ensure_thread() {
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { loop_->run(); });
}

void ProcessPool::submit(std::string_view function, std::string input, Callback done) {
  if (!valid_function_name(function)) {
    return done(
        make_error(Status::error, "'" + std::string(function) + "' is not a function name"));
  }
  if (input.size() > options_.max_payload) {
    return done(make_error(Status::error, "input of " + std::to_string(input.size()) +
                                              " bytes exceeds OffloadMaxSize"));
  }
  size_t limit = options_.queue_limit + size_t(options_.processes);
  if (outstanding_.fetch_add(1) >= limit) {
    outstanding_.fetch_sub(1);
    return done(make_error(Status::unavailable, "offload queue full"));
  }
  auto task = std::make_unique<Task>();
  task->function = std::string(function);
  task->frame = encode_task(function, input);
  task->done = std::move(done);
  task->deadline = util::monotonic_usec() + options_.timeout;
  ensure_thread();
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      lock.unlock();
      outstanding_.fetch_sub(1);
      return task->done(make_error(Status::unavailable, "the process pool is stopped"));
    }
    incoming_.push_back(std::move(task));
  }
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
}

void ProcessPool::shutdown() {
  std::deque<std::unique_ptr<Task>> orphans;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    if (!started_) orphans.swap(incoming_);
  }
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  for (auto& t : orphans) {
    outstanding_.fetch_sub(1);
    t->done(make_error(Status::unavailable, "the process pool is stopped"));
  }
  loop_.reset();
  spawner_.reset();
}

std::vector<pid_t> ProcessPool::helpers() {
  ensure_thread();
  std::lock_guard lock(mutex_);
  return helper_pids_;
}

pid_t ProcessPool::spawner_pid() const {
  return spawner_ ? spawner_->pid() : -1;
}

}  // namespace mpmd::offload
