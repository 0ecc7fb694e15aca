// The http::Handler behind ProxyPass: finds the route, then forwards the
// request to its backend over HTTP/1.1 and streams the answer back.
//
// Where it runs: under prefork and worker on the serving thread, blocking
// with timeouts (poll). Under event it runs on the child's handler pool
// (handle() marks the response deferred and returns): a request holds a pool
// thread while its backend answers and while a slow client takes the body.
// The non-blocking path in the event loop itself is still to come.
//
// Bodies stream both ways in windows of ProxyIOBufferSize: the request body
// through RequestBody::read_wait, the response body through an http::BodyPipe
// (write_wait: a slow client makes the proxy wait, never buffer the whole).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/handler.hpp"
#include "proxy/backend.hpp"
#include "proxy/balancer.hpp"
#include "util/executor.hpp"

namespace mpmd::proxy {

// The proxy of one host (the main server or a <VirtualHost>) in one child:
// its settings and one Backend (with its connection pool) per ProxyPass.
// Shared by the child's threads.
class HostProxy {
 public:
  // `settings` must outlive this; `timeout`: the Timeout directive's value;
  // `server_name`: the host's ServerName (X-Forwarded-Server).
  HostProxy(const config::Proxy& settings, config::Millis timeout, std::string server_name);

  const config::Proxy& settings() const { return settings_; }
  const std::string& server_name() const { return server_name_; }
  // Backend of routes()[i]; null for an exclusion (ProxyPass PATH !) and a balancer.
  Backend* backend(size_t i) const { return backends_[i].get(); }
  // Balancer of routes()[i] (ProxyPass PATH balancer://NAME), else null.
  Balancer* balancer(size_t i) const { return route_balancers_[i]; }
  // The URL-path prefixes to mount the handler at ("/" for a ProxyPassMatch).
  std::vector<std::string> mount_points() const;
  // Whether a route forwards `path` (decoded, normalised): the first that
  // matches is not an exclusion (`!`). The others are the host's own (Alias,
  // static files), as Apache's.
  bool claims(std::string_view path) const;

 private:
  const config::Proxy& settings_;
  std::string server_name_;
  std::vector<std::unique_ptr<Backend>> backends_;  // as settings_.routes
  std::vector<std::unique_ptr<Balancer>> balancers_;
  std::vector<Balancer*> route_balancers_;  // as settings_.routes
};

// `fallback` answers excluded paths (ProxyPass PATH !): the host's static
// files. `pool`: the handler pool (event), null to run in place.
std::unique_ptr<http::Handler> make_handler(const HostProxy& proxy, http::Handler& fallback,
                                            util::Executor* pool);

}  // namespace mpmd::proxy
