// The one acceptor of every engine: takes connections from a listening socket
// (non-blocking, close-on-exec), names their peer, handles the lack of
// descriptors or memory (logged once per burst), and tells how many
// connections are queued, so a stopping loop serves them before it closes.
#pragma once

#include <cstdint>
#include <memory>

#include "http/request.hpp"
#include "net/listener.hpp"
#include "net/transport.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm {

struct Accepted {
  util::UniqueFd fd;  // non-blocking, close-on-exec
  http::Peer peer;
  size_t listener = 0;  // index of the listening socket it arrived on
};

// The connection's transport, made by `factory` (TLS on the ports that speak
// it), or a plain one when there is no factory. Points `accepted.peer` at
// the transport's TLS facts.
std::unique_ptr<net::Transport> open_transport(const net::TransportFactory* factory,
                                               Accepted& accepted);

class Acceptor {
 public:
  // Holds its own descriptor of `listener`'s socket, so the loop can stop
  // accepting (close()) while the process's other loops go on. Check ok().
  // `index`: the listener's position in the child's listeners (Accepted::listener).
  explicit Acceptor(const net::Listener& listener, size_t index = 0);

  bool ok() const { return bool(fd_); }
  int fd() const { return fd_.get(); }

  // One connection. The error's code is EAGAIN when none is waiting (or
  // another process took it), or the errno of a lack of resources (see
  // out_of_resources()), which is logged once per burst per process: a
  // successful accept ends the burst. Aborted connections and signals retry.
  util::Result<Accepted> accept();

  // Connections waiting in the listen queue now (0 once closed). A loop that
  // stops gracefully serves these first: later arrivals are for the loops
  // still accepting, and nothing queued is reset when the last one closes.
  uint32_t queued() const;

  // Stops accepting here: closes this loop's descriptor.
  void close() { fd_.reset(); }

  // EMFILE, ENFILE, ENOBUFS or ENOMEM: pause accepting for a while.
  static bool out_of_resources(const util::Error& error);

 private:
  util::UniqueFd fd_;
  uint16_t port_;
  std::string host_;
  size_t index_;
};

}  // namespace mpmd::mpm
