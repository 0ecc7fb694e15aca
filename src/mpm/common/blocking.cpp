#include "mpm/common/blocking.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "mpm/common/acceptor.hpp"
#include "mpm/common/driver.hpp"
#include "mpm/common/read_timeout.hpp"
#include "net/transport.hpp"
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
    for (const auto& l : o_.listeners) acceptors_.emplace_back(l);
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
      int n = epoll_wait(ep.get(), events, 8, 1000);
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
        poll(&p, 1, 100);
      }
      last_request_ = StopRequest::none;
      return false;  // EAGAIN: another process or thread took it
    }
    if (o_.accepted) o_.accepted->fetch_add(1, std::memory_order_relaxed);
    net::PlainTransport transport(std::move(a->fd));
    http::Connection conn(services_.settings(), services_.handler(), services_.observer(),
                          services_.clock(), services_.dates(), a->peer);
    if (draining_) conn.close_after_response();
    last_request_ = serve(transport, conn);
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
      int wait_ms = conn.idle() ? keepalive_ms_ : timeout_ms_;
      if (short_wait) wait_ms = std::min(wait_ms, kDrainIdleMs);
      util::Usec now = util::monotonic_usec();
      util::Usec read_deadline = read_timer.update(conn, now);
      if (read_deadline != 0) {
        wait_ms = int(std::clamp<util::Usec>((read_deadline - now + 999) / 1000, 0, wait_ms));
      }
      // A read deadline that passed is a timeout even if bytes keep trickling in.
      int r = read_deadline != 0 && now >= read_deadline ? 0 : poll(p, watch_stop ? 2 : 1, wait_ms);
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

  static void linger(net::Transport& transport) {
    if (begin_linger(transport)) return;
    for (int waited = 0; waited < kLingerTimeoutMs; waited += 100) {
      pollfd p{transport.fd(), POLLIN, 0};
      if (poll(&p, 1, 100) > 0 && discard_input(transport)) return;
    }
  }

  const BlockingLoopOptions& o_;
  Services& services_;
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
