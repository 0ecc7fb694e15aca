#include "mpm/event/event_child.hpp"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mpm/common/acceptor.hpp"
#include "mpm/common/driver.hpp"
#include "mpm/common/read_timeout.hpp"
#include "mpm/common/services.hpp"
#include "mpm/event/backend.hpp"
#include "mpm/event/fair_share.hpp"
#include "mpm/event/timeout_queue.hpp"
#include "net/transport.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/thread_pool.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm::event {

namespace {

constexpr int kMaxEvents = 256;
constexpr int kAcceptBatch = 64;
constexpr util::Usec kAcceptPause = 100'000;     // after EMFILE/ENFILE
constexpr util::Usec kTimeoutGrace = 1'000'000;  // to write a 408 before closing
constexpr util::Usec kDrainIdle = 1'000'000;     // stopping: wait for one more request
// A child that accepted goes to the end of the listeners' wait queue at most
// this often (two epoll_ctl calls): under load every child is busy and the
// wake-ups spread anyway.
constexpr util::Usec kRequeueEvery = 1'000;
constexpr util::Usec kShareCheck = 10'000;  // stopped for its share: looks again

using log::LogLevel;

struct Source {
  enum class Kind { listener, connection, signal, wake } kind;
};

struct ListenSource : Source {
  ListenSource(const net::Listener& l, size_t index) : Source{Kind::listener}, acceptor(l, index) {}
  Acceptor acceptor;
};

class Loop;

// The engine's side of a connection for handlers that answer later or
// stream (http::Port): wake() hands the connection back to its loop from any
// thread; the loop's thread never waits inside a handler.
struct ConnPort final : http::Port {
  Loop* loop = nullptr;
  struct Conn* conn = nullptr;
  void wake() override;
  bool on_connection_thread() const override;
  bool pump_nested() override { return false; }
};

// Where a connection of the loop stands (httpd's CONN_STATE_*), and so which
// queue holds it.
enum class ConnState : uint8_t {
  reading,    // a request under way or its response being written (active queue)
  keepalive,  // between requests (keep-alive queue; drain queue when stopping)
  parked,     // between requests for a second or more: buffers given back
  deferred,   // a handler has it (thread pool, another process, a stream it
              // feeds): no queue; its Port's wake() brings it back
  released,   // its socket is closed, but a handler still holds its request:
              // freed when the handler lets go (it wakes the connection)
  timed_out,  // a timeout fired: the 408 gets a grace period to go out (grace queue)
  lingering,  // lingering close: discarding input until EOF (linger queue)
  closed,     // closed during this batch of events: freed after it, so that a
              // later event of the batch for it finds it and skips it
};

struct Conn : Source, QueueLink {
  Conn(Accepted a, const net::TransportFactory* factory)
      : Source{Kind::connection}, transport(open_transport(factory, a)), peer(std::move(a.peer)) {}
  ConnState state = ConnState::reading;
  std::unique_ptr<net::Transport> transport;
  http::Peer peer;
  std::optional<http::Connection> http;
  size_t index = 0;  // position in Loop::all_
  ReadTimer read_timer;
  util::Usec read_deadline = 0;  // RequestReadTimeout; 0 = none
  ConnPort port;
  bool wake_queued = false;  // in Loop::completed_ (guarded by its mutex)
  bool registered = false;   // its socket is in the backend's interest set
  uint32_t interest = 0;     // what it waits for (level-triggered backends)
};

// What a connection waiting for `w` waits for (level-triggered backends).
uint32_t interest_for(Wait w) {
  switch (w) {
    case Wait::read:
      return kReadable;
    case Wait::write:
      return kWritable;
    case Wait::handler:
    case Wait::done:
      break;
  }
  return 0;
}

// Descriptors the child keeps besides connections (listeners, logs, files
// being sent, the loop's own): select's FD_SETSIZE less these is the most
// connections it can wait for.
constexpr size_t kDescriptorReserve = 64;

// WorkerConnections, or what the open-file limit leaves after a reserve for
// files being sent, logs and listeners.
size_t open_connection_limit(uint32_t configured) {
  if (configured > 0) return configured;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 100000;
  size_t fds = size_t(rl.rlim_cur);
  return fds > 256 ? fds - 64 - fds / 16 : fds / 2;
}

class Loop {
 public:
  Loop(const ChildEnv& env, Services& services)
      : env_(env), services_(services), share_(env.scoreboard, env.slot) {
    const auto& http = env.config->http;
    keepalive_q_.timeout = util::Usec(http.keep_alive_timeout.count()) * 1000;
    active_q_.timeout = util::Usec(http.timeout.count()) * 1000;
    grace_q_.timeout = kTimeoutGrace;
    linger_q_.timeout = util::Usec(kLingerTimeoutMs) * 1000;
    drain_q_.timeout = std::min(keepalive_q_.timeout, kDrainIdle);
    max_connections_ = env.config->mpm.max_connections_per_child;
    max_open_ = open_connection_limit(env.config->mpm.worker_connections);
    if (env.scoreboard) {
      process_ = &env.scoreboard->process(env.slot);
      worker_ = &env.scoreboard->worker(env.slot, 0);
    }
  }

