// mpmd command line: -f FILE, -D NAME, -k start|stop|restart|graceful|graceful-stop,
// -t, -X, -L, -v, -h, and `serve [DIR]`.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "config/accepted_directives.hpp"
#include "config/parser.hpp"
#include "log/configure.hpp"
#include "mpm/common/child.hpp"
#include "mpm/engines.hpp"
#include "mpm/event/backend.hpp"
#include "site/vhosts.hpp"
#include "supervisor/config_checks.hpp"
#include "supervisor/load_config.hpp"
#include "supervisor/master.hpp"
#include "supervisor/piped_logs.hpp"
#include "tls/server.hpp"
#include "util/error_log.hpp"
#include "util/proctitle.hpp"
#include "util/unique_fd.hpp"
#include "util/version.hpp"

namespace {

using namespace mpmd;

constexpr const char* kUsage =
    R"(Usage: mpmd [-f FILE] [-d DIR] [-D NAME] [-k start|stop|restart|graceful|graceful-stop]
            [-t] [-S] [-M] [-X] [-L] [-v] [-h]
       mpmd serve [DIR] [--port N] [--listen ADDR] [--mpm event] [--tls]
                  [--event-backend select|poll|epoll|io_uring]

Options:
  -f FILE          configuration file (Apache syntax; default conf/mpmd.conf)
  -d DIR           ServerRoot until the file sets one (Apache's -d). Default:
                   the directory above the file's; for a file in an Apache
                   tree (an `envvars` file beside it, as /etc/apache2), the
                   file's own directory, and the APACHE_* variables envvars
                   sets are exported first, as apache2ctl does
  -D NAME          define NAME for <IfDefine NAME>; -D FOREGROUND keeps the
                   master in the foreground instead of detaching
  -k start         start the server (detached unless -D FOREGROUND)
  -k stop          stop now: requests in flight are aborted (SIGTERM)
  -k restart       re-read the config, restart all children now (SIGHUP)
  -k graceful      re-read the config; old children finish their requests (SIGUSR1)
  -k graceful-stop stop after the requests in flight finish (SIGWINCH), bounded by
                   GracefulShutdownTimeout; waits until the server is gone
                   (-k uses the pid in PidFile, default logs/httpd.pid)
  -t               check the configuration: prints "Syntax OK" or every error
                   with file and line; reads the TLS certificates and keys (a
                   mismatch or an unreadable file is an error, a certificate
                   expiring within 30 days a warning); warns about a missing
                   DocumentRoot, logs that cannot be written, logs on a
                   terminal; exit status 0 or 1
  -S               show the virtual hosts as `apache2ctl -S` does: each address,
                   its default vhost and the names that select the others
                   (ServerName, ServerAlias), with file:line; then ServerRoot,
                   the main DocumentRoot and ErrorLog, PidFile, User, Group
  -M               list the Apache modules whose directives mpmd provides
  -X               debug mode: one process, no children, in the foreground
                   (started as root, it switches to User/Group like a child)
  -L               list the configuration directives with their syntax
  -v               print the version
  -h               this help

serve: serves DIR (default: the current directory) with no config file, like
`python3 -m http.server` but fast: port 8080 on all addresses unless --port /
--listen say otherwise, directory listings on, access log on standard output.
--tls serves HTTPS with a self-signed certificate for localhost made in memory
(for local use: browsers warn about it). --event-backend chooses how the event
engine waits (EventBackend; default epoll).

Run as root, mpmd keeps root in its master only (to bind, open logs, read keys):
children, WSGI daemons and offload helpers run as User/Group; `User root` is
refused. Without User or Group (and in `mpmd serve`) nobody switches.
)";

struct Args {
  std::string file = "conf/mpmd.conf";
  std::string server_root;  // -d
  std::vector<std::string> defines;
  std::string command;  // -k
  bool test = false, single = false, list = false;
  bool dump_vhosts = false, modules = false;  // -S, -M
};

// -S: apache2ctl -S's report (DUMP_VHOSTS, then DUMP_RUN_CFG's main lines).
void dump_run_config(const config::Config& cfg) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  site::VhostMap map(cfg.virtual_hosts, cfg.server_name.empty() ? host : cfg.server_name);
  std::fputs(map.describe(cfg.virtual_hosts).c_str(), stdout);
  std::printf("ServerRoot: \"%s\"\n", cfg.server_root.c_str());
  std::printf("Main DocumentRoot: \"%s\"\n", cfg.files.document_root.c_str());
  const std::string& error_log = cfg.logs.error_log;
  std::printf("Main ErrorLog: \"%s\"\n",
              error_log.empty() || error_log == "-" ? "/dev/stderr" : error_log.c_str());
  if (!cfg.pid_file.empty()) std::printf("PidFile: \"%s\"\n", cfg.pid_file.c_str());
  for (const auto& d : cfg.defines) std::printf("Define: %s\n", d.c_str());
  if (cfg.run_as.uid) {
    const passwd* pw = getpwuid(*cfg.run_as.uid);
    std::printf("User: name=\"%s\" id=%u\n", pw ? pw->pw_name : "?", *cfg.run_as.uid);
  }
  if (cfg.run_as.gid) {
    const group* gr = getgrgid(*cfg.run_as.gid);
    std::printf("Group: name=\"%s\" id=%u\n", gr ? gr->gr_name : "?", *cfg.run_as.gid);
  }
}

