#include "app/directives.hpp"

#include "app/library.hpp"

namespace mpmd::app {

namespace {

using config::Config;
using config::DirectiveCall;

// Names SetHandler already gives a meaning to.
bool reserved(std::string_view name) {
  return name == "server-status" || name == "metrics" || name == "default-handler" ||
         name == "none" || name == "None";
}

std::string load_application(Config& cfg, const DirectiveCall& call) {
  const std::string& name = call.args[0];
  if (name.empty() || name.find_first_of(" \t/") != std::string::npos) {
    return "'" + name + "' is not a handler name (no blanks or '/')";
  }
  if (reserved(name)) return "'" + name + "' is a built-in handler's name";
  for (const auto& a : cfg.applications) {
    if (a.name == name) return "an application named '" + name + "' is loaded at " + a.origin;
  }
  for (size_t i = 2; i < call.args.size(); ++i) {
    size_t eq = call.args[i].find('=');
    if (eq == 0 || eq == std::string::npos) {
      return "options after the path are KEY=VALUE, not '" + call.args[i] + "'";
    }
  }
  std::string path = call.resolve(call.args[1]);
  std::string error;
  auto library = Library::open(path, error);
  if (!library) return error;
  config::Application app;
  app.name = name;
  app.path = path;
  app.options.assign(call.args.begin() + 2, call.args.end());
  app.origin = call.file + ":" + std::to_string(call.line);
  app.library = library;
  cfg.applications.push_back(std::move(app));
  return "";
}

}  // namespace

std::vector<config::Directive> directives() {
  return {
      {"LoadApplication", 2, -1, config::kServer, load_application,
       "LoadApplication NAME PATH [KEY=VALUE ...] - load an application shared object "
       "(include/mpmd/app.hpp); mount it with <Location /prefix> SetHandler NAME; the "
       "KEY=VALUE options are passed to it"},
  };
}

}  // namespace mpmd::app
