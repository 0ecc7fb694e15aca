#include "mpm/common/acceptor.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "net/socket_io.hpp"
#include "util/error_log.hpp"

namespace mpmd::mpm {

namespace {
// Set while accept fails for lack of resources (shared by a process's loops).
std::atomic<bool> failure_burst{false};
}  // namespace

Acceptor::Acceptor(const net::Listener& listener, size_t index)
    : fd_(fcntl(listener.fd.get(), F_DUPFD_CLOEXEC, 0)),
      port_(listener.port),
      host_(listener.host),
      index_(index) {}

std::unique_ptr<net::Transport> open_transport(const net::TransportFactory* factory,
                                               Accepted& accepted) {
  std::unique_ptr<net::Transport> t =
      factory ? factory->wrap(std::move(accepted.fd), accepted.listener)
              : std::make_unique<net::PlainTransport>(std::move(accepted.fd));
  accepted.peer.tls = t->tls_session();
  return t;
}

util::Result<Accepted> Acceptor::accept() {
  if (!fd_) return util::Error{"accept: not listening", EAGAIN};
  while (true) {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd =
        accept4(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      // The common case (the queue is empty) builds no message.
      if (err == EAGAIN || err == EWOULDBLOCK) return util::Error{{}, EAGAIN};
      util::Error error = util::Error::from_errno("accept", err);
      if (out_of_resources(error) && !failure_burst.exchange(true)) {
        log::emit(log::LogLevel::error, log::ids::kAcceptFailed,
                  std::string("accept: ") + std::strerror(err) +
                      "; pausing new connections until descriptors free up");
      }
      return error;
    }
    if (failure_burst.load(std::memory_order_relaxed)) failure_burst = false;
    // TCP_NODELAY and TCP_NOTSENT_LOWAT come from the listener (net/listener.hpp).
    Accepted a{util::UniqueFd(fd), {}, index_};
    net::PeerAddress pa = net::describe_peer(&ss);
    a.peer.address = pa.text;
    a.peer.port = pa.port;
    a.peer.local_port = port_;
    a.peer.local_address = host_;
    return a;
  }
}

uint32_t Acceptor::queued() const {
  return fd_ ? net::accept_queue_length(fd_.get()) : 0;
}

bool Acceptor::out_of_resources(const util::Error& error) {
  int e = error.code;
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace mpmd::mpm
