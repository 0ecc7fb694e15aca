#include "net/listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace mpmd::net {

std::string Listener::name() const {
  std::string h = host.empty() ? "[::]" : host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

bool open_listener(const std::string& host, uint16_t port, int backlog, Listener& out,
                   std::string& error) {
  struct addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_family = host.empty() ? AF_INET6 : AF_UNSPEC;
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  struct addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(h.empty() ? nullptr : h.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    error = "cannot resolve " + (h.empty() ? std::string("*") : h) + ": " + gai_strerror(rc);
    return false;
  }
  util::UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    error = std::string("socket: ") + std::strerror(errno);
    freeaddrinfo(res);
    return false;
  }
  int one = 1, zero = 0;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (res->ai_family == AF_INET6) {
    // "" means every address: accept IPv4 too. An explicit IPv6 address is IPv6 only.
    int v6only = h.empty() ? 0 : 1;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, h.empty() ? &zero : &v6only, sizeof v6only);
  }
  // Inherited by every accepted connection (see listener.hpp).
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &kNotSentLowat, sizeof kNotSentLowat);
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) {
    error = "could not bind to address " + (h.empty() ? std::string("[::]") : h) + ":" + service +
            ": " + std::strerror(errno);
    freeaddrinfo(res);
    return false;
  }
  freeaddrinfo(res);
  if (::listen(fd.get(), backlog) != 0) {
    error = std::string("listen: ") + std::strerror(errno);
    return false;
  }
  out.fd = std::move(fd);
  out.host = host;
  out.port = port == 0 ? local_port(out.fd.get()) : port;
  return true;
}

uint32_t accept_queue_length(int listen_fd) {
  struct tcp_info info;
  socklen_t len = sizeof info;
  // For a listening socket the kernel reports its accept queue in tcpi_unacked.
  if (getsockopt(listen_fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return 0;
  return info.tcpi_unacked;
}

uint16_t local_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

}  // namespace mpmd::net
