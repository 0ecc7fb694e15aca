#include "log/directives.hpp"

#include <string>
#include <string_view>

#include "log/log_format.hpp"
#include "util/error_log.hpp"
#include "util/strings.hpp"
#include "util/system_log.hpp"

namespace mpmd::log {

namespace {

using config::Config;
using config::DirectiveCall;

// The key under which LogFormat without a nickname stores TransferLog's format.
constexpr std::string_view kDefaultKey = "";

bool is_trace(std::string_view level) {
  return level.size() == 6 && util::istarts_with(level, "trace");
}

void warn(const DirectiveCall& call, std::string message) {
  if (call.warn) call.warn(std::move(message));
}

std::string check_format(std::string_view format) {
  CompiledFormat compiled;
  std::string error;
  if (CompiledFormat::compile(format, compiled, error)) return "";
  return "bad log format \"" + std::string(format) + "\": " + error;
}

std::string resolve_log_path(const DirectiveCall& call, std::string_view path, bool& ok,
                             std::string& error) {
  ok = false;
  if (path.empty()) {
    error = "empty path";
  } else if (path.front() == '|') {
    // "|command" (Apache also allows "|$command", always through the shell here).
    std::string_view command =
        util::trim_ows(path.substr(path.size() > 1 && path[1] == '$' ? 2 : 1));
    if (command.empty()) {
      error = "empty command after '|'";
      return "";
    }
    ok = true;
    return "|" + std::string(command);
  } else {
    ok = true;
    if (path == "-" || path == "/dev/stdout" || path == "/dev/stderr") return std::string(path);
    return call.resolve(path);
  }
  return "";
}

std::string set_log_format(Config& c, const DirectiveCall& call) {
  const std::string& format = call.args[0];
  if (std::string e = check_format(format); !e.empty()) return e;
  std::string nickname = call.args.size() > 1 ? call.args[1] : std::string(kDefaultKey);
  c.logs.formats[nickname] = format;
  return "";
}

// A nickname (defined or predefined) or a format string.
std::string resolve_format(const Config& c, const std::string& arg, std::string& out) {
  if (auto it = c.logs.formats.find(arg); it != c.logs.formats.end() && !arg.empty()) {
    out = it->second;
    return "";
  }
  if (std::string_view p = predefined_format(arg); !p.empty()) {
    out = std::string(p);
    return "";
  }
  if (arg.find('%') == std::string::npos) {
    return "unknown LogFormat nickname \"" + arg + "\" (define it with LogFormat first)";
  }
  if (std::string e = check_format(arg); !e.empty()) return e;
  out = arg;
  return "";
}

std::string add_log(Config& c, const DirectiveCall& call, std::string format) {
  bool ok = false;
  std::string error;
  std::string path = resolve_log_path(call, call.args[0], ok, error);
  if (!ok) return error;
  c.logs.custom_logs.push_back({std::move(path), std::move(format)});
  return "";
}

std::string set_custom_log(Config& c, const DirectiveCall& call) {
  std::string format;
  if (std::string e = resolve_format(c, call.args[1], format); !e.empty()) return e;
  std::string env;
  bool negated = false;
  if (call.args.size() > 2) {
    const std::string& cond = call.args[2];
    if (cond.starts_with("env=")) {
      env = cond.substr(4);
      negated = env.starts_with('!');
      if (negated) env.erase(0, 1);
      if (env.empty()) return "env= needs a variable name: env=VAR or env=!VAR";
    } else if (cond.starts_with("expr=")) {
      warn(call, "condition \"" + cond + "\" is not supported; every request is logged");
    } else {
      return "third argument must be env=[!]VAR or expr=EXPRESSION, not \"" + cond + "\"";
    }
  }
  if (std::string e = add_log(c, call, std::move(format)); !e.empty()) return e;
  c.logs.custom_logs.back().env = std::move(env);
  c.logs.custom_logs.back().env_negated = negated;
  return "";
}

std::string set_transfer_log(Config& c, const DirectiveCall& call) {
  auto it = c.logs.formats.find(std::string(kDefaultKey));
  std::string format =
      it != c.logs.formats.end() ? it->second : std::string(predefined_format("common"));
  return add_log(c, call, std::move(format));
}

std::string set_error_log(Config& c, const DirectiveCall& call) {
  const std::string& arg = call.args[0];
  if (is_syslog_target(arg)) {
    if (!syslog_facility(arg)) {
      return "unknown syslog facility \"" + arg.substr(7) +
             "\" (auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp, "
             "local0-local7)";
    }
    c.logs.error_log = arg;
    return "";
  }
  if (arg == "-" || arg == "/dev/stderr") {
    c.logs.error_log = "-";
    return "";
  }
  bool ok = false;
  std::string error;
  std::string path = resolve_log_path(call, arg, ok, error);
  if (!ok) return error;
  c.logs.error_log = std::move(path);
  return "";
}

std::string set_log_level(Config& c, const DirectiveCall& call) {
  bool have_level = false;
  for (const std::string& arg : call.args) {
    if (arg.find(':') != std::string::npos) {
      warn(call, "per-module level \"" + arg + "\" is not supported; ignored");
      continue;
    }
    std::optional<LogLevel> level = parse_level(arg);
    if (!level) {
      return "unknown level \"" + arg +
             "\" (emerg, alert, crit, error, warn, notice, info, debug, trace1-8)";
    }
    if (have_level) {
      warn(call, "only the first level applies; \"" + arg + "\" ignored");
      continue;
    }
    if (is_trace(arg)) warn(call, "\"" + arg + "\" is treated as debug");
    c.logs.log_level = *level;
    have_level = true;
  }
  if (call.location) warn(call, "LogLevel inside <Location> applies to the whole server");
  return "";
}

}  // namespace

std::vector<config::Directive> directives() {
  using config::kDirectory;
  using config::kLocation;
  using config::kServer;
  return {
      {"LogFormat", 1, 2, kServer, set_log_format,
       "LogFormat \"format\" [nickname]: define a log format; without nickname, "
       "TransferLog's format"},
      {"CustomLog", 2, 3, kServer | config::kVirtualHost, set_custom_log,
       "CustomLog path|-|\"|command\" format|nickname [env=VAR]: write an access log to a file, "
       "standard output, or a program's standard input (started by the master, restarted if it "
       "dies); in <VirtualHost>, that vhost's requests go to its own logs instead of the "
       "server's"},
      {"TransferLog", 1, 1, kServer | config::kVirtualHost, set_transfer_log,
       "TransferLog path|-: access log in the last nickname-less LogFormat (default common)"},
      {"ErrorLog", 1, 1, kServer, set_error_log,
       "ErrorLog path|-|syslog[:facility]|\"|command\": where the error log goes (default "
       "standard error; syslog's default facility local7; with a journal prefix under systemd)"},
      {"LogLevel", 1, -1, kServer | kLocation | kDirectory, set_log_level,
       "LogLevel level: emerg alert crit error warn notice info debug (default warn)"},
  };
}

}  // namespace mpmd::log
