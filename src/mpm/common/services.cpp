#include "mpm/common/services.hpp"

#include <unistd.h>

#include <optional>

#include "app/dispatcher.hpp"
#include "handlers/router.hpp"
#include "handlers/static_files/static_files.hpp"
#include "handlers/status/metrics_handler.hpp"
#include "handlers/status/status_handler.hpp"
#include "log/access_log.hpp"
#include "util/error_log.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace mpmd::mpm {

http::Settings http_settings(const config::Config& config, http::BufferPool* buffers) {
  http::Settings s;
  s.buffers = buffers;
  s.limits.request_line = config.http.limit_request_line;
  s.limits.request_field_size = config.http.limit_request_field_size;
  s.limits.request_fields = config.http.limit_request_fields;
  s.limits.request_body = config.http.limit_request_body;
  s.keep_alive = config.http.keep_alive;
  s.max_keepalive_requests = config.http.max_keepalive_requests;
  const std::string& tokens = config.http.server_tokens;
  if (util::iequals(tokens, "prod") || util::iequals(tokens, "productonly")) {
    s.server_header = std::string(kName);
  } else {
    s.server_header = std::string(kName) + "/" + std::string(kVersion);
  }
  return s;
}

namespace {
std::string server_name(const config::Config& config) {
  if (!config.server_name.empty()) return config.server_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}
}  // namespace

// Shows each request in the thread's scoreboard slot while it runs (the
// status page's Request/Client/VHost columns), then hands it to the router.
class RecordingHandler final : public http::Handler {
 public:
  RecordingHandler(scoreboard::Worker& worker, http::Handler& next)
      : worker_(worker), next_(next) {}

  void handle(const http::Request& request, http::Response& response) override {
    worker_.start_usec.store(request.start, std::memory_order_relaxed);
    worker_.request.set(request.request_line);
    if (request.peer) worker_.client.set(request.peer->address);
    worker_.vhost.set(request.host);
    worker_.protocol.set(request.version == http::Version::http10 ? "http/1.0" : "http/1.1");
    next_.handle(request, response);
  }

 private:
  scoreboard::Worker& worker_;
  http::Handler& next_;
};

// Counts each finished exchange in the thread's scoreboard slot, then hands
// it to the access log.
class ScoreboardRecorder final : public http::ExchangeObserver {
 public:
  ScoreboardRecorder(scoreboard::Worker& worker, log::AccessLog& access)
      : worker_(worker), access_(access) {}

  void on_exchange(const http::Request& request, const http::Response& response,
                   const http::Exchange& exchange) override {
    auto relaxed = std::memory_order_relaxed;
    worker_.access_count.fetch_add(1, relaxed);
    worker_.my_access_count.fetch_add(1, relaxed);
    worker_.bytes_served.fetch_add(exchange.body_bytes_sent, relaxed);
    worker_.my_bytes_served.fetch_add(exchange.body_bytes_sent, relaxed);
    worker_.stop_usec.store(exchange.end, relaxed);
    worker_.last_used_usec.store(exchange.end, relaxed);
    if (exchange.end > request.start) {
      worker_.duration_usec.fetch_add(uint64_t(exchange.end - request.start), relaxed);
    }
    if (access_.sink_count() > 0) access_.on_exchange(request, response, exchange);
  }

 private:
  scoreboard::Worker& worker_;
  log::AccessLog& access_;
};

handlers::status::StatusFacts status_facts(const ChildEnv& env) {
  handlers::status::StatusFacts f;
  f.server_name = env.config->server_name;
  f.server_version = std::string(kName) + "/" + std::string(kVersion);
  f.mpm = env.config->mpm.name;
  f.server_limit = env.server_limit;
  f.threads_per_child = env.threads_per_child;
  f.max_request_workers = env.max_request_workers;
  f.async = f.mpm == "event";
  return f;
}

namespace {
std::unique_ptr<static_files::StaticFiles> make_static_files(const ChildEnv& env,
                                                             const util::Clock& clock) {
  auto files = std::make_unique<static_files::StaticFiles>(env.config->files, clock);
  if (!files->ok()) {
    log::emit(log::LogLevel::error, log::ids::kConfigError,
              "static files: " + files->error() + "; answering 500");
  }
  return files;
}
}  // namespace

SharedServices::SharedServices(const ChildEnv& env) : files_(make_static_files(env, clock_)) {}

SharedServices::~SharedServices() = default;

struct Services::Impl {
  Impl(const ChildEnv& env, const util::Clock& clock, scoreboard::Worker* worker,
       SharedServices* shared)
      : own_files(shared ? nullptr : make_static_files(env, clock)),
        files(shared ? shared->files() : *own_files),
        router(env.config->locations, files),
        facts(status_facts(env)) {
    if (worker) {
      recorder.emplace(*worker, access);
      recording.emplace(*worker, router);
    }
    if (env.scoreboard) {
      status.emplace(*env.scoreboard, facts);
      metrics.emplace(*env.scoreboard, facts);
      router.add("server-status", &*status);
      router.add("metrics", &*metrics);
    }
    if (env.applications) {
      for (const auto& a : env.applications->all()) {
        apps.push_back(
            std::make_unique<app::Dispatcher>(*a, env.config->locations, env.blocking_pool));
        router.add(a->name(), apps.back().get());
      }
    }
  }

  std::unique_ptr<static_files::StaticFiles> own_files;  // null when shared
  static_files::StaticFiles& files;
  handlers::Router router;
  handlers::status::StatusFacts facts;
  std::optional<handlers::status::StatusHandler> status;
  std::optional<handlers::status::MetricsHandler> metrics;
  std::vector<std::unique_ptr<app::Dispatcher>> apps;  // one per LoadApplication
  log::AccessLog access;
  std::optional<ScoreboardRecorder> recorder;
  std::optional<RecordingHandler> recording;
};

Services::Services(const ChildEnv& env, int thread, SharedServices* shared)
    : settings_(http_settings(*env.config, &buffers_)),
      impl_(std::make_unique<Impl>(
          env, clock_, env.scoreboard ? &env.scoreboard->worker(env.slot, thread) : nullptr,
          shared)) {
  const config::Config& config = *env.config;
  std::string error = impl_->access.add_all(config.logs);
  if (!error.empty()) log::emit(log::LogLevel::error, log::ids::kFileOpenFailed, error);
  impl_->access.set_server_name(server_name(config));
  for (const auto& name : impl_->router.unknown_handlers()) {
    log::emit(log::LogLevel::warn, log::ids::kConfigWarning,
              "SetHandler " + name + ": no such handler; serving files there");
  }
}

Services::~Services() {
  flush();
}

http::Handler& Services::handler() {
  if (impl_->recording) return *impl_->recording;
  return impl_->router;
}

http::ExchangeObserver* Services::observer() {
  if (impl_->recorder) return &*impl_->recorder;
  return impl_->access.sink_count() > 0 ? &impl_->access : nullptr;
}

void Services::tick(util::Usec now) {
  if (now - last_flush_ >= 1'000'000) {
    last_flush_ = now;
    impl_->access.flush();
  }
}

void Services::flush() {
  impl_->access.flush();
}

}  // namespace mpmd::mpm
