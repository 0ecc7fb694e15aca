#include "proxy/backend.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace mpmd::proxy {

namespace {

int ms(config::Millis m) {
  return m.count() <= 0 ? -1 : m.count() > 0x7fffffff ? 0x7fffffff : int(m.count());
}

// Waits for `events` on `fd`; false on timeout.
bool wait_for(int fd, short events, config::Millis timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int n = ::poll(&p, 1, ms(timeout));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // the next call reports the error
  }
}

util::UniqueFd connect_to(const sockaddr* addr, socklen_t len, int family, config::Millis timeout,
                          std::string& error, bool& timed_out) {
  util::UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    error = std::string("socket: ") + std::strerror(errno);
    return {};
  }
  if (::connect(fd.get(), addr, len) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      error = std::strerror(errno);
      return {};
    }
    if (!wait_for(fd.get(), POLLOUT, timeout)) {
      timed_out = true;
      error = "connection timed out";
      return {};
    }
    int err = 0;
    socklen_t n = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &n);
    if (err != 0) {
      error = std::strerror(err);
      return {};
    }
  }
  return fd;
}

}  // namespace

IoError Conn::write_all(std::string_view data, config::Millis timeout) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd_.get(), POLLOUT, timeout)) return IoError::timeout;
      continue;
    }
    return errno == EPIPE || errno == ECONNRESET ? IoError::closed : IoError::failed;
  }
  return IoError::none;
}

IoError Conn::read_some(std::span<char> into, size_t& got, config::Millis timeout) {
  got = 0;
  for (;;) {
    ssize_t n = ::recv(fd_.get(), into.data(), into.size(), 0);
    if (n >= 0) {
      got = size_t(n);
      return n == 0 ? IoError::closed : IoError::none;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd_.get(), POLLIN, timeout)) return IoError::timeout;
      continue;
    }
    return errno == ECONNRESET ? IoError::closed : IoError::failed;
  }
}

Backend::Backend(const config::ProxyRoute& route, config::Millis default_timeout)
    : route_(route),
      timeout_(route.timeout.count() > 0 ? route.timeout : default_timeout),
      connect_timeout_(route.connection_timeout.count() > 0 ? route.connection_timeout : timeout_),
      ttl_(route.ttl.count() > 0 ? route.ttl : kDefaultTtl),
      max_idle_(route.max > 0 ? route.max : kDefaultMaxIdle) {
  name_ = route.unix_path.empty() ? "http://" + route.host + ":" + std::to_string(route.port)
                                  : "unix:" + route.unix_path;
}

bool Backend::in_error(util::Usec now) const {
  std::lock_guard lock(mutex_);
  return now < error_until_;
}

void Backend::mark_error(util::Usec now) {
  std::lock_guard lock(mutex_);
  error_until_ = now + route_.retry.count() * 1000;
  idle_.clear();  // what was kept of a backend that failed is suspect too
}

void Backend::mark_ok() {
  std::lock_guard lock(mutex_);
  error_until_ = 0;
}

Conn Backend::take_idle(util::Usec now) {
  for (;;) {
    util::UniqueFd fd;
    {
      std::lock_guard lock(mutex_);
      while (!idle_.empty() && now - idle_.front().since >= ttl_.count() * 1000) {
        idle_.pop_front();
      }
      if (idle_.empty()) return {};
      fd = std::move(idle_.back().fd);
      idle_.pop_back();
    }
    // Still open, with nothing unread? (A backend that closed it, or sent
    // bytes nobody asked for, makes it readable.) Apache checks the same.
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) return Conn(std::move(fd), true);
  }
}

util::UniqueFd Backend::connect(std::string& error, bool& timed_out) {
  timed_out = false;
  util::UniqueFd fd;
  if (!route_.unix_path.empty()) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (route_.unix_path.size() >= sizeof addr.sun_path) {
      error = "socket path too long";
      return {};
    }
    std::memcpy(addr.sun_path, route_.unix_path.data(), route_.unix_path.size());
    fd = connect_to(reinterpret_cast<sockaddr*>(&addr), sizeof addr, AF_UNIX, connect_timeout_,
                    error, timed_out);
  } else {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* list = nullptr;
    std::string port = std::to_string(route_.port);
    if (int rc = ::getaddrinfo(route_.host.c_str(), port.c_str(), &hints, &list); rc != 0) {
      error = std::string("cannot resolve ") + route_.host + ": " + gai_strerror(rc);
      return {};
    }
    for (addrinfo* a = list; a && !fd; a = a->ai_next) {
      fd = connect_to(a->ai_addr, a->ai_addrlen, a->ai_family, connect_timeout_, error, timed_out);
    }
    ::freeaddrinfo(list);
    if (fd) {
      int one = 1;
      ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (route_.keepalive) ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    }
  }
  if (fd) error.clear();
  return fd;
}

void Backend::give_back(Conn conn, util::Usec now) {
  if (route_.disable_reuse || !conn.open()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() >= max_idle_) idle_.pop_front();
  idle_.push_back({conn.release(), now});
}

}  // namespace mpmd::proxy
