#include "supervisor/load_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "app/directives.hpp"
#include "config/accepted_directives.hpp"
#include "handlers/alias.hpp"
#include "handlers/auth/directives.hpp"
#include "handlers/compress/directives.hpp"
#include "handlers/static_files/directives.hpp"
#include "log/directives.hpp"
#include "mpm/engines.hpp"
#include "mpm/event/directives.hpp"
#include "offload/directives.hpp"
#include "proxy/directives.hpp"
#include "python/directives.hpp"
#include "rewrite/directives.hpp"
#include "session/directives.hpp"
#include "site/environment.hpp"
#include "site/headers.hpp"
#include "supervisor/directives.hpp"
#include "tls/directives.hpp"

namespace mpmd::supervisor {

config::Parser make_parser() {
  std::vector<std::string> engines;
  for (const mpm::Engine& e : mpm::engines()) engines.emplace_back(e.name);
  return config::Parser(
      {config::core_directives(), log::directives(), static_files::directives(),
       handlers::alias_directives(), supervisor::directives(), app::directives(),
       session::directives(), offload::directives(), python::directives(), tls::directives(),
       auth::directives(), proxy::directives(), mpm::event::directives(),
       site::environment_directives(), site::header_directives(), rewrite::directives(),
       compress::directives(), config::accepted_directives()},
      std::move(engines));
}

void apply_defaults(config::Config& config) {
  config::RunAs& r = config.run_as;
  r.identity = util::identity_of(r.uid.value_or(util::default_uid()), r.gid ? &*r.gid : nullptr);
  if (config.files.document_root.empty()) config.files.document_root = config.server_root + "/www";
  if (config.files.types_config.empty()) {
    std::string types = config.server_root + "/conf/mime.types";
    if (access(types.c_str(), R_OK) == 0) config.files.types_config = types;
  }
  // A vhost that does not set them takes the main server's, defaults included.
  for (auto& vh : config.virtual_hosts) {
    config::StaticFiles& f = vh.site.files;
    if (f.document_root.empty()) f.document_root = config.files.document_root;
    if (f.types_config.empty()) f.types_config = config.files.types_config;
  }
}

std::string apache_envvars(const std::string& config_file, std::string& error) {
  std::string dir = config_file.substr(0, config_file.find_last_of('/') + 1);
  if (dir.empty()) dir = "./";
  std::string envvars = dir + "envvars";
  struct stat st;
  if (::stat(envvars.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return dir;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    const char* script = ". \"$1\" >/dev/null && exec env -0";
    ::execl("/bin/sh", "sh", "-c", script, "sh", envvars.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, size_t(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = "sourcing " + envvars + " failed";
    return dir;
  }
  for (size_t at = 0; at < out.size();) {
    size_t end = out.find('\0', at);
    if (end == std::string::npos) end = out.size();
    std::string entry = out.substr(at, end - at);
    at = end + 1;
    size_t eq = entry.find('=');
    if (eq == std::string::npos || entry.rfind("APACHE_", 0) != 0) continue;
    ::setenv(entry.substr(0, eq).c_str(), entry.substr(eq + 1).c_str(), 0);
  }
  if (dir.size() > 1) dir.pop_back();  // no trailing '/'
  return dir;
}

config::ParseResult load_config(const std::string& path, const std::vector<std::string>& defines,
                                const std::string& server_root) {
  config::ParseResult result = make_parser().parse_file(path, defines, server_root);
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