bool has_define(const Args& a, const char* name) {
  for (const auto& d : a.defines) {
    if (d == name) return true;
  }
  return false;
}

void print_messages(const std::vector<std::string>& lines, const char* prefix) {
  for (const auto& l : lines) std::fprintf(stderr, "%s%s\n", prefix, l.c_str());
}

// A detached master has no terminal: an access log on standard output would
// go to /dev/null, so that start is refused; at -t it is a warning. An error
// log on standard error stays on the starting terminal: a warning.
int check_terminal_logs(const config::Config& cfg, bool test) {
  supervisor::TerminalLogs t = supervisor::terminal_logs(cfg);
  for (const auto& path : t.access) {
    const char* what = test ? "mpmd: warning: " : "mpmd: ";
    std::fprintf(stderr,
                 "%sCustomLog %s: a detached server (-k start without -D FOREGROUND) has no "
                 "standard output, so it %s with this log; log to a file or a pipe "
                 "(\"|command\"), or run with -D FOREGROUND\n",
                 what, path.c_str(), test ? "refuses to start" : "does not start");
    if (!test) return 1;
  }
  if (t.error_log) {
    std::fprintf(stderr,
                 "mpmd: warning: ErrorLog on standard error: a detached server (-k start "
                 "without -D FOREGROUND) keeps writing it to the terminal that started it; log "
                 "to a file, syslog or a pipe, or run with -D FOREGROUND\n");
  }
  return 0;
}

// Detaches from the terminal. The parent returns only once the master wrote its
// pid file (or failed), so `mpmd -k start` reports a failure to start.
int daemonize(const config::Config& cfg) {
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("mpmd: fork");
    return 1;
  }
  if (pid > 0) {
    for (int i = 0; i < 100; ++i) {
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        std::fprintf(stderr, "mpmd: the server failed to start; see the error log\n");
        return 1;
      }
      if (!cfg.pid_file.empty() && access(cfg.pid_file.c_str(), R_OK) == 0) return 0;
      usleep(30'000);
    }
    return 0;
  }
  setsid();
  util::UniqueFd null(open("/dev/null", O_RDWR));
  if (null) {
    dup2(null.get(), 0);
    dup2(null.get(), 1);
    if (!cfg.logs.error_log.empty() && cfg.logs.error_log != "-" &&
        cfg.logs.error_log != "/dev/stderr") {
      dup2(null.get(), 2);
    }
    if (null.get() <= 2) null.release();  // it is one of the standard descriptors now
  }
  return -1;  // continue as the daemon
}

// True while `pid` runs; an exited process that its parent has not yet
// collected (a zombie) counts as gone.
bool process_alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() || text[paren + 2] != 'Z';
}

