#include "supervisor/config_checks.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mpmd::supervisor {

namespace {

bool on_stdout(const std::string& path) {
  return path == "-" || path == "/dev/stdout";
}

bool on_stderr(const std::string& path) {
  return path.empty() || path == "-" || path == "/dev/stderr";
}

// Not a file: standard streams, syslog, a pipe to a program.
bool is_file(const std::string& path) {
  return !on_stdout(path) && !on_stderr(path) && path.rfind("syslog", 0) != 0 &&
         path.front() != '|';
}

std::string parent_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// "" if `path` can be opened for appending (created if missing), else why not.
std::string unwritable(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0) {
    return ::access(path.c_str(), W_OK) == 0 ? "" : std::strerror(errno);
  }
  std::string dir = parent_of(path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) return "directory " + dir + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return "directory " + dir + " is not writable: " + std::strerror(errno);
  }
  return "";
}

}  // namespace

std::vector<std::string> check_paths(const config::Config& config) {
  std::vector<std::string> warnings;
  auto check_root = [&](const std::string& root, const std::string& where) {
    struct stat st;
    if (root.empty()) return;
    if (::stat(root.c_str(), &st) != 0) {
      // Apache's AH00112 wording.
      warnings.push_back("DocumentRoot [" + root + "] does not exist" + where +
                         " (every request gets 404)");
    } else if (!S_ISDIR(st.st_mode)) {
      warnings.push_back("DocumentRoot [" + root + "] is not a directory" + where +
                         " (every request gets 404)");
    }
  };
  check_root(config.files.document_root, "");
  for (const auto& vh : config.virtual_hosts) {
    if (vh.site.files.document_root != config.files.document_root) {
      check_root(vh.site.files.document_root, " (<VirtualHost> at " + vh.origin + ")");
    }
  }
  auto check = [&](const char* what, const std::string& path) {
    if (path.empty() || !is_file(path)) return;
    if (std::string why = unwritable(path); !why.empty()) {
      warnings.push_back(std::string(what) + " " + path + " cannot be written: " + why);
    }
  };
  check("ErrorLog", config.logs.error_log);
  for (const config::CustomLog& c : config::all_custom_logs(config)) check("CustomLog", c.path);
  check("PidFile", config.pid_file);
  return warnings;
}

TerminalLogs terminal_logs(const config::Config& config) {
  TerminalLogs t;
  for (const config::CustomLog& c : config::all_custom_logs(config)) {
    if (on_stdout(c.path) &&
        std::find(t.access.begin(), t.access.end(), c.path) == t.access.end()) {
      t.access.push_back(c.path);
    }
  }
  t.error_log = on_stderr(config.logs.error_log);
  return t;
}

}  // namespace mpmd::supervisor