  // The blocking pool is shut down before the loop goes (run_child), so no
  // handler still writes into a pending connection's response.
  ~Loop() = default;

  util::Status init() {
    const std::string& name = env_.config->event_loop.backend;
    util::Result<std::unique_ptr<Backend>> backend = make_backend(name);
    if (!backend) return util::Error{"EventBackend " + name + ": " + backend.error().message};
    backend_ = std::move(*backend);
    cap_for_backend();
    signal_.kind = Source::Kind::signal;
    sigfd_.reset(open_child_signalfd());
    if (!sigfd_) return util::Error::from_errno("signalfd");
    if (util::Status s = backend_->add(sigfd_.get(), kReadable, &signal_); !s) return s;
    wake_.kind = Source::Kind::wake;
    wakefd_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wakefd_) return util::Error::from_errno("eventfd");
    if (util::Status s = backend_->add(wakefd_.get(), kReadable, &wake_); !s) return s;
    for (size_t i = 0; i < env_.listeners.size(); ++i) {
      listeners_.push_back(std::make_unique<ListenSource>(env_.listeners[i], i));
      if (!listeners_.back()->acceptor.ok()) return util::Error::from_errno("dup(listener)");
    }
    // The acceptors hold their own descriptors: the inherited ones can go.
    close_inherited_listeners(env_);
    update_listening();  // where that fails, it logs and tries again in 100 ms
    return {};
  }

  int run() {
    Ready events[kMaxEvents];
    publish();  // the other children count this one from now on
    while (!done()) {
      const int wait = wait_ms();  // at most a second
      scoreboard::report_progress(worker_, util::monotonic_usec(), util::Usec(wait) * 1000);
      util::Result<size_t> ready = backend_->wait(events, wait);
      if (!ready) {
        log::emit(LogLevel::crit, log::ids::kEventLoopFailed, ready.error().message);
        return 1;
      }
      const size_t n = *ready;
      now_ = util::monotonic_usec();
      scoreboard::report_progress(worker_, now_);
      set_state(scoreboard::State::write);
      for (size_t i = 0; i < n; ++i) dispatch(events[i]);
      closed_.clear();
      expire();
      closed_.clear();
      publish();
      services_.tick(services_.clock().now());
    }
    services_.flush();
    return kExitNormal;
  }

 private:
  void set_state(scoreboard::State s) {
    if (worker_) worker_->state.store(char(s), std::memory_order_relaxed);
  }

  // Connection counts for the status page, once per loop iteration.
  void publish() {
    set_state(stopping_ ? scoreboard::State::graceful : scoreboard::State::ready);
    if (!process_) return;
    process_->connections.store(uint32_t(connections_), std::memory_order_relaxed);
    process_->keep_alive.store(uint32_t(keepalive_q_.count), std::memory_order_relaxed);
    process_->write_completion.store(uint32_t(grace_q_.count), std::memory_order_relaxed);
    process_->not_accepting.store(!watching_, std::memory_order_relaxed);
    process_->quiescing.store(stopping_, std::memory_order_relaxed);
    process_->accepted.store(accepted_, std::memory_order_relaxed);
  }

