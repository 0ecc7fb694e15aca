// Python hosting for one generation (one configuration load): the host
// (mpmd_python.so) loaded and the interpreter started in the master when the
// configuration uses a WSGI directive, every WSGI script compiled (a syntax
// error refuses the start or the graceful restart, with the Python file and
// line), the WSGIImportScript preloads run before fork (then gc.freeze()),
// and the daemon process groups. Children inherit it by fork.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "python/api.hpp"

namespace mpmd::python {

class Daemons;  // python/daemons.hpp

// How one request under a WSGIScriptAlias runs.
struct Route {
  const config::WsgiAlias* alias = nullptr;
  std::string application_group;  // "" = the main interpreter
  std::string process_group;      // "" = embedded
  bool reload = true;
  bool pass_authorization = false;
};

class Hosting {
 public:
  // Null and no error when `config` uses no WSGI directive (nothing is
  // loaded); null with `error` when Python cannot start or a script does not
  // compile. `previous`: the running generation's (a graceful restart).
  static std::unique_ptr<Hosting> start(const config::Config& config, uint32_t generation,
                                        const Hosting* previous, std::string& error);
  ~Hosting();

  api::Host& host() const { return *host_; }
  const config::Wsgi& wsgi() const { return wsgi_; }
  const std::string& server_name() const { return server_name_; }
  const std::string& document_root() const { return document_root_; }

  // In a new child before it serves: the WSGIImportScript lines for
  // sub-interpreters (imported in each child, as mod_wsgi does). "" or error.
  std::string child_init() const;
  // The alias `path` (decoded) falls under (the longest), or null.
  const config::WsgiAlias* find_alias(std::string_view path) const;
  Route route(const config::WsgiAlias& alias, std::string_view path) const;

  // Daemon process groups (the master's side; see python/daemons.hpp).
  Daemons* daemons() const { return daemons_.get(); }
  // Master: starts missing daemon processes, replaces hung ones, restarts a
  // group whose script changed. Call about once a second.
  void tick();
  // Master: `pid` exited; true if it was one of ours.
  bool on_exit(pid_t pid, int status);
  // Master: stop every daemon process (a stop, or this generation replaced).
  void stop(bool graceful);

 private:
  Hosting() = default;

  api::Host* host_ = nullptr;
  config::Wsgi wsgi_;
  std::string server_name_;
  std::string document_root_;
  std::unique_ptr<Daemons> daemons_;
};

// The application group name for `name` ("%{GLOBAL}" = "", "%{RESOURCE}" =
// one per server and script URL).
std::string application_group(std::string_view name, const std::string& server_name,
                              const config::WsgiAlias& alias);

}  // namespace mpmd::python