int signal_running(const config::Config& cfg, const std::string& command) {
  int sig = command == "stop"            ? SIGTERM
            : command == "restart"       ? SIGHUP
            : command == "graceful"      ? SIGUSR1
            : command == "graceful-stop" ? SIGWINCH
                                         : 0;
  if (sig == 0) {
    std::fprintf(stderr, "mpmd: unknown -k command '%s'\n%s", command.c_str(), kUsage);
    return 1;
  }
  if (cfg.pid_file.empty()) {
    std::fprintf(stderr, "mpmd: -k %s needs a PidFile in the configuration\n", command.c_str());
    return 1;
  }
  std::ifstream f(cfg.pid_file);
  long pid = 0;
  if (!(f >> pid) || pid <= 1) {
    std::fprintf(stderr, "mpmd: no valid pid in %s: is the server running?\n",
                 cfg.pid_file.c_str());
    return 1;
  }
  if (kill(pid_t(pid), sig) != 0) {
    std::fprintf(stderr, "mpmd: cannot signal pid %ld: %s (stale %s?)\n", pid, std::strerror(errno),
                 cfg.pid_file.c_str());
    return 1;
  }
  if (sig == SIGTERM) {
    // Like apachectl: return once the server is gone, so a following start works.
    for (int i = 0; i < 250 && process_alive(pid_t(pid)); ++i) usleep(40'000);
  } else if (sig == SIGWINCH) {
    // Unlike apachectl: wait for the requests in flight to finish, so that a
    // service manager's ExecStop (or a script) knows when the server is gone;
    // bounded by GracefulShutdownTimeout and its SIGKILL escalation, if set.
    auto limit = cfg.mpm.graceful_shutdown_timeout;
    long rounds = limit.count() > 0 ? (limit.count() + 12'000) / 40 : -1;
    for (long i = 0; (rounds < 0 || i < rounds) && process_alive(pid_t(pid)); ++i) {
      usleep(40'000);
    }
  }
  return 0;
}

int serve(int argc, char** argv) {
  config::Config cfg;
  std::string dir = ".";
  std::string listen_host;
  long port = 8080;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mpmd serve: %s needs a value\n", what);
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "--port") {
      char* end = nullptr;
      std::string v = value("--port");
      port = std::strtol(v.c_str(), &end, 10);
      if (*end || port < 1 || port > 65535) {
        std::fprintf(stderr, "mpmd serve: --port must be 1..65535, not '%s'\n", v.c_str());
        return 1;
      }
    } else if (a == "--listen") {
      listen_host = value("--listen");
    } else if (a == "--mpm") {
      cfg.mpm.name = value("--mpm");
    } else if (a == "--tls") {
      cfg.tls.self_signed = true;
    } else if (a == "--event-backend") {
      cfg.event_loop.backend = value("--event-backend");
      if (!mpm::event::known_backend(cfg.event_loop.backend)) {
        std::fprintf(stderr,
                     "mpmd serve: unknown event backend '%s': must be select, poll, epoll or "
                     "io_uring\n",
                     cfg.event_loop.backend.c_str());
        return 1;
      }
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "mpmd serve: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 1;
    } else {
      dir = a;
    }
  }
  char resolved[PATH_MAX];
  if (!realpath(dir.c_str(), resolved)) {
    std::fprintf(stderr, "mpmd serve: %s: %s\n", dir.c_str(), std::strerror(errno));
    return 1;
  }
  cfg.server_root = resolved;
  cfg.files.document_root = resolved;
  cfg.files.indexes = true;
  cfg.listen.push_back({listen_host, uint16_t(port), "--port", cfg.tls.self_signed});
  cfg.logs.custom_logs.push_back(
      {"-", std::string("%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"")});
  cfg.logs.log_level = log::LogLevel::notice;
  if (!mpm::find_engine(cfg.mpm.name)) {
    std::fprintf(stderr, "mpmd serve: unknown engine '%s'\n", cfg.mpm.name.c_str());
    return 1;
  }
  supervisor::apply_defaults(cfg);
  (void)log::configure(log::error_log(), cfg.logs);  // standard error: cannot fail
  if (cfg.tls.self_signed) {
    std::fprintf(stderr,
                 "mpmd: serving %s on https://localhost:%ld/ (%s engine) with a self-signed "
                 "certificate for localhost made in memory, for local use (clients will not "
                 "trust it); Ctrl-C stops\n",
                 resolved, port, cfg.mpm.name.c_str());
  } else {
    std::fprintf(stderr, "mpmd: serving %s on port %ld (%s engine%s%s); Ctrl-C stops\n", resolved,
                 port, cfg.mpm.name.c_str(), cfg.mpm.name == "event" ? ", backend " : "",
                 cfg.mpm.name == "event" ? cfg.event_loop.backend.c_str() : "");
  }
  return supervisor::run_master(std::move(cfg), nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  util::init_title(argc, argv);
  // A client that leaves mid-response must cost its connection, not the
  // process: sendfile has no MSG_NOSIGNAL, so writes report EPIPE instead.
  signal(SIGPIPE, SIG_IGN);
  // Every connection is a descriptor: use all the process may have (nginx's
  // worker_rlimit_nofile), so the limit is the hard one an operator set.
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  if (argc >= 2 && std::strcmp(argv[1], "serve") == 0) return serve(argc, argv);
  Args args;
  int opt;
  while ((opt = getopt(argc, argv, "f:d:D:k:tSMXLvhV")) != -1) {
    switch (opt) {
      case 'f':
        args.file = optarg;
        break;
      case 'd':
        args.server_root = optarg;
        break;
      case 'D':
        args.defines.push_back(optarg);
        break;
      case 'k':
        args.command = optarg;
        break;
      case 't':
        args.test = true;
        break;
      case 'X':
        args.single = true;
        break;
      case 'L':
        args.list = true;
        break;
      case 'S':
        args.dump_vhosts = true;
        break;
      case 'M':
        args.modules = true;
        break;
      case 'v':
      case 'V':
        std::printf("Server version: %s/%s\n", kName.data(), kVersion.data());
        return 0;
      case 'h':
        std::fputs(kUsage, stdout);
        return 0;
      default:
        std::fputs(kUsage, stderr);
        return 1;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "mpmd: unexpected argument '%s'\n%s", argv[optind], kUsage);
    return 1;
  }
  if (args.list) {
    config::Parser parser = supervisor::make_parser();
    for (const auto* d : parser.directives()) {
      std::printf("%-26s %s\n", std::string(d->name).c_str(), std::string(d->help).c_str());
    }
    return 0;
  }
  std::string envvars_error;
  std::string tree = supervisor::apache_envvars(args.file, envvars_error);
  if (!envvars_error.empty()) std::fprintf(stderr, "mpmd: warning: %s\n", envvars_error.c_str());
  if (args.server_root.empty()) args.server_root = tree;
  config::ParseResult parsed = supervisor::load_config(args.file, args.defines, args.server_root);
  print_messages(parsed.warnings, "mpmd: warning: ");
  if (!parsed.ok) {
    print_messages(parsed.errors, "");
    return 1;
  }
  config::Config& cfg = parsed.config;
  if (!args.command.empty() && args.command != "start") {
    return signal_running(cfg, args.command);
  }
  print_messages(supervisor::check_paths(cfg), "mpmd: warning: ");
  if (args.test || args.dump_vhosts || args.modules) {
    // The master reads the certificates and keys again at start (and logs).
    std::vector<std::string> tls_errors, tls_warnings;
    tls::check(cfg, tls_errors, tls_warnings);
    print_messages(tls_warnings, "mpmd: warning: ");
    if (!tls_errors.empty()) {
      print_messages(tls_errors, "");
      return 1;
    }
  }
  if (!args.single && !has_define(args, "FOREGROUND") && !args.dump_vhosts && !args.modules) {
    if (int rc = check_terminal_logs(cfg, args.test); rc != 0) return rc;
  }
  if (args.test) {
    std::fprintf(stderr, "Syntax OK\n");
    return 0;
  }
  if (args.dump_vhosts) {
    dump_run_config(cfg);
    return 0;
  }
  if (args.modules) {
    std::printf("Loaded Modules:\n mpm_%s_module (static)\n", cfg.mpm.name.c_str());
    std::vector<std::string_view> builtin = config::builtin_module_names();
    for (std::string_view m : builtin) std::printf(" %s (static)\n", std::string(m).c_str());
    auto accepted = config::accepted_modules();
    for (size_t i = 0; i < accepted.size(); i += 2) {
      if (std::find(builtin.begin(), builtin.end(), accepted[i]) != builtin.end()) {
        continue;  // implemented in part (mime_module): listed above
      }
      std::printf(" %s (directives accepted, not enforced)\n", std::string(accepted[i]).c_str());
    }
    return 0;
  }
  // Pipes of "|command" logs first: the error log may be one. Their programs
  // start in the process that reaps them (the master, after detaching).
  if (auto st = supervisor::piped_logs().prepare(cfg); !st) {
    std::fprintf(stderr, "mpmd: %s\n", st.error().message.c_str());
    return 1;
  }
  if (util::Status s = log::configure(log::error_log(), cfg.logs); !s) {
    std::fprintf(stderr, "mpmd: ErrorLog: %s\n", s.error().message.c_str());
    return 1;
  }
  if (args.single) {
    supervisor::piped_logs().start_due();
    return supervisor::run_single(cfg);
  }
  if (!has_define(args, "FOREGROUND")) {
    int rc = daemonize(cfg);
    if (rc >= 0) return rc;
  }
  supervisor::Reload reload = [file = args.file, defines = args.defines, root = args.server_root](
                                  config::Config& out, std::string& errors) {
    config::ParseResult r = supervisor::load_config(file, defines, root);
    for (const auto& e : r.errors) errors += (errors.empty() ? "" : "; ") + e;
    if (!r.ok) return false;
    out = std::move(r.config);
    return true;
  };
  return supervisor::run_master(std::move(cfg), reload);
}