  // select: connections are capped below FD_SETSIZE (WorkerConnections),
  // and a connection that still gets a descriptor past it (files being sent
  // hold low ones) is closed at once (open_connection()).
  void cap_for_backend() {
    const size_t limit = size_t(backend_->fd_limit());
    const size_t cap = limit - kDescriptorReserve - env_.listeners.size();
    if (max_open_ <= cap) return;
    const uint32_t configured = env_.config->mpm.worker_connections;
    if (env_.slot == 0) {  // once per start, not once per child
      log::emit(LogLevel::warn, log::ids::kEventBackendCap,
                "EventBackend " + std::string(backend_->name()) + " cannot wait for descriptors " +
                    "at or above " + std::to_string(limit) + " (FD_SETSIZE): WorkerConnections " +
                    (configured ? std::to_string(configured)
                                : std::string("(from the open-file limit)")) +
                    " capped at " + std::to_string(cap) + " per child");
    }
    max_open_ = cap;
  }

  // Level-triggered backends wait for what the connection waits for now;
  // edge-triggered ones have it registered for both, once.
  void want(Conn& c, uint32_t interest) {
    if (backend_->edge_triggered() || !c.registered || c.interest == interest) return;
    if (backend_->modify(c.transport->fd(), interest, &c)) c.interest = interest;
  }

  // The backend cannot wait for this connection's socket (select: a
  // descriptor past FD_SETSIZE): it is closed unanswered, as at
  // WorkerConnections, and logged once a minute.
  void refuse_connection(const util::Error& why) {
    if (env_.scoreboard) {
      env_.scoreboard->global().connections_refused.fetch_add(1, std::memory_order_relaxed);
    }
    if (now_ - last_refused_log_ >= 60'000'000) {
      last_refused_log_ = now_;
      log::emit(LogLevel::error, log::ids::kEventBackendRefused,
                "EventBackend " + std::string(backend_->name()) + ": " + why.message +
                    "; connection closed (lower WorkerConnections, or use EventBackend epoll)");
    }
  }

  // Before the connection's socket closes.
  void unregister(Conn& c) {
    if (!c.registered) return;
    backend_->before_close(c.transport->fd());
    c.registered = false;
  }

  bool done() const { return stop_now_ || (stopping_ && connections_ == 0); }

  int wait_ms() const {
    util::Usec next = now_ + 1'000'000;  // at least once a second: log flushes
    for (const TimeoutQueue* q : {&keepalive_q_, &active_q_, &grace_q_, &linger_q_, &drain_q_}) {
      if (q->head && q->head->deadline < next) next = q->head->deadline;
    }
    if (accept_paused_ && accept_resume_at_ < next) next = accept_resume_at_;
    if (over_share_ && share_check_at_ < next) next = share_check_at_;
    util::Usec wait = next - now_;
    return wait <= 0 ? 0 : int((wait + 999) / 1000);
  }

  void dispatch(const Ready& ev) {
    auto* src = static_cast<Source*>(ev.tag);
    switch (src->kind) {
      case Source::Kind::listener:
        on_listener_ready(*static_cast<ListenSource*>(src));
        break;
      case Source::Kind::connection: {
        Conn& c = *static_cast<Conn*>(src);
        if (c.state != ConnState::closed && c.state != ConnState::released) drive(c);
        break;
      }
      case Source::Kind::signal:
        on_signal();
        break;
      case Source::Kind::wake:
        resume_completed();
        break;
    }
  }

 public:
  // After run(): whether a handler still holds a request (a deferred
  // response, a stream), which would touch a connection after the loop is gone.
  bool responses_outstanding() {
    for (const auto& c : all_) {
      if (c->http && c->http->busy()) return true;
    }
    return false;
  }

