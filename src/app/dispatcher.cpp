#include "app/dispatcher.hpp"

#include <exception>
#include <memory>

#include "app/route_call.hpp"
#include "handlers/router.hpp"
#include "http/error_page.hpp"

namespace mpmd::app {

bool run_route(const Application& app, size_t index, const http::Request& request,
               std::string_view route_path, std::vector<Param> params, http::Response& response,
               http::Completion* completion) noexcept {
  try {
    const Registry::Route& route = app.route(index);
    // Owned by a shared_ptr so that a deferred response outlives this call;
    // the response owns the call (its sink), which owns the body reader.
    auto out = std::make_shared<Response>();
    auto call = std::make_shared<RouteCall>(app, index, request, response, completion);
    out->set_sink(call);
    Request in = make_request(request, route_path, std::move(params), call->reader());
    std::string failure;
    try {
      route.handler(in, *out);
    } catch (const std::exception& e) {
      failure = std::string("threw: ") + e.what();
    } catch (...) {
      failure = "threw an exception that is not a std::exception";
    }
    const std::shared_ptr<detail::Deferral> deferral = out->deferral();
    if (!failure.empty()) {
      // Whoever holds a Deferred may still write into `out`: it stays alive
      // (the Deferral keeps it) but is no longer read.
      if (deferral) deferral->attach([] {});
      return call->finish(*out, failure);
    }
    if (deferral) {
      // Answered when the holder of the Deferred completes it, on its
      // thread; the connection waits meanwhile without a thread (event) or
      // with its serving thread in its loop (prefork, worker).
      bool later = deferral->attach([call, out] {
        if (call->finish(*out, "")) call->completion()->complete();
      });
      if (later) return false;
    }
    return call->finish(*out, "");
  } catch (...) {
    answer_500(response);
  }
  return true;
}

Dispatcher::Dispatcher(const Application& app, const std::vector<config::Location>& locations,
                       util::Executor* pool)
    : app_(app), locations_(locations), pool_(pool) {}

std::string_view Dispatcher::route_path(std::string_view path) const {
  // The Router chose the last matching <Location> in file order; so do we.
  for (auto it = locations_.rbegin(); it != locations_.rend(); ++it) {
    if (!handlers::location_matches(it->path, path)) continue;
    size_t keep = it->path.size();
    if (keep > 0 && it->path.back() == '/') --keep;  // "/app/" keeps the slash of "/app/x"
    std::string_view rest = path.substr(keep);
    return rest.empty() ? std::string_view("/") : rest;
  }
  return path;
}

void Dispatcher::handle(const http::Request& request, http::Response& response) {
  std::string_view rel = route_path(request.path);
  RouteTable::Match m = app_.routes().match(request.method_text, rel);
  switch (m.result) {
    case RouteTable::Match::Result::not_found:
      http::error_page(response, 404);
      return;
    case RouteTable::Match::Result::method_not_allowed:
      http::error_page(response, 405);
      response.headers.push_back({"Allow", std::move(m.allow)});
      return;
    case RouteTable::Match::Result::options:
      response.status = 204;
      response.headers.push_back({"Allow", std::move(m.allow)});
      return;
    case RouteTable::Match::Result::found:
      break;
  }
  const Registry::Route& route = app_.route(m.index);
  http::Completion* completion = request.completion;
  if (route.mode == Mode::non_blocking || !pool_) {
    // Deferred unless run_route answers before it returns (a Deferred or a
    // started stream leaves it pending; the flag is set first because the
    // completion may fire on another thread before run_route returns).
    response.deferred = true;
    if (run_route(app_, m.index, request, rel, std::move(m.params), response, completion)) {
      response.deferred = false;
    }
    return;
  }
  response.deferred = true;
  const Application* app = &app_;
  size_t index = m.index;
  try {
    pool_->submit(
        [app, index, &request, &response, rel, params = std::move(m.params), completion]() mutable {
          if (run_route(*app, index, request, rel, std::move(params), response, completion)) {
            completion->complete();
          }
        });
  } catch (...) {
    // Could not queue it (no memory): answer here instead of never.
    response.deferred = false;
    answer_500(response);
  }
}

}  // namespace mpmd::app
