#include "proxy/handler.hpp"

#include "handlers/router.hpp"
#include "handlers/static_files/path.hpp"
#include "http/error_page.hpp"
#include "proxy/forward.hpp"
#include "proxy/message.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::proxy {

HostProxy::HostProxy(const config::Proxy& settings, config::Millis timeout, std::string server_name)
    : settings_(settings), server_name_(std::move(server_name)) {
  const config::Millis t = settings.timeout.count() > 0 ? settings.timeout : timeout;
  for (const config::ProxyBalancer& b : settings.balancers) {
    balancers_.push_back(std::make_unique<Balancer>(b, t));
  }
  for (const config::ProxyRoute& r : settings.routes) {
    Balancer* balancer = nullptr;
    for (auto& b : balancers_) {
      if (!r.balancer.empty() && util::iequals(b->name(), r.balancer)) balancer = b.get();
    }
    if (!r.balancer.empty() && (!balancer || balancer->empty())) {
      log::emit(log::LogLevel::error, log::ids::kConfigError,
                "ProxyPass " + r.path + " at " + r.origin + ": balancer://" + r.balancer +
                    " has no BalancerMember; answering 503");
    }
    route_balancers_.push_back(balancer);
    bool single = !r.excluded && r.balancer.empty();
    backends_.push_back(single ? std::make_unique<Backend>(r, t) : nullptr);
  }
}

std::vector<std::string> HostProxy::mount_points() const {
  std::vector<std::string> out;
  for (const config::ProxyRoute& r : settings_.routes) {
    // ProxyPassMatch: any path may match (claims() tells which do).
    if (!r.excluded) out.push_back(r.regex ? "/" : r.path);
  }
  return out;
}

namespace {

bool route_matches(const config::ProxyRoute& route, std::string_view path,
                   std::vector<std::string_view>& groups) {
  if (route.regex) return route.regex->match(path, groups);
  return route.path == "/" || handlers::location_matches(route.path, path);
}

// ProxyRequests Off: an absolute-form request (GET http://host/...) is a
// forward-proxy request unless it names this host (its ServerName, the
// address it came to, localhost).
bool foreign_absolute_form(const http::Request& request, const std::string& server_name) {
  if (request.target.empty() || request.target[0] == '/' || request.target == "*") return false;
  std::string_view host = request.host;
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos && host.back() != ']') {
    host = host.substr(0, colon);
  }
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (util::iequals(host, server_name) || util::iequals(host, "localhost")) return false;
  return !(request.peer && host == request.peer->local_address);
}

}  // namespace

bool HostProxy::claims(std::string_view path) const {
  std::vector<std::string_view> groups;
  for (const config::ProxyRoute& r : settings_.routes) {
    if (route_matches(r, path, groups)) return !r.excluded;
  }
  return false;
}

namespace {

class ProxyHandler final : public http::Handler {
 public:
  ProxyHandler(const HostProxy& proxy, http::Handler& fallback, util::Executor* pool)
      : proxy_(proxy), fallback_(fallback), pool_(pool) {}

  void handle(const http::Request& request, http::Response& response) override {
    std::string storage;
    std::string_view path;
    if (auto e = static_files::section_path(request.path, storage, path);
        e != static_files::PathError::none) {
      http::error_page(response, e == static_files::PathError::bad_request ? 400 : 404);
      return;
    }
    const auto& routes = proxy_.settings().routes;
    size_t i = 0;
    std::vector<std::string_view> groups;
    while (i < routes.size() && !route_matches(routes[i], path, groups)) ++i;
    if (i == routes.size() || routes[i].excluded) return fallback_.handle(request, response);
    if (foreign_absolute_form(request, proxy_.server_name())) {
      http::error_page(response, 403);
      return;
    }
    Target target{&proxy_, proxy_.backend(i), proxy_.balancer(i),
                  routes[i].regex ? match_target(routes[i], path, groups, request.query)
                                  : backend_target(routes[i], path, request.query)};
    const util::Usec now = util::monotonic_usec();
    if (!routes[i].balancer.empty()) {
      target.backend = target.balancer ? target.balancer->pick(now, {}) : nullptr;
    } else if (target.backend->in_error(now)) {
      target.backend = nullptr;
    }
    if (!target.backend) {
      // retry=: a backend that failed is not tried again before then.
      if (log::error_log().enabled(log::LogLevel::error)) {
        std::string client = request.peer ? request.peer->address : std::string("-");
        std::string what = routes[i].balancer.empty() ? proxy_.backend(i)->name()
                                                      : "balancer://" + routes[i].balancer;
        log::emit(log::LogLevel::error, log::ids::kProxyBackendDown,
                  log::cat("[client ", client, "] proxy to ", what,
                           ": in error state (retry=); answered 503"));
      }
      http::error_page(response, 503);
      return;
    }
    // Deferred unless forward() answers whole before it returns (the flag is
    // set first: a stream completes the response from inside forward()).
    response.deferred = true;
    if (pool_) {
      try {
        pool_->submit([&request, &response, target = std::move(target)] {
          if (forward(request, response, target)) request.completion->complete();
        });
      } catch (...) {
        response.deferred = false;
        http::error_page(response, 500);
      }
      return;
    }
    if (forward(request, response, target)) response.deferred = false;
  }

 private:
  const HostProxy& proxy_;
  http::Handler& fallback_;
  util::Executor* pool_;
};

}  // namespace

std::unique_ptr<http::Handler> make_handler(const HostProxy& proxy, http::Handler& fallback,
                                            util::Executor* pool) {
  return std::make_unique<ProxyHandler>(proxy, fallback, pool);
}

}  // namespace mpmd::proxy