  // Any thread: `c` has work (a deferred response, a stream's data or room).
  void post_completed(Conn* c) {
    {
      std::lock_guard lock(completed_mutex_);
      if (c->wake_queued) return;  // already on its way
      c->wake_queued = true;
      completed_.push_back(c);
    }
    uint64_t one = 1;
    ssize_t n = ::write(wakefd_.get(), &one, sizeof one);
    (void)n;  // EAGAIN: the counter is already non-zero, the loop wakes anyway
  }

  bool on_loop_thread() const { return std::this_thread::get_id() == thread_; }

 private:
  void resume_completed() {
    uint64_t count;
    ssize_t n = ::read(wakefd_.get(), &count, sizeof count);
    (void)n;
    std::vector<Conn*> ready;
    {
      std::lock_guard lock(completed_mutex_);
      ready.swap(completed_);
      for (Conn* c : ready) c->wake_queued = false;
    }
    for (Conn* c : ready) {
      if (c->state == ConnState::closed) continue;
      if (c->state == ConnState::released) {
        if (!c->http->busy()) close_connection(*c);
        continue;
      }
      c->http->on_wake();
      drive(*c);
    }
  }

  void on_signal() {
    switch (read_stop_request(sigfd_.get())) {
      case StopRequest::now:
        stop_now_ = true;
        break;
      case StopRequest::graceful:
        begin_graceful_stop(true);
        break;
      case StopRequest::none:
        break;
    }
  }

  // A listener has connections waiting: take this child's share of them.
  // EPOLLEXCLUSIVE woke this child alone, so it takes at least one connection
  // even above its share (the one that woke it would otherwise wait for the
  // next wake-up), then leaves the listeners to the other children.
  void on_listener_ready(ListenSource& l) {
    if (!watching_ && !over_share_) return;  // out of descriptors, full or stopping
    const uint64_t room = over_share_ ? 0 : share_.room(connections_);
    const int taken = accept_from(l, int(std::clamp<uint64_t>(room, 1, kAcceptBatch)));
    // The other children weigh their share with this count: now, not at the
    // end of this loop turn, when a burst of connections may be over.
    if (process_ && taken > 0) {
      process_->connections.store(uint32_t(connections_), std::memory_order_relaxed);
    }
    if (uint64_t(taken) >= room) {
      if (!over_share_) {
        over_share_ = true;
        share_check_at_ = now_ + kShareCheck;
        update_listening();
      }
      return;
    }
    if (taken > 0 && watching_ && now_ - requeued_at_ >= kRequeueEvery) requeue(l);
  }

  // Accepts up to `batch` connections; returns how many.
  int accept_from(ListenSource& l, int batch) {
    int taken = 0;
    for (; taken < batch; ++taken) {
      if (!accepting_ || accept_paused_ || at_capacity_) break;
      if (connections_ >= max_open_) {
        reach_capacity();
        break;
      }
      util::Result<Accepted> a = l.acceptor.accept();
      if (!a) {
        if (Acceptor::out_of_resources(a.error())) pause_accepting();
        break;  // EAGAIN: another child took it, or the queue is empty
      }
      open_connection(std::move(*a));
      ++accepted_;
      if (max_connections_ != 0 && accepted_ >= max_connections_) {
        log::emit(LogLevel::info, log::ids::kChildRecycled,
                  "MaxConnectionsPerChild reached; child finishing its connections");
        // Recycling: the master and the other children keep the listening
        // sockets open, so nothing queued is lost without a drain.
        begin_graceful_stop(false);
        return taken + 1;
      }
    }
    return taken;
  }

  void open_connection(Accepted accepted) {
    auto owned = std::make_unique<Conn>(std::move(accepted), env_.transports);
    Conn* c = owned.get();
    c->port.loop = this;
    c->port.conn = c;
    c->http.emplace(services_.settings(), services_.handler(), services_.observer(),
                    services_.clock(), services_.dates(), c->peer, &c->port);
    c->read_timer = ReadTimer(&env_.config->http);
    // Edge-triggered: registered once for both directions. Level-triggered:
    // for the request, then for what the connection waits for (want()).
    c->interest = backend_->edge_triggered() ? kReadable | kWritable : kReadable;
    if (util::Status s = backend_->add(c->transport->fd(), c->interest, c); !s) {
      refuse_connection(s.error());
      return;
    }
    c->registered = true;
    c->index = all_.size();
    all_.push_back(std::move(owned));
    ++connections_;
    // The request usually arrived with the handshake: serve it now.
    drive(*c);
  }

