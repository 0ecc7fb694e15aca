#include "python/wsgi_handler.hpp"

#include "handlers/static_files/path.hpp"
#include "http/error_page.hpp"
#include "python/daemon_client.hpp"
#include "python/environ.hpp"
#include "python/http_exchange.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::python {

namespace {

class WsgiHandler final : public http::Handler {
 public:
  WsgiHandler(const Hosting& hosting, const HandlerOptions& options)
      : hosting_(hosting), options_(options) {}

  void handle(const http::Request& request, http::Response& response) override {
    std::string path;
    if (auto e = static_files::clean_path(request.path, path); e != static_files::PathError::none) {
      http::error_page(response, e == static_files::PathError::bad_request ? 400 : 404);
      return;
    }
    const config::WsgiAlias* alias = hosting_.find_alias(path);
    if (!alias) {
      http::error_page(response, 404);
      return;
    }
    Route route = hosting_.route(*alias, path);
    if (route.process_group.empty() && hosting_.wsgi().restrict_embedded) {
      log::emit(log::LogLevel::error, log::ids::kWsgiError,
                "WSGI " + alias->url +
                    ": WSGIRestrictEmbedded On and no process group; "
                    "answered 500");
      http::error_page(response, 500);
      return;
    }
    // Deferred unless run() answers before it returns (the flag is set
    // first: a stream may complete the response on another thread).
    response.deferred = true;
    if (options_.pool) {
      try {
        options_.pool->submit([this, &request, &response, path = std::move(path), route] {
          if (run(request, response, path, route)) request.completion->complete();
        });
      } catch (...) {
        response.deferred = false;
        http::error_page(response, 500);
      }
      return;
    }
    if (run(request, response, path, route)) response.deferred = false;
  }

 private:
  // True when `response` is whole and not yet handed over.
  bool run(const http::Request& request, http::Response& response, const std::string& path,
           const Route& route) {
    api::Call call;
    call.script = route.alias->script;
    call.group = route.application_group;
    call.reload = route.reload;
    call.multithread = options_.multithread;
    call.multiprocess = options_.multiprocess;
    call.environ = make_environ(request, path, route, hosting_);
    if (response.remote_user) {  // a Basic login let the request in (mod_wsgi passes both)
      call.environ.emplace_back("REMOTE_USER", *response.remote_user);
      call.environ.emplace_back("AUTH_TYPE", "Basic");
    }
    for (const auto& [name, value] : response.environment) {  // SetEnv, SetEnvIf (as mod_wsgi)
      call.environ.emplace_back(name, value);
    }
    api::Stats stats;
    bool whole;
    if (!route.process_group.empty()) {
      whole = call_daemon(hosting_, route, call, request, response, stats);
    } else {
      HttpExchange exchange(request, response, "WSGI " + route.alias->url);
      stats = hosting_.host().handle(call, exchange);
      whole = exchange.answered_whole();
    }
    if (options_.worker) {
      auto relaxed = std::memory_order_relaxed;
      options_.worker->gil_wait_usec.fetch_add(stats.gil_wait_usec, relaxed);
      options_.worker->python_requests.fetch_add(1, relaxed);
    }
    return whole;
  }

  const Hosting& hosting_;
  HandlerOptions options_;
};

}  // namespace

std::unique_ptr<http::Handler> make_handler(const Hosting& hosting, const HandlerOptions& options) {
  return std::make_unique<WsgiHandler>(hosting, options);
}

}  // namespace mpmd::python
