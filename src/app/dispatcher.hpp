// The http::Handler that answers for one application (mounted by
// `SetHandler NAME`): finds the route, runs its handler and turns the
// app::Response into the server's.
//
// Where a handler runs (see include/mpmd/app.hpp): a non-blocking route always
// in handle(); a blocking one in handle() too when the engine has no pool
// (prefork, worker), otherwise on the pool: handle() marks the response
// deferred and returns, the pool thread fills the same Response and fires the
// Completion exactly once, and the engine resumes the connection. A handler
// that calls Response::defer() is answered when its Deferred completes, on
// that thread; one that streams (Response::flush()) completes the HTTP
// response when it starts and ends its stream when it returns.
#pragma once

#include <string_view>
#include <vector>

#include "app/applications.hpp"
#include "config/config.hpp"
#include "http/handler.hpp"
#include "util/executor.hpp"

namespace mpmd::app {

class Dispatcher final : public http::Handler {
 public:
  // `locations` are the config's <Location> blocks (to find the mount prefix);
  // `pool` may be null. Nothing is owned.
  Dispatcher(const Application& app, const std::vector<config::Location>& locations,
             util::Executor* pool);

  void handle(const http::Request& request, http::Response& response) override;

  // The request path below the <Location> this request was routed by:
  // "/app/users/1" under <Location /app> -> "/users/1"; "/app" -> "/".
  std::string_view route_path(std::string_view path) const;

 private:
  const Application& app_;
  const std::vector<config::Location>& locations_;
  util::Executor* pool_;
};

// Runs route `index` of `app` and fills `response` (which must be as the
// Connection handed it over). Never throws: a failing handler gives 500 and
// an error-log line. True when `response` is complete on return (the caller
// hands it to the core). False when it is answered otherwise: a Deferred
// fills it and fires `completion` on the thread that completes it, or a
// stream started and fired `completion` already.
bool run_route(const Application& app, size_t index, const http::Request& request,
               std::string_view route_path, std::vector<Param> params, http::Response& response,
               http::Completion* completion) noexcept;

}  // namespace mpmd::app