  void drive(Conn& c) {
    if (c.state == ConnState::lingering) {
      if (discard_input(*c.transport)) {
        close_connection(c);
      } else {
        want(c, kReadable);
      }
      return;
    }
    Wait w = pump(*c.transport, *c.http);
    if (w == Wait::done) {
      linger(c);
      return;
    }
    if (w == Wait::handler) {
      // A handler has it (thread pool, another process, a stream it feeds):
      // no timeout applies and the connection stays until its Port's wake()
      // brings it back (resume_completed()).
      if (c.queue) c.queue->remove(&c);
      if (c.state != ConnState::timed_out) c.state = ConnState::deferred;
      want(c, 0);
      return;
    }
    want(c, interest_for(w));
    if (c.state == ConnState::timed_out) return;  // keeps its grace deadline
    c.read_deadline = c.read_timer.update(*c.http, now_, c.transport->handshake_pending());
    if (c.http->idle() && !c.transport->handshake_pending()) {
      // While stopping, an idle connection waits briefly for a request that
      // may already be on its way; it is answered with Connection: close.
      c.state = ConnState::keepalive;
      (stopping_ ? drain_q_ : keepalive_q_).push(&c, now_);
    } else {
      c.state = ConnState::reading;
      active_q_.push(&c, now_);
    }
  }

  void expire() {
    while (QueueLink* link = keepalive_q_.expired(now_)) {
      close_connection(*static_cast<Conn*>(link));
    }
    while (QueueLink* link = active_q_.expired(now_)) time_out(*static_cast<Conn*>(link));
    // RequestReadTimeout deadlines differ per connection: scan once a second.
    if (now_ - last_read_scan_ >= 1'000'000) {
      last_read_scan_ = now_;
      release_idle_memory();
      for (QueueLink* link = active_q_.head; link;) {
        Conn& c = *static_cast<Conn*>(link);
        link = link->next;
        if (c.read_deadline != 0 && c.read_deadline <= now_) time_out(c);
      }
    }
    for (TimeoutQueue* q : {&grace_q_, &linger_q_, &drain_q_}) {
      while (QueueLink* link = q->expired(now_)) close_connection(*static_cast<Conn*>(link));
    }
    if (accept_paused_ && now_ >= accept_resume_at_) {
      accept_paused_ = false;
      update_listening();
    }
    if (over_share_ && now_ >= share_check_at_) {
      uint32_t queued = 0;
      for (const auto& l : listeners_) queued += l->acceptor.queued();
      if (share_.resume(connections_, queued)) {
        over_share_ = false;
        update_listening();
      } else {
        share_check_at_ = now_ + kShareCheck;
      }
    }
  }

  // Connections idle for a second or more give their buffers back. The queue
  // is in order of last activity, so the scan stops at the first younger one.
  void release_idle_memory() {
    util::Usec idle_since = now_ - 1'000'000 + keepalive_q_.timeout;
    for (QueueLink* link = keepalive_q_.head; link && link->deadline <= idle_since;
         link = link->next) {
      Conn& c = *static_cast<Conn*>(link);
      if (c.state != ConnState::keepalive) continue;
      c.http->release_idle_memory();
      c.state = ConnState::parked;
    }
  }

  // Timeout or RequestReadTimeout: 408 if a request was under way, then close.
  void time_out(Conn& c) {
    if (c.state == ConnState::timed_out) {
      close_connection(c);
      return;
    }
    c.state = ConnState::timed_out;
    c.http->on_timeout();
    Wait w = pump(*c.transport, *c.http);
    if (w == Wait::done) {
      linger(c);
    } else {
      want(c, interest_for(w));
      grace_q_.push(&c, now_);
    }
  }

