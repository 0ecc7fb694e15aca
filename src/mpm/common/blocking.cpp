#include "mpm/common/blocking.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <vector>

#include "mpm/common/acceptor.hpp"
#include "mpm/common/driver.hpp"
#include "mpm/common/read_timeout.hpp"
#include "net/transport.hpp"
#include "util/clock.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm {

namespace {

constexpr uint32_t kStopTag = UINT32_MAX;
constexpr int kDrainIdleMs = 1000;  // stopping: wait for one more request

// Where the connection a blocking loop serves stands (httpd's CONN_STATE_*).
enum class ConnState {
  serving,    // requests and responses; the stop source is watched
  stopping,   // a graceful stop was asked: the response in hand is the last
  last_wait,  // stopping and idle: one short wait for a request on its way
  timed_out,  // a timeout fired: one more wait for the 408 to go out, then close
};

void set_state(scoreboard::Worker* w, scoreboard::State s) {
  if (w) w->state.store(char(s), std::memory_order_relaxed);
}

// poll() that tells the master's stuck-child watch when this thread will be
// awake again (scoreboard::report_progress). A wait without a limit (-1)
// promises nothing: if it lasts, the thread counts as stuck.
int watched_poll(scoreboard::Worker* w, pollfd* fds, nfds_t n, int timeout_ms) {
  scoreboard::report_progress(w, util::monotonic_usec(),
                              timeout_ms < 0 ? 0 : util::Usec(timeout_ms) * 1000);
  int r = ::poll(fds, n, timeout_ms);
  const int saved = errno;
  scoreboard::report_progress(w, util::monotonic_usec());
  errno = saved;
  return r;
}

// The engine's side of the connection a serving thread holds (http::Port).
// A handler on another thread (a Deferred completed by an offload callback)
// wakes the serving thread through an eventfd; a handler on the serving
// thread that waits for the connection (a blocking body read, a full
// response stream) moves the connection's bytes itself in pump_nested().
class BlockingPort final : public http::Port {
 public:
  BlockingPort(int wake_fd, int timeout_ms, scoreboard::Worker* worker)
      : wake_fd_(wake_fd), timeout_ms_(timeout_ms), worker_(worker) {}

  void attach(net::Transport* transport, http::Connection* conn) {
    transport_ = transport;
    conn_ = conn;
  }

  void wake() override {
    uint64_t one = 1;
    ssize_t n = ::write(wake_fd_, &one, sizeof one);
    (void)n;  // EAGAIN: already signalled
  }
  bool on_connection_thread() const override { return std::this_thread::get_id() == thread_; }

  bool pump_nested() override {
    conn_->on_wake();
    const uint64_t read_before = conn_->bytes_read();
    const bool output_before = conn_->has_output();
    Wait w = pump(*transport_, *conn_);
    if (conn_->bytes_read() != read_before) return true;  // body bytes for a reader
    if (w == Wait::done) return false;
    if (w == Wait::handler) return output_before;  // drained: a writer may go on
    if (w == Wait::read && output_before) return true;
    pollfd p{transport_->fd(), short(w == Wait::read ? POLLIN : POLLOUT), 0};
    int r = watched_poll(worker_, &p, 1, timeout_ms_);
    if (r == 0) {
      conn_->on_timeout();  // the waiting reader or writer learns it
      return false;
    }
    return r > 0 || errno == EINTR;
  }

 private:
  int wake_fd_;
  int timeout_ms_;
  scoreboard::Worker* worker_;
  net::Transport* transport_ = nullptr;
  http::Connection* conn_ = nullptr;
  std::thread::id thread_ = std::this_thread::get_id();
};

class BlockingLoop {
 public:
  BlockingLoop(const BlockingLoopOptions& o, Services& services, int timeout_ms, int ka_ms)
      : o_(o), services_(services), timeout_ms_(timeout_ms), keepalive_ms_(ka_ms) {}

