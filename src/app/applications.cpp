#include "app/applications.hpp"

#include <chrono>

#include "offload/service.hpp"
#include "session/service.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::app {

namespace {

using log::LogLevel;

LogLevel to_level(int level) {
  switch (level) {
    case 3:
      return LogLevel::error;
    case 4:
      return LogLevel::warn;
    case 5:
      return LogLevel::notice;
    case 7:
      return LogLevel::debug;
    default:
      return LogLevel::info;
  }
}

double millis_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string format_millis(double ms) {
  return std::to_string(long(ms + 0.5)) + " ms";
}

}  // namespace

Application::Application(std::string name, Registration registration,
                         std::shared_ptr<const void> library, Registry::Options options)
    : name_(std::move(name)),
      library_(std::move(library)),
      registration_(std::move(registration)),
      registry_(name_, std::move(options), Logger(&Application::log_sink, this)) {}

void Application::log_sink(const void* context, int level, const char* text, size_t size) {
  const auto* self = static_cast<const Application*>(context);
  LogLevel l = to_level(level);
  if (!log::error_log().enabled(l)) return;
  log::emit(l, log::ids::kAppMessage,
            log::cat("application ", self->name_, ": ", std::string_view(text, size)));
}

std::string Application::register_routes() {
  return register_application(registration_, registry_, routes_);
}

std::unique_ptr<Applications> Applications::start(const config::Config& config, uint32_t generation,
                                                  int threads_per_child, std::string& error) {
  auto apps = std::unique_ptr<Applications>(new Applications);
  apps->generation_ = generation;
  apps->engine_ = config.mpm.name;
  apps->threads_per_child_ = threads_per_child;
  apps->offload_ = config.offload;
  offload::begin_generation(generation);  // offload functions registered below belong to it
  Environment env{generation, apps->engine_, threads_per_child, -1};
  if (!config.applications.empty()) {
    // Before any fork: the shm session table is shared by all children.
    apps->sessions_ = session::prepare_generation(config.sessions, error);
    if (!apps->sessions_) return nullptr;
  }
  for (const config::Application& a : config.applications) {
    auto library = std::static_pointer_cast<const Library>(a.library);
    if (!library) {
      error = a.origin + ": LoadApplication " + a.name + ": " + a.path + " is not loaded";
      return nullptr;
    }
    auto app = std::make_unique<Application>(a.name, library->register_function(), library,
                                             parse_options(a.options));
    auto started = std::chrono::steady_clock::now();
    std::string why = app->register_routes();
    if (!why.empty()) {
      error = a.origin + ": LoadApplication " + a.name + ": " + why;
      return nullptr;
    }
    double registered = millis_since(started);
    started = std::chrono::steady_clock::now();
    why = run_hooks(app->registry().preload_hooks(), env);
    if (!why.empty()) {
      error = a.origin + ": LoadApplication " + a.name + ": preload failed: " + why;
      return nullptr;
    }
    log::emit(LogLevel::notice, log::ids::kAppLoaded,
              log::cat("application ", a.name, " (", a.path, ", generation ", generation, "): ",
                       app->routes().size(), " routes, registered in ", format_millis(registered),
                       ", preload took ", format_millis(millis_since(started))));
    bool mounted = false;
    for (const config::Location& loc : config.locations) mounted |= loc.handler == a.name;
    if (!mounted) {
      log::emit(LogLevel::warn, log::ids::kConfigWarning,
                log::cat(a.origin, ": LoadApplication ", a.name, ": no <Location> has SetHandler ",
                         a.name, ", so it answers no request"));
    }
    apps->apps_.push_back(std::move(app));
  }
  return apps;
}

std::string Applications::child_init(int slot) const {
  Environment env{generation_, engine_, threads_per_child_, slot};
  // First, while the child has one thread: forks the offload pool's spawner.
  if (!apps_.empty()) {
    if (std::string why = offload::start_child(offload_, generation_); !why.empty()) return why;
  }
  if (sessions_) session::start_child(*sessions_);  // mpmd::session_store() from here on
  for (size_t i = 0; i < apps_.size(); ++i) {
    const Application& app = *apps_[i];
    auto started = std::chrono::steady_clock::now();
    std::string why = run_hooks(app.registry().child_init_hooks(), env);
    if (!why.empty()) return "application " + app.name() + ": child_init failed: " + why;
    if (!app.registry().child_init_hooks().empty()) {
      log::emit(LogLevel::info, log::ids::kAppLoaded,
                log::cat("application ", app.name(), ": child_init took ",
                         format_millis(millis_since(started))));
    }
  }
  return "";
}

void Applications::child_stop() const {
  if (!apps_.empty()) offload::stop_child();
}

const Application* Applications::find(std::string_view name) const {
  for (const auto& a : apps_) {
    if (a->name() == name) return a.get();
  }
  return nullptr;
}

}  // namespace mpmd::app
