// The applications of one generation (one configuration load): each one's
// shared object, what its registration declared (routes, hooks) and its
// compiled route table. Built in the master, where registration and the
// preload hooks run; children inherit it by fork and run child_init.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/library.hpp"
#include "config/config.hpp"
#include "mpmd/app.hpp"
#include "mpmd/app_host.hpp"

namespace mpmd::session {
class StoreFactory;  // session/factory.hpp
}  // namespace mpmd::session

namespace mpmd::app {

class Application {
 public:
  // What registers the routes: the library's mpmd_app_register (tests pass
  // their own function).
  using Registration = std::function<void(Registry&)>;

  // `library` keeps the code of `registration` and of what it registers loaded.
  Application(std::string name, Registration registration, std::shared_ptr<const void> library,
              Registry::Options options);
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  const std::string& name() const { return name_; }
  const Registry& registry() const { return registry_; }
  const RouteTable& routes() const { return routes_; }
  const Registry::Route& route(size_t index) const { return registry_.routes()[index]; }

  // Runs the application's registration and compiles its routes. "" or an error.
  std::string register_routes();

 private:
  static void log_sink(const void* context, int level, const char* text, size_t size);

  std::string name_;
  // Declared before the registry: the handlers' code lives in the library,
  // so it must be closed after they are destroyed.
  std::shared_ptr<const void> library_;
  Registration registration_;
  Registry registry_;
  RouteTable routes_;
};

class Applications {
 public:
  // Registers every LoadApplication of `config` in order and runs the preload
  // hooks. Null with `error` (naming the directive's file:line) on failure.
  static std::unique_ptr<Applications> start(const config::Config& config, uint32_t generation,
                                             int threads_per_child, std::string& error);

  // In a new child, before it serves: the child_init hooks. "" or an error.
  std::string child_init(int slot) const;
  // In a child that stops serving at once: ends its offload pool and
  // Gearman dispatcher, so that every task still queued or running fails
  // (503) and its callback runs now; a handler waiting for a result returns
  // and a deferred response completes. Idempotent.
  void child_stop() const;

  const std::vector<std::unique_ptr<Application>>& all() const { return apps_; }
  const Application* find(std::string_view name) const;

 private:
  std::vector<std::unique_ptr<Application>> apps_;
  // The generation's session stores (SessionStore); null without applications.
  std::shared_ptr<const session::StoreFactory> sessions_;
  config::Offload offload_;  // the process pool and Gearman each child starts
  uint32_t generation_ = 0;
  std::string engine_;
  int threads_per_child_ = 1;
};

}  // namespace mpmd::app