  // Lingering close: the rest of the connection's life is in the linger queue.
  void linger(Conn& c) {
    if (begin_linger(*c.transport)) {
      close_connection(c);
      return;
    }
    c.state = ConnState::lingering;
    want(c, kReadable);
    linger_q_.push(&c, now_);
  }

  // WorkerConnections reached: let the other children take new connections.
  void reach_capacity() {
    at_capacity_ = true;
    update_listening();
    if (env_.scoreboard) {
      env_.scoreboard->global().connections_refused.fetch_add(1, std::memory_order_relaxed);
    }
    if (now_ - last_capacity_log_ >= 60'000'000) {
      last_capacity_log_ = now_;
      log::emit(LogLevel::warn, log::ids::kWorkerConnections,
                "this child holds " + std::to_string(connections_) +
                    " connections (WorkerConnections); not accepting until below 90%");
    }
  }

  void close_connection(Conn& c) {
    if (c.queue) c.queue->remove(&c);
    if (c.http && c.http->busy()) {
      // A handler still has the request: the socket goes now (out of the
      // backend's set first), the Conn when the handler lets go.
      unregister(c);
      c.transport->close();
      c.state = ConnState::released;
      return;
    }
    {
      std::lock_guard lock(completed_mutex_);
      if (c.wake_queued) completed_.erase(std::find(completed_.begin(), completed_.end(), &c));
    }
    // The backend forgets the descriptor (unregister()), then it closes with the Conn.
    size_t index = c.index;
    std::unique_ptr<Conn> closing = std::move(all_[index]);
    if (index + 1 != all_.size()) {
      all_[index] = std::move(all_.back());
      all_[index]->index = index;
    }
    all_.pop_back();
    --connections_;
    closing->state = ConnState::closed;
    unregister(*closing);
    closing->transport->close();
    closed_.push_back(std::move(closing));
    if (at_capacity_ && connections_ * 10 < size_t(max_open_) * 9) {
      at_capacity_ = false;
      update_listening();
    }
  }

  // Out of descriptors or memory (the acceptor logged it, once per burst):
  // accepting resumes every 100 ms to try again.
  void pause_accepting() {
    accept_paused_ = true;
    accept_resume_at_ = now_ + kAcceptPause;
    unwatch_listeners();  // all of them, also where watching them failed half-way
  }

  // Puts the listeners in the backend's set, or takes them out, as the reasons
  // not to accept (stopping, out of descriptors, WorkerConnections, above its
  // share) say. Where putting them back fails, tries again in 100 ms.
  void update_listening() {
    const bool want = accepting_ && !accept_paused_ && !at_capacity_ && !over_share_;
    if (want == watching_) return;
    if (!want) {
      unwatch_listeners();
      return;
    }
    for (auto& l : listeners_) {
      if (util::Status s = watch(*l); !s) {
        log::emit(LogLevel::error, log::ids::kAcceptFailed, s.error().message);
        pause_accepting();
        return;
      }
    }
    watching_ = true;
  }

  util::Status watch(ListenSource& l) {
    // Exclusive (epoll, io_uring): one connection wakes one child, not all
    // of them. select and poll wake every child; the losers' accept4 says EAGAIN.
    util::Status s = backend_->add(l.acceptor.fd(), kReadable | kExclusive, &l);
    if (!s && s.error().code != EEXIST) return util::Error{"listener: " + s.error().message};
    return {};
  }

  // The kernel wakes the first idle child in the listener's wait queue, so
  // a child that has just accepted moves to the end of the queue: the next
  // connection wakes another idle child, if there is one.
  void requeue(ListenSource& l) {
    requeued_at_ = now_;
    if (!backend_->requeues_on_readd()) return;
    backend_->remove(l.acceptor.fd());
    if (util::Status s = watch(l); !s) {
      log::emit(LogLevel::error, log::ids::kAcceptFailed, s.error().message);
      pause_accepting();
    }
  }

  void unwatch_listeners() {
    watching_ = false;
    for (auto& l : listeners_) {
      if (l->acceptor.ok()) backend_->remove(l->acceptor.fd());
    }
  }

