// One request forwarded to a backend, blocking with timeouts: the request
// head and body out, the response head in, the body streamed back. Runs on
// the serving thread (prefork, worker) or a handler-pool thread (event).
#pragma once

#include <string>

#include "http/handler.hpp"
#include "proxy/backend.hpp"

namespace mpmd::proxy {

class HostProxy;  // proxy/handler.hpp

struct Target {
  const HostProxy* proxy = nullptr;
  Backend* backend = nullptr;
  std::string path;  // the backend's request-target
};

// Forwards `request` and answers `response`. True when `response` is whole
// and not yet handed over (the caller completes it); false when a body
// stream handed it over already (Request::completion was called).
bool forward(const http::Request& request, http::Response& response, const Target& target);

}  // namespace mpmd::proxy
