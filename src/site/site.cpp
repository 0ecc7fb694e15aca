#include "site/site.hpp"

#include <unistd.h>

#include <optional>
#include <vector>

#include "app/applications.hpp"
#include "app/dispatcher.hpp"
#include "handlers/router.hpp"
#include "handlers/static_files/static_files.hpp"
#include "handlers/status/metrics_handler.hpp"
#include "handlers/status/status_handler.hpp"
#include "log/access_log.hpp"
#include "python/hosting.hpp"
#include "python/wsgi_handler.hpp"
#include "site/recorders.hpp"
#include "util/error_log.hpp"
#include "util/version.hpp"

namespace mpmd::site {

namespace {

std::string server_name(const config::Config& config) {
  if (!config.server_name.empty()) return config.server_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

handlers::status::StatusFacts status_facts(const mpm::ChildEnv& env, bool async) {
  handlers::status::StatusFacts f;
  f.server_name = env.config->server_name;
  f.server_version = std::string(kName) + "/" + std::string(kVersion);
  f.mpm = env.config->mpm.name;
  f.server_limit = env.server_limit;
  f.threads_per_child = env.threads_per_child;
  f.max_request_workers = env.max_request_workers;
  f.async = async;
  return f;
}

class ChildSite;

// The handler chain and access log of one serving thread.
class ThreadSite final : public mpm::SiteThread {
 public:
  ThreadSite(ChildSite& site, int thread, util::Executor* blocking_pool);
  ~ThreadSite() override { flush(); }

  http::Handler& handler() override {
    if (recording_) return *recording_;
    return router_;
  }
  http::ExchangeObserver* observer() override {
    if (recorder_) return &*recorder_;
    return access_.sink_count() > 0 ? &access_ : nullptr;
  }
  void tick(util::Usec now) override {
    if (now - last_flush_ >= 1'000'000) {
      last_flush_ = now;
      access_.flush();
    }
  }
  void flush() override { access_.flush(); }

 private:
  handlers::Router router_;
  std::optional<handlers::status::StatusHandler> status_;
  std::optional<handlers::status::MetricsHandler> metrics_;
  std::vector<std::unique_ptr<app::Dispatcher>> apps_;  // one per LoadApplication
  std::unique_ptr<http::Handler> wsgi_;                 // WSGIScriptAlias
  log::AccessLog access_;
  std::optional<ScoreboardRecorder> recorder_;
  std::optional<RecordingHandler> recording_;
  util::Usec last_flush_ = 0;
};

// What the serving threads of one child share: the static-file handler
// (thread-safe: its cache, MIME table and root directory), so a worker child
// holds one of each instead of one per thread (with a full mime.types, 256
// copies cost ~55 MB), and a hot file is read and revalidated once per child.
class ChildSite final : public mpm::Site {
 public:
  ChildSite(const mpm::ChildEnv& env, const SiteOptions& options)
      : config_(*env.config),
        scoreboard_(env.scoreboard),
        slot_(env.slot),
        applications_(options.applications),
        python_(options.python),
        threads_per_child_(env.threads_per_child),
        facts_(status_facts(env, options.async_handlers)),
        files_(config_.files, clock_) {
    if (!files_.ok()) {
      log::emit(log::LogLevel::error, log::ids::kConfigError,
                "static files: " + files_.error() + "; answering 500");
    }
  }

  std::unique_ptr<mpm::SiteThread> open_thread(int thread, util::Executor* blocking_pool) override {
    return std::make_unique<ThreadSite>(*this, thread, blocking_pool);
  }

  void child_stop() override {
    if (applications_) applications_->child_stop();
  }

 private:
  friend class ThreadSite;

  const config::Config& config_;
  scoreboard::Scoreboard* scoreboard_;
  int slot_;
  const app::Applications* applications_;
  const python::Hosting* python_;
  int threads_per_child_;
  handlers::status::StatusFacts facts_;
  util::SystemClock clock_;
  static_files::StaticFiles files_;  // thread-safe
};

ThreadSite::ThreadSite(ChildSite& site, int thread, util::Executor* blocking_pool)
    : router_(site.config_.locations, site.files_) {
  if (site.scoreboard_) {
    scoreboard::Worker& worker = site.scoreboard_->worker(site.slot_, thread);
    recorder_.emplace(worker, access_);
    access_.count_losses(site.scoreboard_->global().log_loss, &worker.log_lines_dropped);
    recording_.emplace(worker, router_);
    status_.emplace(*site.scoreboard_, site.facts_);
    metrics_.emplace(*site.scoreboard_, site.facts_);
    router_.add("server-status", &*status_);
    router_.add("metrics", &*metrics_);
  }
  if (site.applications_) {
    for (const auto& a : site.applications_->all()) {
      apps_.push_back(std::make_unique<app::Dispatcher>(*a, site.config_.locations, blocking_pool));
      router_.add(a->name(), apps_.back().get());
    }
  }
  if (site.python_) {
    scoreboard::Worker* w =
        site.scoreboard_ ? &site.scoreboard_->worker(site.slot_, thread) : nullptr;
    // wsgi.multithread: the engine's serving threads, or the handler pool's.
    int threads = blocking_pool ? site.config_.mpm.threads_per_child : site.threads_per_child_;
    wsgi_ = python::make_handler(*site.python_, {blocking_pool, w, threads > 1, true});
    for (const auto& a : site.python_->wsgi().aliases) router_.mount(a.url, wsgi_.get());
  }
  if (std::string error = access_.add_all(site.config_.logs); !error.empty()) {
    log::emit(log::LogLevel::error, log::ids::kFileOpenFailed, error);
  }
  access_.set_server_name(server_name(site.config_));
  for (const auto& name : router_.unknown_handlers()) {
    log::emit(log::LogLevel::warn, log::ids::kConfigWarning,
              "SetHandler " + name + ": no such handler; serving files there");
  }
}

}  // namespace

std::unique_ptr<mpm::Site> make_site(const mpm::ChildEnv& env, const SiteOptions& options) {
  return std::make_unique<ChildSite>(env, options);
}

}  // namespace mpmd::site
