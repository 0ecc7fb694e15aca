#include "mpm/common/blocking.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "mpm/common/driver.hpp"
#include "mpm/common/read_timeout.hpp"
#include "net/socket_io.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm {

namespace {

constexpr uint32_t kStopTag = UINT32_MAX;
constexpr int kDrainIdleMs = 1000;  // stopping: wait for one more request

// Set while accept fails for lack of descriptors (shared by a process's threads).
std::atomic<bool> accept_failure_burst{false};

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
    for (const auto& l : o_.listeners) fds_.emplace_back(fcntl(l.fd.get(), F_DUPFD_CLOEXEC, 0));
    if (o_.on_started) o_.on_started();
    for (uint32_t i = 0; i < fds_.size(); ++i) {
      // EPOLLEXCLUSIVE: one connection wakes one waiting process or thread.
      epoll_event ev{EPOLLIN | EPOLLEXCLUSIVE, {.u32 = i}};
      epoll_ctl(ep.get(), EPOLL_CTL_ADD, fds_[i].get(), &ev);
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
          fds_.clear();
          return StopRequest::graceful;
        }
        break;  // re-wait: the other events may be stale after a long connection
      }
    }
  }

 private:
  // Before a graceful exit: serve the connections already waiting in the
  // listen queues, so the last process to close a listening socket resets
  // none of them.
  void drain_listen_queues() {
    draining_ = true;
    for (uint32_t l = 0; l < fds_.size(); ++l) {
      // What is queued now; later arrivals are for the loops still accepting.
      uint32_t queued = fds_[l] ? net::accept_queue_length(fds_[l].get()) : 0;
      for (uint32_t i = 0; i < queued; ++i) {
        if (!try_accept_and_serve(l) || last_request_ == StopRequest::now) break;
      }
    }
    fds_.clear();
  }

  StopRequest accept_and_serve(uint32_t index) {
    try_accept_and_serve(index);
    return last_request_;
  }

  // False when nothing was waiting.
  bool try_accept_and_serve(uint32_t index) {
    if (index >= fds_.size() || !fds_[index]) return false;
    const net::Listener& l = o_.listeners[index];
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept4(fds_[index].get(), reinterpret_cast<sockaddr*>(&ss), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Once per burst per process (all threads retry every 100 ms); a
        // successful accept ends the burst.
        if (!accept_failure_burst.exchange(true)) {
          log::emit(log::LogLevel::error, log::ids::kAcceptFailed,
                    std::string("accept: ") + std::strerror(errno) +
                        "; pausing new connections until descriptors free up");
        }
        pollfd p{o_.stop.fd, POLLIN, 0};
        poll(&p, 1, 100);
      }
      last_request_ = StopRequest::none;
      return false;  // EAGAIN: another process or thread took it
    }
    if (accept_failure_burst.load(std::memory_order_relaxed)) accept_failure_burst = false;
    if (o_.accepted) o_.accepted->fetch_add(1, std::memory_order_relaxed);
    util::UniqueFd conn_fd(fd);
    // TCP_NODELAY and TCP_NOTSENT_LOWAT come from the listener (net/listener.hpp).
    http::Peer peer;
    net::PeerAddress pa = net::describe_peer(&ss);
    peer.address = pa.text;
    peer.port = pa.port;
    peer.local_port = l.port;
    peer.local_address = l.host;
    http::Connection conn(services_.settings(), services_.handler(), services_.observer(),
                          services_.clock(), services_.dates(), peer);
    if (draining_) conn.close_after_response();
    last_request_ = serve(fd, conn);
    return true;
  }

  StopRequest serve(int fd, http::Connection& conn) {
    set_state(o_.worker, scoreboard::State::read);
    ReadTimer read_timer(o_.http);
    bool timed_out = false;
    bool drained_idle = false;
    bool watch_stop = true;
    StopRequest pending = StopRequest::none;
    bool yielded = false;
    while (true) {
      uint64_t read_before = conn.bytes_read();
      Wait w = pump(fd, conn);
      bool missed = false;  // yielded, and still nothing to read
      if (yielded) {
        missed = w == Wait::read && conn.bytes_read() == read_before;
        yield_gate_.record(!missed);
        yielded = false;
      }
      // Only between requests: a request arriving byte by byte always goes
      // through the poll below, which enforces its read deadline.
      if (w == Wait::read && conn.idle() && !missed && yield_gate_.should_yield()) {
        // See YieldGate: read again after the other threads had their turn.
        sched_yield();
        yielded = true;
        continue;
      }
      services_.tick(services_.clock().now());  // access log flushed even on long connections
      if (w == Wait::done) {
        linger(fd);
        break;
      }
      bool draining_idle = false;
      if (conn.idle()) {
        // Stopping: wait briefly for a request that may be on its way; it is
        // answered with Connection: close.
        if (pending == StopRequest::graceful) {
          if (drained_idle) break;
          drained_idle = draining_idle = true;
        }
        set_state(o_.worker, scoreboard::State::keepalive);
      } else {
        set_state(o_.worker, w == Wait::write ? scoreboard::State::write : scoreboard::State::read);
      }
      pollfd p[2] = {{fd, short(w == Wait::read ? POLLIN : POLLOUT), 0}, {o_.stop.fd, POLLIN, 0}};
      int wait_ms = conn.idle() ? keepalive_ms_ : timeout_ms_;
      if (draining_idle) wait_ms = std::min(wait_ms, kDrainIdleMs);
      util::Usec now = util::monotonic_usec();
      util::Usec read_deadline = read_timer.update(conn, now);
      if (read_deadline != 0) {
        wait_ms = int(std::clamp<util::Usec>((read_deadline - now + 999) / 1000, 0, wait_ms));
      }
      // A read deadline that passed is a timeout even if bytes keep trickling in.
      int r = read_deadline != 0 && now >= read_deadline ? 0 : poll(p, watch_stop ? 2 : 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) {
        if (timed_out || draining_idle) break;  // the 408 could not be written in time either
        timed_out = true;
        conn.on_timeout();
        continue;
      }
      if (watch_stop && (p[1].revents & POLLIN)) {
        StopRequest req = o_.stop.poll_request(o_.stop.context);
        if (req == StopRequest::now) return req;  // abort the connection in hand
        if (req == StopRequest::graceful) {
          pending = req;
          watch_stop = false;
          conn.close_after_response();
          fds_.clear();  // this loop accepts no more
          set_state(o_.worker, scoreboard::State::graceful);
        }
      }
    }
    return pending;
  }

  static void linger(int fd) {
    if (begin_linger(fd)) return;
    for (int waited = 0; waited < kLingerTimeoutMs; waited += 100) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) > 0 && discard_input(fd)) return;
    }
  }

  const BlockingLoopOptions& o_;
  Services& services_;
  std::vector<util::UniqueFd> fds_;  // this loop's copies of the listening sockets
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