  void begin_graceful_stop(bool drain) {
    if (stopping_) return;
    // Connections already in the listen queue are served, not reset: take
    // what is queued now, then close this child's copy of the listening
    // sockets (once no process holds one, new clients are refused instead of
    // queued and then reset).
    max_connections_ = 0;
    for (auto& l : listeners_) {
      if (drain) accept_from(*l, int(l->acceptor.queued()));
    }
    stopping_ = true;
    accepting_ = false;
    // The sources stay allocated: events fetched in this batch may point at them.
    unwatch_listeners();
    for (auto& l : listeners_) l->acceptor.close();
    for (const auto& c : all_) c->http->close_after_response();
    while (QueueLink* link = keepalive_q_.head) drain_q_.push(link, now_);
  }

  const ChildEnv& env_;
  Services& services_;
  std::unique_ptr<Backend> backend_;  // EventBackend: epoll, select, poll or io_uring
  util::UniqueFd sigfd_;
  Source signal_{};
  util::UniqueFd wakefd_;  // eventfd: deferred responses completed
  Source wake_{};
  std::mutex completed_mutex_;
  std::vector<Conn*> completed_;  // guarded by completed_mutex_
  std::thread::id thread_ = std::this_thread::get_id();
  std::vector<std::unique_ptr<ListenSource>> listeners_;
  std::vector<std::unique_ptr<Conn>> all_;     // owns the connections; Conn::index is the position
  std::vector<std::unique_ptr<Conn>> closed_;  // closed during the current batch of events
  TimeoutQueue keepalive_q_;
  TimeoutQueue active_q_;
  TimeoutQueue grace_q_;
  TimeoutQueue linger_q_;
  TimeoutQueue drain_q_;  // idle connections of a stopping child
  util::Usec now_ = util::monotonic_usec();
  util::Usec last_read_scan_ = 0;
  size_t connections_ = 0;
  uint64_t accepted_ = 0;
  scoreboard::Process* process_ = nullptr;
  scoreboard::Worker* worker_ = nullptr;
  uint64_t max_connections_ = 0;
  size_t max_open_ = 0;
  bool at_capacity_ = false;
  util::Usec last_capacity_log_ = -60'000'000;
  util::Usec last_refused_log_ = -60'000'000;
  // Accepting: the listeners are in the backend's set while none of the reasons
  // below holds (update_listening()).
  bool watching_ = false;
  bool accepting_ = true;       // false once stopping
  bool accept_paused_ = false;  // out of descriptors or memory
  util::Usec accept_resume_at_ = 0;
  FairShare share_;
  bool over_share_ = false;  // holds well above its share of the connections
  util::Usec share_check_at_ = 0;
  util::Usec requeued_at_ = 0;
  bool stopping_ = false;
  bool stop_now_ = false;
};

}  // namespace

void ConnPort::wake() {
  loop->post_completed(conn);
}

bool ConnPort::on_connection_thread() const {
  return loop->on_loop_thread();
}

int run_child(const ChildEnv& env) {
  // Blocking application handlers run on this pool; its threads start on
  // first use and inherit the blocked signal mask of the loop thread.
  util::ThreadPool pool(size_t(std::max(1, env.config->mpm.threads_per_child)));
  Services services(env, 0, &pool);
  Loop loop(env, services);
  if (util::Status s = loop.init(); !s) {
    log::emit(LogLevel::crit, log::ids::kEventLoopFailed, s.error().message);
    return kExitStartupFailed;
  }
  int rc = loop.run();
  // Handlers still running finish before the connections they write into go:
  // offload results still awaited fail now (their callbacks complete deferred
  // responses and release handlers waiting on the pool), then the pool joins.
  env.site->child_stop();
  pool.shutdown();
  if (loop.responses_outstanding()) {
    // An application keeps a Deferred past the child's end (its own thread
    // or timer): leave the connections it may still write into allocated.
    services.flush();
    log::emit(LogLevel::warn, log::ids::kAppHandlerFailed,
              "stopping with deferred responses that their applications never completed");
    _exit(rc);
  }
  return rc;
}

}  // namespace mpmd::mpm::event