  StopRequest run() {
    util::UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
    if (!ep) return StopRequest::now;
    // This loop's own descriptors for the listening sockets: it closes them
    // as soon as it stops accepting, even while it still finishes a request,
    // so that once every loop has, new clients are refused, never queued on
    // a socket that nobody will accept from.
    for (size_t i = 0; i < o_.listeners.size(); ++i) acceptors_.emplace_back(o_.listeners[i], i);
    if (o_.on_started) o_.on_started();
    for (uint32_t i = 0; i < acceptors_.size(); ++i) {
      // EPOLLEXCLUSIVE: one connection wakes one waiting process or thread.
      epoll_event ev{EPOLLIN | EPOLLEXCLUSIVE, {.u32 = i}};
      epoll_ctl(ep.get(), EPOLL_CTL_ADD, acceptors_[i].fd(), &ev);
    }
    epoll_event sev{EPOLLIN, {.u32 = kStopTag}};
    epoll_ctl(ep.get(), EPOLL_CTL_ADD, o_.stop.fd, &sev);
    while (true) {
      set_state(o_.worker, scoreboard::State::ready);
      epoll_event events[8];
      scoreboard::report_progress(o_.worker, util::monotonic_usec(), 1'000'000);
      int n = epoll_wait(ep.get(), events, 8, 1000);
      scoreboard::report_progress(o_.worker, util::monotonic_usec());
      services_.tick(services_.clock().now());
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u32 == kStopTag) {
          StopRequest req = o_.stop.poll_request(o_.stop.context);
          if (req == StopRequest::graceful) drain_listen_queues();
          if (req != StopRequest::none) return req;
          continue;
        }
        StopRequest req = accept_and_serve(events[i].data.u32);
        if (req != StopRequest::none) return req;
        if (o_.max_connections != 0 && o_.accepted &&
            o_.accepted->load(std::memory_order_relaxed) >= o_.max_connections) {
          // Recycling: the master and other children keep the sockets open.
          stop_accepting();
          return StopRequest::graceful;
        }
        break;  // re-wait: the other events may be stale after a long connection
      }
    }
  }

 private:
  void stop_accepting() {
    for (Acceptor& a : acceptors_) a.close();
  }

  // Before a graceful exit: serve the connections already waiting in the
  // listen queues, so the last process to close a listening socket resets
  // none of them.
  void drain_listen_queues() {
    draining_ = true;
    for (uint32_t l = 0; l < acceptors_.size(); ++l) {
      uint32_t queued = acceptors_[l].queued();
      for (uint32_t i = 0; i < queued; ++i) {
        if (!try_accept_and_serve(l) || last_request_ == StopRequest::now) break;
      }
    }
    stop_accepting();
  }

  StopRequest accept_and_serve(uint32_t index) {
    try_accept_and_serve(index);
    return last_request_;
  }

  // False when nothing was waiting.
  bool try_accept_and_serve(uint32_t index) {
    if (index >= acceptors_.size()) return false;
    util::Result<Accepted> a = acceptors_[index].accept();
    if (!a) {
      if (Acceptor::out_of_resources(a.error())) {
        // All threads retry every 100 ms (the acceptor logs once per burst).
        pollfd p{o_.stop.fd, POLLIN, 0};
        watched_poll(o_.worker, &p, 1, 100);
      }
      last_request_ = StopRequest::none;
      return false;  // EAGAIN: another process or thread took it
    }
    if (o_.accepted) o_.accepted->fetch_add(1, std::memory_order_relaxed);
    std::unique_ptr<net::Transport> transport = open_transport(o_.transports, *a);
    BlockingPort port(wake_fd_.get(), timeout_ms_, o_.worker);
    http::Connection conn(services_.settings(), services_.handler(), services_.observer(),
                          services_.clock(), services_.dates(), a->peer, &port);
    port.attach(transport.get(), &conn);
    if (draining_) conn.close_after_response();
    last_request_ = serve(*transport, conn);
    // A handler on another thread may still hold the request: the
    // Connection lives until it lets go.
    while (conn.busy()) wait_for_wake(conn, -1);
    return true;
  }

  StopRequest serve(net::Transport& transport, http::Connection& conn) {
    set_state(o_.worker, scoreboard::State::read);
    ReadTimer read_timer(o_.http);
    ConnState state = ConnState::serving;
    StopRequest pending = StopRequest::none;  // what run() returns after this connection
    while (true) {
      uint64_t read_before = conn.bytes_read();
      Wait w = pump(transport, conn);
      // Yielded, and still nothing to read.
      bool missed = yield_gate_.settle(!(w == Wait::read && conn.bytes_read() == read_before));
      // Only between requests: a request arriving byte by byte always goes
      // through the poll below, which enforces its read deadline.
      if (w == Wait::read && conn.idle() && !missed && yield_gate_.should_yield()) {
        // See YieldGate: read again after the other threads had their turn.
        sched_yield();
        yield_gate_.mark_yielded();
        continue;
      }
      services_.tick(services_.clock().now());  // access log flushed even on long connections
      if (w == Wait::done) {
        linger(transport);
        break;
      }
      if (w == Wait::handler) {
        // A handler on another thread has the request: no socket timeout
        // applies; its Port wakes this thread.
        set_state(o_.worker, scoreboard::State::write);
        if (wait_for_wake(conn, 1000) == StopRequest::now) return StopRequest::now;
        continue;
      }
      if (conn.idle()) {
        // Stopping: wait briefly for a request that may be on its way; it is
        // answered with Connection: close.
        if (state == ConnState::last_wait) break;
        if (state == ConnState::stopping) state = ConnState::last_wait;
        set_state(o_.worker, scoreboard::State::keepalive);
      } else {
        set_state(o_.worker, w == Wait::write ? scoreboard::State::write : scoreboard::State::read);
      }
      bool short_wait = state == ConnState::last_wait && conn.idle();
      bool watch_stop = pending == StopRequest::none;
      pollfd p[2] = {{transport.fd(), short(w == Wait::read ? POLLIN : POLLOUT), 0},
                     {o_.stop.fd, POLLIN, 0}};
      // A TLS handshake is bounded by Timeout (and RequestReadTimeout handshake=).
      int wait_ms = conn.idle() && !transport.handshake_pending() ? keepalive_ms_ : timeout_ms_;
      if (short_wait) wait_ms = std::min(wait_ms, kDrainIdleMs);
      util::Usec now = util::monotonic_usec();
      util::Usec read_deadline = read_timer.update(conn, now, transport.handshake_pending());
      if (read_deadline != 0) {
        wait_ms = int(std::clamp<util::Usec>((read_deadline - now + 999) / 1000, 0, wait_ms));
      }
      // A read deadline that passed is a timeout even if bytes keep trickling in.
      int r = read_deadline != 0 && now >= read_deadline
                  ? 0
                  : watched_poll(o_.worker, p, watch_stop ? 2 : 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {
        // The 408 could not be written in time either, or no last request came.
        if (state == ConnState::timed_out || short_wait) break;
        state = ConnState::timed_out;
        conn.on_timeout();
        continue;
      }
      if (watch_stop && (p[1].revents & POLLIN)) {
        StopRequest req = o_.stop.poll_request(o_.stop.context);
        if (req == StopRequest::now) return req;  // abort the connection in hand
        if (req == StopRequest::graceful) {
          pending = req;
          if (state == ConnState::serving) state = ConnState::stopping;
          conn.close_after_response();
          stop_accepting();  // this loop accepts no more
          set_state(o_.worker, scoreboard::State::graceful);
        }
      }
    }
    return pending;
  }

  // Waits up to `ms` (-1: no limit) for the handler's wake, then lets the
  // Connection see it. Watches the stop signal too.
  StopRequest wait_for_wake(http::Connection& conn, int ms) {
    pollfd p[2] = {{wake_fd_.get(), POLLIN, 0}, {o_.stop.fd, POLLIN, 0}};
    int r = watched_poll(o_.worker, p, 2, ms);
    services_.tick(services_.clock().now());
    StopRequest req = StopRequest::none;
    if (r > 0 && (p[1].revents & POLLIN)) req = o_.stop.poll_request(o_.stop.context);
    uint64_t count;
    if (r > 0 && (p[0].revents & POLLIN) && ::read(wake_fd_.get(), &count, sizeof count) > 0) {
      conn.on_wake();
    }
    return req;
  }

  void linger(net::Transport& transport) {
    if (begin_linger(transport)) return;
    for (int waited = 0; waited < kLingerTimeoutMs; waited += 100) {
      pollfd p{transport.fd(), POLLIN, 0};
      if (watched_poll(o_.worker, &p, 1, 100) > 0 && discard_input(transport)) return;
    }
  }

  const BlockingLoopOptions& o_;
  Services& services_;
  util::UniqueFd wake_fd_{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};  // BlockingPort::wake()
  std::vector<Acceptor> acceptors_;  // this loop's copies of the listening sockets
  detail::YieldGate yield_gate_;
  bool draining_ = false;
  StopRequest last_request_ = StopRequest::none;
  int timeout_ms_;
  int keepalive_ms_;
};

}  // namespace

StopRequest run_blocking_loop(const BlockingLoopOptions& options, Services& services,
                              int timeout_ms, int keepalive_timeout_ms) {
  return BlockingLoop(options, services, timeout_ms, keepalive_timeout_ms).run();
}

}  // namespace mpmd::mpm
