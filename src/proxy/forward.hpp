// One request forwarded to a backend, blocking with timeouts: the request
// head and body out, the response head in, the body streamed back. Runs on
// the serving thread (prefork, worker) or a handler-pool thread (event).
#pragma once

#include <string>

#include "http/handler.hpp"
#include "proxy/backend.hpp"
#include "proxy/balancer.hpp"

namespace mpmd::proxy {

class HostProxy;  // proxy/handler.hpp

struct Target {
  const HostProxy* proxy = nullptr;
  Backend* backend = nullptr;    // the backend, or the balancer's first pick
  Balancer* balancer = nullptr;  // the next member comes from here when one cannot connect
  std::string path;              // the request-target (below the balancer's members' paths)
};

// Forwards `request` and answers `response`. True when `response` is whole
// and not yet handed over (the caller completes it); false when a body
// stream handed it over already (Request::completion was called).
bool forward(const http::Request& request, http::Response& response, const Target& target);

}  // namespace mpmd::proxy
