#include "python/directives.hpp"

#include <sys/stat.h>

#include "util/privileges.hpp"
#include "util/strings.hpp"

namespace mpmd::python {

namespace {

using config::Config;
using config::DirectiveCall;

// Splits "key=value"; false when there is no '='.
bool split_option(const std::string& arg, std::string& key, std::string& value) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  key = util::to_lower(arg.substr(0, eq));
  value = arg.substr(eq + 1);
  return true;
}

std::vector<std::string> split_path(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t colon = value.find(':', start);
    if (colon == std::string::npos) colon = value.size();
    if (colon > start) out.push_back(value.substr(start, colon - start));
    start = colon + 1;
  }
  return out;
}

// The per-<Location> record for `call` (created on first use).
config::WsgiLocation& location_of(Config& c, const DirectiveCall& call) {
  for (auto& l : c.wsgi.locations) {
    if (l.path == call.location->path) return l;
  }
  c.wsgi.locations.push_back({.path = call.location->path});
  return c.wsgi.locations.back();
}

std::string script_alias(Config& c, const DirectiveCall& call) {
  config::WsgiAlias a;
  a.url = call.args[0];
  if (a.url.empty() || a.url[0] != '/') return "the URL must start with '/', not '" + a.url + "'";
  while (a.url.size() > 1 && a.url.back() == '/') a.url.pop_back();
  a.script = call.resolve(call.args[1]);
  struct stat st;
  if (::stat(a.script.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return "the WSGI script " + a.script + " is not a readable file";
  }
  for (size_t i = 2; i < call.args.size(); ++i) {
    std::string key, value;
    if (!split_option(call.args[i], key, value)) {
      return "options are process-group=NAME or application-group=NAME, not '" + call.args[i] + "'";
    }
    if (key == "process-group") {
      a.process_group = value;
    } else if (key == "application-group") {
      a.application_group = value;
    } else {
      return "unknown option '" + key + "' (process-group=, application-group=)";
    }
  }
  for (const auto& other : c.wsgi.aliases) {
    if (other.url == a.url) return "URL " + a.url + " is mounted already at " + other.origin;
  }
  a.origin = call.file + ":" + std::to_string(call.line);
  c.wsgi.aliases.push_back(std::move(a));
  return "";
}

std::string set_count(const std::string& key, const std::string& value, long max, int& out) {
  std::string e = config::parse_int(value, 1, max, out);
  return e.empty() ? "" : key + " " + e;
}

std::string daemon_process(Config& c, const DirectiveCall& call) {
  config::WsgiDaemon d;
  d.name = call.args[0];
  if (d.name.empty() || d.name[0] == '%' || d.name.find('/') != std::string::npos) {
    return "'" + d.name + "' is not a process group name";
  }
  for (const auto& other : c.wsgi.daemons) {
    if (other.name == d.name) return "process group " + d.name + " is defined at " + other.origin;
  }
  for (size_t i = 1; i < call.args.size(); ++i) {
    std::string key, value;
    if (!split_option(call.args[i], key, value)) {
      return "options are KEY=VALUE, not '" + call.args[i] + "'";
    }
    std::string e;
    if (key == "processes") {
      e = set_count(key, value, 256, d.processes);
    } else if (key == "threads") {
      e = set_count(key, value, 1024, d.threads);
    } else if (key == "python-path") {
      for (auto& p : split_path(value)) d.python_path.push_back(call.resolve(p));
    } else if (key == "python-home") {
      d.python_home = call.resolve(value);
    } else if (key == "maximum-requests") {
      e = config::parse_size(value, d.maximum_requests);
    } else if (key == "request-timeout") {
      e = config::parse_seconds(value, d.request_timeout);
    } else if (key == "graceful-timeout") {
      e = config::parse_seconds(value, d.graceful_timeout);
    } else if (key == "inactivity-timeout") {
      e = config::parse_seconds(value, d.inactivity_timeout);
    } else if (key == "display-name") {
      d.display_name = value;
    } else if (key == "user" || key == "group") {
      util::Result<uint32_t> id =
          key == "user" ? util::parse_user(value) : util::parse_group(value);
      if (!id) {
        e = id.error().message;
      } else if (key == "user" && *id == 0) {
        e = "user=" + value + ": a daemon process may not run as root";
      } else {
        (key == "user" ? d.uid : d.gid) = *id;
      }
    } else if (key == "umask" || key == "home" || key == "lang" || key == "locale") {
      call.warn("option " + key + "= is accepted and ignored");
    } else {
      e = "unknown option '" + key +
          "' (processes=, threads=, python-path=, python-home=, maximum-requests=, "
          "request-timeout=, graceful-timeout=, inactivity-timeout=, display-name=, user=, "
          "group=)";
    }
    if (!e.empty()) return e;
  }
  d.origin = call.file + ":" + std::to_string(call.line);
  c.wsgi.daemons.push_back(std::move(d));
  return "";
}

std::string process_group(Config& c, const DirectiveCall& call) {
  if (call.location) {
    location_of(c, call).process_group = call.args[0];
  } else {
    c.wsgi.process_group = call.args[0];
  }
  return "";
}

std::string application_group(Config& c, const DirectiveCall& call) {
  if (call.location) {
    location_of(c, call).application_group = call.args[0];
  } else {
    c.wsgi.application_group = call.args[0];
  }
  return "";
}

std::string import_script(Config& c, const DirectiveCall& call) {
  config::WsgiImport imp;
  imp.script = call.resolve(call.args[0]);
  struct stat st;
  if (::stat(imp.script.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return "the script " + imp.script + " is not a readable file";
  }
  for (size_t i = 1; i < call.args.size(); ++i) {
    std::string key, value;
    if (!split_option(call.args[i], key, value) ||
        (key != "process-group" && key != "application-group")) {
      return "options are process-group=NAME and application-group=NAME, not '" + call.args[i] +
             "'";
    }
    (key == "process-group" ? imp.process_group : imp.application_group) = value;
  }
  if (imp.application_group.empty()) {
    return "application-group= is required (%{GLOBAL}: preloaded in the master before fork)";
  }
  imp.origin = call.file + ":" + std::to_string(call.line);
  c.wsgi.imports.push_back(std::move(imp));
  return "";
}

std::string python_path(Config& c, const DirectiveCall& call) {
  for (const auto& arg : call.args) {
    for (auto& p : split_path(arg)) c.wsgi.python_path.push_back(call.resolve(p));
  }
  return "";
}

std::string python_home(Config& c, const DirectiveCall& call) {
  c.wsgi.python_home = call.resolve(call.args[0]);
  return "";
}

std::string flag(const DirectiveCall& call, bool& out) {
  return config::parse_flag(call.args[0], out);
}

std::string pass_authorization(Config& c, const DirectiveCall& call) {
  bool on = false;
  if (std::string e = flag(call, on); !e.empty()) return e;
  if (call.location) {
    location_of(c, call).pass_authorization = on;
  } else {
    c.wsgi.pass_authorization = on;
  }
  return "";
}

std::string script_reloading(Config& c, const DirectiveCall& call) {
  bool on = true;
  if (std::string e = flag(call, on); !e.empty()) return e;
  if (call.location) {
    location_of(c, call).script_reloading = on;
  } else {
    c.wsgi.script_reloading = on;
  }
  return "";
}

std::string restrict_embedded(Config& c, const DirectiveCall& call) {
  return flag(call, c.wsgi.restrict_embedded);
}

bool known_group(const Config& c, const std::string& name) {
  if (name.empty() || name == kGlobal) return true;
  for (const auto& d : c.wsgi.daemons) {
    if (d.name == name) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> validate(const Config& c) {
  std::vector<std::string> errors;
  auto check = [&](const std::string& origin, const char* what, const std::string& group) {
    if (!known_group(c, group)) {
      errors.push_back(origin + ": " + what + ": process-group '" + group +
                       "' is not defined by a WSGIDaemonProcess");
    }
  };
  for (const auto& a : c.wsgi.aliases) check(a.origin, "WSGIScriptAlias", a.process_group);
  for (const auto& i : c.wsgi.imports) check(i.origin, "WSGIImportScript", i.process_group);
  if (!known_group(c, c.wsgi.process_group)) {
    errors.push_back(c.file + ": WSGIProcessGroup: '" + c.wsgi.process_group +
                     "' is not defined by a WSGIDaemonProcess");
  }
  for (const auto& l : c.wsgi.locations) {
    if (!known_group(c, l.process_group)) {
      errors.push_back(c.file + ": <Location " + l.path + "> WSGIProcessGroup: '" +
                       l.process_group + "' is not defined by a WSGIDaemonProcess");
    }
  }
  return errors;
}

std::vector<config::Directive> directives() {
  using config::kDirectory;
  using config::kLocation;
  using config::kServer;
  return {
      {"WSGIScriptAlias", 2, 4, kServer, script_alias,
       "WSGIScriptAlias URL SCRIPT [process-group=NAME] [application-group=NAME] - serve URL "
       "and below with the WSGI application `application` of the Python file SCRIPT"},
      {"WSGIDaemonProcess", 1, -1, kServer, daemon_process,
       "WSGIDaemonProcess NAME [processes=N] [threads=N] [python-path=DIRS] [python-home=DIR] "
       "[maximum-requests=N] [request-timeout=T] [graceful-timeout=T] [inactivity-timeout=T] "
       "[display-name=TEXT] [user=NAME|#UID] [group=NAME|#GID] - a group of Python daemon "
       "processes started by the master (default 1 process x 15 threads), as user/group "
       "(default: the server's User; never root)"},
      {"WSGIProcessGroup", 1, 1, kServer | kLocation | kDirectory, process_group,
       "WSGIProcessGroup NAME|%{GLOBAL} - run the applications here in daemon group NAME "
       "(%{GLOBAL}: in the serving children, embedded)"},
      {"WSGIApplicationGroup", 1, 1, kServer | kLocation | kDirectory, application_group,
       "WSGIApplicationGroup NAME|%{GLOBAL}|%{RESOURCE} - the interpreter: %{GLOBAL} the main "
       "one (for C extensions using PyGILState), others a sub-interpreter each (default "
       "%{RESOURCE}: one per script)"},
      {"WSGIImportScript", 1, 3, kServer, import_script,
       "WSGIImportScript SCRIPT application-group=NAME [process-group=NAME] - import SCRIPT "
       "before requests come: with %{GLOBAL} in embedded mode, in the master before fork "
       "(preload, then gc.freeze()), else when each process starts"},
      {"WSGIPythonPath", 1, -1, kServer, python_path,
       "WSGIPythonPath DIR[:DIR...] - directories added to sys.path"},
      {"WSGIPythonHome", 1, 1, kServer, python_home,
       "WSGIPythonHome DIR - the Python installation or virtual environment (sys.prefix)"},
      {"WSGIPassAuthorization", 1, 1, kServer | kLocation | kDirectory, pass_authorization,
       "WSGIPassAuthorization On|Off - pass the Authorization header as HTTP_AUTHORIZATION "
       "(default Off)"},
      {"WSGIRestrictEmbedded", 1, 1, kServer, restrict_embedded,
       "WSGIRestrictEmbedded On|Off - refuse to run applications in the serving children: only "
       "daemon process groups (default Off)"},
      {"WSGIScriptReloading", 1, 1, kServer | kLocation | kDirectory, script_reloading,
       "WSGIScriptReloading On|Off - a changed WSGI script is imported again (embedded) or its "
       "daemon processes restart (default On)"},
  };
}

}  // namespace mpmd::python
