#include "python/hosting.hpp"

#include <unistd.h>

#include "handlers/router.hpp"
#include "python/daemons.hpp"
#include "python/directives.hpp"
#include "python/host_library.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::python {

namespace {

bool embedded_group(const std::string& name) {
  return name.empty() || name == kGlobal;
}

std::string local_host_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace

std::string application_group(std::string_view name, const std::string& server_name,
                              const config::WsgiAlias& alias) {
  if (name == kGlobal) return "";
  if (name.empty() || name == kResource) {
    // mod_wsgi's %{RESOURCE}: one interpreter per server and script URL.
    return server_name + "|" + (alias.url == "/" ? std::string() : alias.url);
  }
  return std::string(name);
}

std::unique_ptr<Hosting> Hosting::start(const config::Config& config, uint32_t generation,
                                        const Hosting* previous, std::string& error) {
  if (!config.wsgi.used()) return nullptr;
  auto h = std::unique_ptr<Hosting>(new Hosting);
  h->wsgi_ = config.wsgi;
  h->server_name_ = config.server_name.empty() ? local_host_name() : config.server_name;
  h->document_root_ = config.files.document_root;
  h->host_ = load_host(error);
  if (!h->host_) return nullptr;
  api::Options options{config.wsgi.python_home, config.wsgi.python_path};
  if (previous && previous->wsgi_.python_home != config.wsgi.python_home) {
    log::emit(log::LogLevel::warn, log::ids::kConfigWarning,
              "WSGIPythonHome changed: it takes effect at the next full stop and start");
  }
  if (std::string e = h->host_->initialize(options); !e.empty()) {
    error = "WSGI: " + e;
    return nullptr;
  }
  for (const auto& a : config.wsgi.aliases) {
    if (std::string e = h->host_->check_script(a.script); !e.empty()) {
      error = a.origin + ": WSGIScriptAlias " + a.url + ": " + e;
      return nullptr;
    }
  }
  bool preload = false;
  for (const auto& i : config.wsgi.imports) {
    preload |= embedded_group(i.process_group) && i.application_group == kGlobal;
  }
  // A new generation preloads its code anew: the modules the last one
  // imported are forgotten (its children keep their own copies).
  if (preload && previous) h->host_->forget_modules();
  for (const auto& i : config.wsgi.imports) {
    if (!embedded_group(i.process_group) || i.application_group != kGlobal) continue;
    auto started = std::chrono::steady_clock::now();
    if (std::string e = h->host_->import_script(i.script, "", true); !e.empty()) {
      error = i.origin + ": WSGIImportScript " + i.script + ": " + e;
      return nullptr;
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    log::emit(log::LogLevel::notice, log::ids::kWsgiLoaded,
              log::cat("WSGIImportScript ", i.script, " preloaded in the master (generation ",
                       generation, ") in ", ms, " ms; gc.freeze() keeps it shared"));
  }
  if (!config.wsgi.daemons.empty()) {
    h->daemons_ = Daemons::create(config, *h->host_, generation, error);
    if (!h->daemons_) return nullptr;
  }
  return h;
}

Hosting::~Hosting() = default;

std::string Hosting::child_init() const {
  for (const auto& i : wsgi_.imports) {
    if (!embedded_group(i.process_group) || i.application_group == kGlobal) continue;
    for (const auto& a : wsgi_.aliases) {
      std::string group = application_group(i.application_group, server_name_, a);
      if (std::string e = host_->import_script(i.script, group, false); !e.empty()) {
        return i.origin + ": WSGIImportScript " + i.script + ": " + e;
      }
      break;  // the group is named by the import, not by an alias
    }
  }
  return "";
}

const config::WsgiAlias* Hosting::find_alias(std::string_view path) const {
  const config::WsgiAlias* best = nullptr;
  for (const auto& a : wsgi_.aliases) {
    bool match = a.url == "/" || handlers::location_matches(a.url, path);
    if (match && (!best || a.url.size() > best->url.size())) best = &a;
  }
  return best;
}

Route Hosting::route(const config::WsgiAlias& alias, std::string_view path) const {
  Route r;
  r.alias = &alias;
  std::string app_group = wsgi_.application_group;
  std::string proc_group = wsgi_.process_group;
  int reload = -1, pass = -1;
  // <Location> settings in file order: later ones win, as Apache merges them.
  for (const auto& l : wsgi_.locations) {
    if (!handlers::location_matches(l.path, path)) continue;
    if (!l.application_group.empty()) app_group = l.application_group;
    if (!l.process_group.empty()) proc_group = l.process_group;
    if (l.script_reloading >= 0) reload = l.script_reloading;
    if (l.pass_authorization >= 0) pass = l.pass_authorization;
  }
  if (!alias.application_group.empty()) app_group = alias.application_group;
  if (!alias.process_group.empty()) proc_group = alias.process_group;
  r.application_group = application_group(app_group, server_name_, alias);
  r.process_group = embedded_group(proc_group) ? "" : proc_group;
  r.reload = reload >= 0 ? reload == 1 : wsgi_.script_reloading;
  r.pass_authorization = pass >= 0 ? pass == 1 : wsgi_.pass_authorization;
  return r;
}

void Hosting::tick() {
  if (daemons_) daemons_->tick();
}

bool Hosting::on_exit(pid_t pid, int status) {
  return daemons_ && daemons_->on_exit(pid, status);
}

void Hosting::stop(bool graceful) {
  if (daemons_) daemons_->stop(graceful);
}

}  // namespace mpmd::python
