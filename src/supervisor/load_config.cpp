#include "supervisor/load_config.hpp"

#include <unistd.h>

#include "app/directives.hpp"
#include "handlers/static_files/directives.hpp"
#include "log/directives.hpp"
#include "mpm/engines.hpp"
#include "offload/directives.hpp"
#include "python/directives.hpp"
#include "session/directives.hpp"
#include "supervisor/directives.hpp"
#include "tls/directives.hpp"

namespace mpmd::supervisor {

config::Parser make_parser() {
  std::vector<std::string> engines;
  for (const mpm::Engine& e : mpm::engines()) engines.emplace_back(e.name);
  return config::Parser({config::core_directives(), log::directives(), static_files::directives(),
                         supervisor::directives(), app::directives(), session::directives(),
                         offload::directives(), python::directives(), tls::directives()},
                        std::move(engines));
}

void apply_defaults(config::Config& config) {
  config::RunAs& r = config.run_as;
  r.identity = util::identity_of(r.uid.value_or(util::default_uid()), r.gid ? &*r.gid : nullptr);
  r.identity.keep = !r.uid && !r.gid;
  if (config.files.document_root.empty()) config.files.document_root = config.server_root + "/www";
  if (config.files.types_config.empty()) {
    std::string types = config.server_root + "/conf/mime.types";
    if (access(types.c_str(), R_OK) == 0) config.files.types_config = types;
  }
}

config::ParseResult load_config(const std::string& path, const std::vector<std::string>& defines) {
  config::ParseResult result = make_parser().parse_file(path, defines);
  for (auto& e : python::validate(result.config)) result.errors.push_back(std::move(e));
  result.ok = result.errors.empty();
  if (!result.ok) return result;
  apply_defaults(result.config);
  // Apache's default, so that -k always finds the master.
  if (result.config.pid_file.empty()) {
    result.config.pid_file = result.config.server_root + "/logs/httpd.pid";
  }
  return result;
}

}  // namespace mpmd::supervisor
