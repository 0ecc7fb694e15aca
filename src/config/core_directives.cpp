// Core, MPM and HTTP-limit directive rows (Apache httpd core.c, mpm_common.c,
// the MPMs' own directives) with Apache's defaults and clamps.
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <optional>

#include "config/address.hpp"
#include "config/parser.hpp"
#include "util/strings.hpp"

namespace mpmd::config {
namespace {

constexpr long kMaxServers = 200000;  // prefork's hard ServerLimit (worker/event: 20000)
constexpr long kMaxThreads = 100000;  // event's hard ThreadLimit (worker: 20000)

std::string origin_of(const DirectiveCall& c) {
  return c.file + ":" + std::to_string(c.line);
}

// Files the argument under the enclosing <VirtualHost>, else the server's.
Setter server_or_vhost(std::string Config::*server, std::string VirtualHost::*vhost) {
  return [server, vhost](Config& cfg, const DirectiveCall& c) {
    if (c.virtual_host >= 0) {
      cfg.virtual_hosts[size_t(c.virtual_host)].*vhost = c.args[0];
    } else {
      cfg.*server = c.args[0];
    }
    return std::string();
  };
}

// A directive taking On|Off|`third` whose every value mpmd serves as Off:
// anything but Off is accepted with `warning`.
Setter behaves_as_off(std::string_view third, std::string_view warning) {
  return [third, warning](Config&, const DirectiveCall& c) {
    const std::string& a = c.args[0];
    if (!util::iequals(a, "off") && !util::iequals(a, "on") && !util::iequals(a, third)) {
      return "must be On, Off or " + std::string(third);
    }
    if (!util::iequals(a, "off")) c.warn(std::string(warning));
    return std::string();
  };
}

std::string ignored(Config&, const DirectiveCall&) {
  return "";
}

// An int MPM setting in [INT_MIN, max]; values < 1 become 1 with a warning
// (Apache: "values <1 become 1, with a warning").
Setter count_at_least_one(int Mpm::*field, long max) {
  return [field, max](Config& cfg, const DirectiveCall& c) -> std::string {
    int v = 0;
    if (!parse_int(c.args[0], INT_MIN, max, v).empty()) {
      return "must be an integer from 1 to " + std::to_string(max) + ", not '" + c.args[0] + "'";
    }
    if (v < 1) {
      c.warn("value " + std::to_string(v) + " is below 1, using 1");
      v = 1;
    }
    cfg.mpm.*field = v;
    return "";
  };
}

Setter count_in_range(int Mpm::*field, long min, long max) {
  return [field, min, max](Config& cfg, const DirectiveCall& c) -> std::string {
    return parse_int(c.args[0], min, max, cfg.mpm.*field);
  };
}

Setter size_in_range(size_t Http::*field, uint64_t min, uint64_t max) {
  return [field, min, max](Config& cfg, const DirectiveCall& c) -> std::string {
    auto v = util::parse_u64(c.args[0]);
    if (!v || *v < min || *v > max) {
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) +
             ", not '" + c.args[0] + "'";
    }
    cfg.http.*field = size_t(*v);
    return "";
  };
}

Setter deprecated_alias(std::string_view replacement, Setter target) {
  return [replacement, target](Config& cfg, const DirectiveCall& c) -> std::string {
    c.warn("deprecated, use " + std::string(replacement) + " instead");
    return target(cfg, c);
  };
}

std::string choose_mpm(Config& cfg, const DirectiveCall& c, const std::string& name) {
  if (!cfg.mpm.origin.empty()) {
    if (cfg.mpm.name == name) {
      c.warn("MPM " + name + " already chosen at " + cfg.mpm.origin + ", skipping");
      return "";
    }
    return "cannot choose MPM " + name + ": MPM " + cfg.mpm.name + " was chosen at " +
           cfg.mpm.origin + " (only one MPM can be used)";
  }
  cfg.mpm.name = name;
  cfg.mpm.origin = origin_of(c);
  return "";
}

bool is_engine(const DirectiveCall& c, std::string_view name) {
  return std::find(c.engines.begin(), c.engines.end(), name) != c.engines.end();
}

// "event, worker or prefork"
std::string engine_choices(const DirectiveCall& c) {
  std::string out;
  for (size_t i = 0; i < c.engines.size(); ++i) {
    if (i > 0) out += i + 1 == c.engines.size() ? " or " : ", ";
    out += c.engines[i];
  }
  return out;
}

std::string set_mpm(Config& cfg, const DirectiveCall& c) {
  std::string name = util::to_lower(c.args[0]);
  if (!is_engine(c, name)) return "must be " + engine_choices(c) + ", not '" + c.args[0] + "'";
  return choose_mpm(cfg, c, name);
}

std::string load_module(Config& cfg, const DirectiveCall& c) {
  std::string module = util::to_lower(c.args[0]);
  constexpr std::string_view kPrefix = "mpm_", kSuffix = "_module";
  if (module.size() > kPrefix.size() + kSuffix.size() && module.starts_with(kPrefix) &&
      module.ends_with(kSuffix)) {
    std::string name =
        module.substr(kPrefix.size(), module.size() - kPrefix.size() - kSuffix.size());
    if (is_engine(c, name)) return choose_mpm(cfg, c, name);
  }
  if (is_builtin_module(module)) return "";  // compiled into mpmd
  c.warn("module " + c.args[0] +
         " ignored: mpmd loads no modules; directives it provides will be unknown");
  return "";
}

std::string set_server_root(Config& cfg, const DirectiveCall& c) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(c.args[0]), ec).lexically_normal();
  if (ec || !fs::is_directory(p, ec)) return "must be a valid directory: '" + c.args[0] + "'";
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  cfg.server_root = s;
  return "";
}

std::string set_listen(Config& cfg, const DirectiveCall& c) {
  ListenAddress a;
  if (auto err = parse_listen_address(c.args[0], a); !err.empty()) return err;
  if (c.args.size() == 2) {
    if (util::iequals(c.args[1], "https")) {
      a.https = true;
    } else if (!util::iequals(c.args[1], "http")) {
      return "unknown protocol '" + c.args[1] + "' (use http or https)";
    }
  }
  for (const auto& l : cfg.listen) {
    if (l.host == a.host && l.port == a.port) {
      c.warn(c.args[0] + " already listed at " + l.origin + ", ignoring the duplicate");
      return "";
    }
  }
  a.origin = origin_of(c);
  cfg.listen.push_back(std::move(a));
  return "";
}

// Apache's words (unixd.c), for User root or User #0: refused, even at -t.
constexpr const char* kRootRefused =
    "Error:\tmpmd has not been designed to serve pages while\n"
    "\trunning as root.  There are known race conditions that\n"
    "\twill allow any local user to read any file on the system.\n"
    "\tIt is strongly suggested that you instead modify the User\n"
    "\tdirective in your mpmd.conf file to list a non-root\n"
    "\tuser.";

std::string set_user(Config& cfg, const DirectiveCall& c) {
  util::Result<uint32_t> uid = util::parse_user(c.args[0]);
  if (!uid) return uid.error().message;
  if (*uid == 0) return kRootRefused;
  cfg.run_as.uid = *uid;
  return "";
}

std::string set_group(Config& cfg, const DirectiveCall& c) {
  util::Result<uint32_t> gid = util::parse_group(c.args[0]);
  if (!gid) return gid.error().message;
  cfg.run_as.gid = *gid;
  return "";
}

std::string set_max_connections_per_child(Config& cfg, const DirectiveCall& c) {
  auto v = util::parse_u64(c.args[0]);
  if (!v) return "must be a non-negative integer (0 = unlimited), not '" + c.args[0] + "'";
  cfg.mpm.max_connections_per_child = *v;
  return "";
}

std::string set_max_keepalive_requests(Config& cfg, const DirectiveCall& c) {
  auto v = util::parse_u64(c.args[0]);
  if (!v || *v > UINT32_MAX) {
    return "must be an integer from 0 (unlimited) to " + std::to_string(UINT32_MAX) + ", not '" +
           c.args[0] + "'";
  }
  cfg.http.max_keepalive_requests = uint32_t(*v);
  return "";
}

std::string set_server_tokens(Config& cfg, const DirectiveCall& c) {
  const std::string& a = c.args[0];
  std::string value;
  if (util::iequals(a, "full"))
    value = "full";
  else if (util::iequals(a, "os"))
    value = "os";
  else if (util::iequals(a, "min") || util::iequals(a, "minimal"))
    value = "minimal";
  else if (util::iequals(a, "minor"))
    value = "minor";
  else if (util::iequals(a, "major"))
    value = "major";
  else if (util::iequals(a, "prod") || util::iequals(a, "productonly"))
    value = "prod";
  else
    return "must be Prod, Major, Minor, Min, OS or Full, not '" + a + "'";
  cfg.http.server_tokens = value;
  return "";
}

std::string set_hostname_lookups(Config&, const DirectiveCall& c) {
  const std::string& a = c.args[0];
  if (util::iequals(a, "off")) return "";
  if (util::iequals(a, "on") || util::iequals(a, "double")) {
    c.warn("not supported: client addresses are never resolved to names");
    return "";
  }
  return "must be On, Off or Double, not '" + a + "'";
}

std::string set_add_default_charset(Config&, const DirectiveCall& c) {
  if (!util::iequals(c.args[0], "off")) c.warn("not supported, ignored");
  return "";
}

// AllowOverride None|All|AuthConfig FileInfo Indexes Limit Options[=...]:
// recorded for the .htaccess reader (rewrite/htaccess.cpp).
std::string set_allow_override(Config& cfg, const DirectiveCall& c) {
  static constexpr std::pair<std::string_view, unsigned> kClasses[] = {
      {"none", 0},
      {"all", Overrides::kAll},
      {"authconfig", Overrides::kAuthConfig},
      {"fileinfo", Overrides::kFileInfo},
      {"indexes", Overrides::kIndexes},
      {"limit", Overrides::kLimit},
      {"options", Overrides::kOptions},
  };
  unsigned classes = 0;
  for (const std::string& a : c.args) {
    std::string word = util::to_lower(a.substr(0, a.find('=')));
    if (word == "nonfatal") continue;
    auto it = std::find_if(std::begin(kClasses), std::end(kClasses),
                           [&](const auto& k) { return k.first == word; });
    if (it == std::end(kClasses)) return "unknown override class '" + a + "'";
    classes |= it->second;
  }
  cfg.overrides.allow.push_back(
      Overrides::Rule{.vhost = c.virtual_host, .dir = c.directory, .classes = classes});
  return "";
}

std::string set_access_file_name(Config& cfg, const DirectiveCall& c) {
  cfg.overrides.file_names = c.args;
  return "";
}

std::string set_handler(Config&, const DirectiveCall& c) {
  if (c.location == nullptr) return "only allowed inside <Location>";
  c.location->handler = util::iequals(c.args[0], "none") ? "" : c.args[0];
  return "";
}

// Several Require lines in one section grant access if any of them does
// (Apache's implicit <RequireAny>).
std::string set_require(Config& cfg, const DirectiveCall& c) {
  const auto& a = c.args;
  Access access = Access::unset;
  std::vector<std::string> ips;
  if (util::iequals(a[0], "all")) {
    if (a.size() != 2) return "usage: Require all granted|denied";
    if (util::iequals(a[1], "granted"))
      access = Access::granted;
    else if (util::iequals(a[1], "denied"))
      access = Access::denied;
    else
      return "usage: Require all granted|denied, not '" + a[1] + "'";
  } else if (util::iequals(a[0], "local")) {
    // Apache's: the loopback addresses (it also counts a client connecting
    // to its own address from outside the loopback network; mpmd does not).
    if (a.size() != 1) return "usage: Require local";
    ips = {"127.0.0.0/8", "::1"};
    access = Access::ip_list;
  } else if (util::iequals(a[0], "ip")) {
    if (a.size() < 2) return "usage: Require ip ADDRESS|NETWORK...";
    for (size_t i = 1; i < a.size(); ++i) {
      if (auto err = check_ip_or_cidr(a[i]); !err.empty()) return err;
      ips.push_back(a[i]);
    }
    access = Access::ip_list;
  } else if (util::iequals(a[0], "valid-user") || util::iequals(a[0], "user") ||
             util::iequals(a[0], "group")) {
    bool valid_user = util::iequals(a[0], "valid-user");
    if (valid_user != (a.size() == 1)) {
      return valid_user ? "usage: Require valid-user" : "usage: Require " + a[0] + " NAME...";
    }
    Location* loc = section_access(cfg, c, false);
    if (loc == nullptr) {
      return "not supported inside a <Directory> with wildcards (it would not be enforced); use "
             "a plain path or <Location>";
    }
    Auth& auth = loc->auth;
    auth.valid_user |= valid_user;
    auto& names = util::iequals(a[0], "user") ? auth.users : auth.groups;
    if (!valid_user) names.insert(names.end(), a.begin() + 1, a.end());
    return "";
  } else {
    return "'Require " + a[0] +
           "' is not supported (only 'all granted|denied', 'local', 'ip ...', 'valid-user', "
           "'user ...' and 'group ...')";
  }
  Location* loc = section_access(cfg, c, access != Access::granted);
  if (loc == nullptr) return "";
  if (loc->access == Access::granted) return "";  // any rule granting everyone wins
  if (access == Access::granted) {
    loc->access = Access::granted;
    loc->require_ip.clear();
  } else if (access == Access::ip_list) {
    loc->access = Access::ip_list;
    loc->require_ip.insert(loc->require_ip.end(), ips.begin(), ips.end());
  } else if (loc->access == Access::unset) {
    loc->access = Access::denied;
  }
  return "";
}

}  // namespace

namespace {

// One RequestReadTimeout argument, e.g. "header=20-40,MinRate=500" (mod_reqtimeout).
std::string parse_read_timeout(const std::string& arg, Http& http) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos) return "expected STAGE=TIMEOUT, not '" + arg + "'";
  std::string stage = util::to_lower(arg.substr(0, eq));
  std::string spec = arg.substr(eq + 1);
  ReadStage out;
  std::string rate;
  size_t comma = spec.find(',');
  if (comma != std::string::npos) {
    std::string opt = spec.substr(comma + 1);
    spec = spec.substr(0, comma);
    if (!util::istarts_with(opt, "minrate="))
      return "unknown option '" + opt + "' in '" + arg + "'";
    rate = opt.substr(8);
  }
  size_t dash = spec.find('-');
  auto min = util::parse_u64(spec.substr(0, dash));
  auto max = dash == std::string::npos ? std::optional<uint64_t>(0)
                                       : util::parse_u64(spec.substr(dash + 1));
  auto min_rate = rate.empty() ? std::optional<uint64_t>(0) : util::parse_u64(rate);
  if (!min || !max || !min_rate || *min > 86400 || *max > 86400 || *min_rate > (1u << 30)) {
    return "bad timeout '" + arg + "' (expected e.g. header=20-40,MinRate=500)";
  }
  if (*max != 0 && *max < *min) return "maximum below minimum in '" + arg + "'";
  if (*max != 0 && *min_rate == 0) return "a range needs MinRate in '" + arg + "'";
  out.min = int(*min);
  out.max = int(*max);
  out.min_rate = int(*min_rate);
  if (stage == "header") {
    http.header_read = out;
  } else if (stage == "body") {
    http.body_read = out;
  } else if (stage == "handshake") {
    http.handshake_read = out;
  } else {
    return "unknown stage '" + stage + "' (handshake, header or body)";
  }
  return "";
}

}  // namespace

std::vector<Directive> core_directives() {
  constexpr unsigned kAny = kServer | kLocation | kDirectory;
  constexpr long kMax = INT_MAX;
  using M = Mpm;
  using H = Http;
  return {
      // Parser-interpreted rows (no setter).
      {"Include", 1, 1, kAny, nullptr,
       "Include PATH|GLOB - reads config files; relative to ServerRoot; a directory reads all "
       "files below it; no match is an error"},
      {"IncludeOptional", 1, 1, kAny, nullptr,
       "IncludeOptional PATH|GLOB - like Include, but a missing file or no match is not an "
       "error"},
      {"Define", 1, 2, kServer, nullptr,
       "Define NAME [VALUE] - defines NAME for <IfDefine> and ${NAME} (like -D NAME)"},
      {"<IfModule", 1, 1, kAny, nullptr,
       "<IfModule [!]MODULE> ... </IfModule> - contents apply if MODULE is (not) in mpmd: the "
       "chosen mpm_{event,worker,prefork}_module (the MPM line must come first), core_module, "
       "http_module, unixd_module, status_module, log_config_module, mime_module, dir_module, "
       "authz_core_module, authz_host_module, or their mod_NAME.c forms"},
      {"<IfDefine", 1, 1, kAny, nullptr,
       "<IfDefine [!]NAME> ... </IfDefine> - contents apply if NAME is (not) defined by -D or "
       "Define"},
      {"<Location", 1, 1, kServer, nullptr,
       "<Location /PATH> ... </Location> - settings for URLs starting with /PATH; later blocks "
       "win"},
      {"<Directory", 1, 2, kServer, nullptr,
       "<Directory DIR> ... </Directory> - Require inside applies to DIR and below, as served "
       "below DocumentRoot or an Alias (shortest DIR first, <Location> after); other "
       "directives inside apply as at server or vhost level; <Directory ~ REGEX> is skipped "
       "with a warning"},
      {"<Files", 1, 2, kServer, nullptr,
       "<Files NAME|~ REGEX> ... </Files> - Require and Auth* for the files whose name (the "
       "last path segment) matches the wildcard NAME or REGEX, below a <Directory> it is in; "
       "other directives inside are skipped with a warning"},
      {"<FilesMatch", 1, 1, kServer, nullptr,
       "<FilesMatch REGEX> ... </FilesMatch> - as <Files ~ REGEX> (PCRE2, as Apache's): "
       "Debian's <FilesMatch \"^\\.ht\"> Require all denied keeps .htaccess files private"},
      {"<VirtualHost", 1, -1, kServer, nullptr,
       "<VirtualHost ADDR...> ... </VirtualHost> - a virtual host: ADDR is *, _default_, an IP "
       "or [IPv6], with :PORT or :* (none = any port); chosen by the address a connection "
       "arrived on, then by Host among ServerName/ServerAlias, else the first listed for that "
       "address. DocumentRoot, <Location>, CustomLog, Options, DirectoryIndex, AddType, "
       "SetHandler, Require, Alias, Redirect and the SSL directives apply per vhost; others "
       "(with a warning) to "
       "the whole server"},

      // Server.
      {"ServerRoot", 1, 1, kServer, set_server_root,
       "ServerRoot DIR - base of relative paths (default: the parent of the directory holding "
       "the main config file, e.g. the repository root for conf/mpmd.conf)"},
      {"ServerName", 1, 1, kServer | kVhostAware,
       server_or_vhost(&Config::server_name, &VirtualHost::server_name),
       "ServerName [scheme://]HOST[:PORT] - the server's own name (default: the host name); in "
       "<VirtualHost>, the name that selects it (Host header, TLS SNI) and its %v"},
      {"ServerAlias", 1, -1, kServer | kVhostAware,
       [](Config& cfg, const DirectiveCall& c) {
         if (c.virtual_host < 0) return std::string("only allowed inside <VirtualHost>");
         auto& aliases = cfg.virtual_hosts[size_t(c.virtual_host)].aliases;
         aliases.insert(aliases.end(), c.args.begin(), c.args.end());
         return std::string();
       },
       "ServerAlias NAME... - <VirtualHost>: more names that select it (wildcards * and ?, like "
       "*.example.org), by Host and TLS SNI"},
      {"ServerAdmin", 1, 1, kServer | kVhostAware,
       server_or_vhost(&Config::server_admin, &VirtualHost::server_admin),
       "ServerAdmin EMAIL|URL - the server's (or <VirtualHost>'s) contact; shown by mpmd -S"},
      {"TraceEnable", 1, 1, kServer | kVhostAware,
       behaves_as_off("extended", "TRACE is answered 405 (as TraceEnable Off)"),
       "TraceEnable On|Off|extended - accepted; mpmd answers TRACE with 405, as Off"},
      {"ServerSignature", 1, 1, kServer | kLocation | kDirectory | kVhostAware,
       behaves_as_off("EMail", "error pages carry no signature line (as ServerSignature Off)"),
       "ServerSignature On|Off|EMail - accepted; error pages carry no signature, as Off"},
      {"ErrorDocument", 2, 2, kServer | kDirectory | kVirtualHost,
       [](Config& cfg, const DirectiveCall& c) {
         auto code = util::parse_u64(c.args[0]);
         if (!code || *code < 400 || *code > 599) {
           return std::string("the status must be 400 to 599, not '") + c.args[0] + "'";
         }
         const std::string& a = c.args[1];
         if (util::iequals(a, "default")) {
           cfg.error_documents.erase(int(*code));
         } else if (a.find(' ') == std::string::npos &&
                    (a[0] == '/' || a.find("://") != std::string::npos)) {
           // Apache's heuristic: a space makes it a message, then a path, then a URL.
           cfg.error_documents[int(*code)] = a;
         } else {
           // A message: the lexer has removed its quotes; mark it as Apache does.
           cfg.error_documents[int(*code)] = "\"" + a;
         }
         return std::string();
       },
       "ErrorDocument STATUS /local/url|http://remote/url|\"message\"|default - what a "
       "STATUS error answers: the local URL's file (with STATUS), a 302 to the remote URL, or "
       "the message as the body"},
      {"ExtendedStatus", 1, 1, kServer, ignored,
       "ExtendedStatus On|Off - accepted; /server-status always shows every request"},
      {"DefaultRuntimeDir", 1, 1, kServer, ignored,
       "DefaultRuntimeDir DIR - accepted: mpmd keeps no runtime files there (its shared memory "
       "is anonymous, its sockets abstract)"},
      {"PidFile", 1, 1, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         cfg.pid_file = c.resolve(c.args[0]);
         return std::string();
       },
       "PidFile FILE - file holding the master's process ID, relative to ServerRoot (default: "
       "logs/httpd.pid, as Apache)"},
      {"Listen", 1, 2, kServer, set_listen,
       "Listen [IP:]PORT [http|https] - address to accept connections on: 8080, "
       "127.0.0.1:8080, [::1]:8080; at least one is needed. A port is TLS when an SSLEngine on "
       "site covers it; https says it must be"},
      {"User", 1, 1, kServer, set_user,
       "User NAME|#UID - whom children, WSGI daemons and offload helpers run as when mpmd is "
       "started as root (root is refused; without User or Group nobody switches); the master "
       "stays root"},
      {"Group", 1, 1, kServer, set_group,
       "Group NAME|#GID - the group they run as (default: the User's primary group)"},
      {"ServerTokens", 1, 1, kServer, set_server_tokens,
       "ServerTokens Prod|Major|Minor|Min|OS|Full - detail of the Server header (default Full)"},
      {"Mutex", 1, -1, kServer, ignored,
       "Mutex MECHANISM [NAME] - accepted and ignored (mpmd uses no accept mutex)"},
      {"EnableSendfile", 1, 1, kServer | kDirectory,
       [](Config& cfg, const DirectiveCall& c) {
         return parse_flag(c.args[0], cfg.http.enable_sendfile);
       },
       "EnableSendfile On|Off - send files with sendfile(2) (default On)"},
      {"EnableMMAP", 1, 1, kServer | kDirectory,
       [](Config&, const DirectiveCall& c) {
         bool unused = false;
         return parse_flag(c.args[0], unused);
       },
       "EnableMMAP On|Off - accepted and ignored"},
      {"HostnameLookups", 1, 1, kServer | kDirectory, set_hostname_lookups,
       "HostnameLookups On|Off|Double - only Off is supported (On warns)"},
      {"AddDefaultCharset", 1, 1, kServer | kLocation | kDirectory, set_add_default_charset,
       "AddDefaultCharset On|Off|CHARSET - only Off is supported (others warn)"},
      {"AccessFileName", 1, -1, kServer, set_access_file_name,
       "AccessFileName NAME... - the per-directory files read where AllowOverride allows "
       "(default .htaccess)"},
      {"AllowOverride", 1, -1, kDirectory | kVhostAware, set_allow_override,
       "AllowOverride None|All|AuthConfig FileInfo Indexes Limit Options - whether .htaccess "
       "files are read in this <Directory> and which directives they may use (default None; "
       "mpmd runs their mod_rewrite directives)"},

      // MPM.
      {"MPM", 1, 1, kServer, set_mpm,
       "MPM event|worker|prefork - the engine (default event); same as LoadModule "
       "mpm_NAME_module"},
      {"LoadModule", 2, 2, kServer, load_module,
       "LoadModule MODULE FILE - mpm_{event,worker,prefork}_module chooses the engine; other "
       "modules are built in or ignored with a warning"},
      {"StartServers", 1, 1, kServer, count_at_least_one(&M::start_servers, kMaxServers),
       "StartServers N - child processes created at startup (default: prefork 5, worker 3, "
       "event: number of cores); <1 becomes 1"},
      {"MinSpareServers", 1, 1, kServer, count_at_least_one(&M::min_spare_servers, kMaxServers),
       "MinSpareServers N - prefork: fewest idle children (default 5); <1 becomes 1"},
      {"MaxSpareServers", 1, 1, kServer, count_in_range(&M::max_spare_servers, 0, kMaxServers),
       "MaxSpareServers N - prefork: most idle children (default 10)"},
      {"MinSpareThreads", 1, 1, kServer, count_at_least_one(&M::min_spare_threads, kMax),
       "MinSpareThreads N - worker/event: fewest idle threads (default 75); <1 becomes 1"},
      {"MaxSpareThreads", 1, 1, kServer, count_in_range(&M::max_spare_threads, 0, kMax),
       "MaxSpareThreads N - worker/event: most idle threads (default 250)"},
      {"ThreadsPerChild", 1, 1, kServer, count_at_least_one(&M::threads_per_child, kMaxThreads),
       "ThreadsPerChild N - worker/event: threads per child (default 25, at most ThreadLimit)"},
      {"ThreadLimit", 1, 1, kServer, count_at_least_one(&M::thread_limit, kMaxThreads),
       "ThreadLimit N - worker/event: upper bound of ThreadsPerChild (default 64, max 100000)"},
      {"ServerLimit", 1, 1, kServer, count_at_least_one(&M::server_limit, kMaxServers),
       "ServerLimit N - most child processes (default: prefork 256, worker/event 16; max "
       "200000)"},
      {"MaxRequestWorkers", 1, 1, kServer, count_at_least_one(&M::max_request_workers, kMax),
       "MaxRequestWorkers N - most simultaneous requests (default: prefork 256, worker/event "
       "400)"},
      {"MaxClients", 1, 1, kServer,
       deprecated_alias("MaxRequestWorkers", count_at_least_one(&M::max_request_workers, kMax)),
       "MaxClients N - deprecated name of MaxRequestWorkers"},
      {"MaxConnectionsPerChild", 1, 1, kServer, set_max_connections_per_child,
       "MaxConnectionsPerChild N - a child exits after N connections (default 0 = never)"},
      {"MaxRequestsPerChild", 1, 1, kServer,
       deprecated_alias("MaxConnectionsPerChild", set_max_connections_per_child),
       "MaxRequestsPerChild N - deprecated name of MaxConnectionsPerChild"},
      {"ListenBacklog", 1, 1, kServer, count_in_range(&M::listen_backlog, 1, kMax),
       "ListenBacklog N - length of the pending-connection queue (default 511)"},
      {"GracefulShutdownTimeout", 1, 1, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         return parse_seconds(c.args[0], cfg.mpm.graceful_shutdown_timeout);
       },
       "GracefulShutdownTimeout SECONDS - graceful stop waits this long (default 0 = forever)"},

      // HTTP.
      {"Timeout", 1, 1, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         return parse_seconds(c.args[0], cfg.http.timeout);
       },
       "Timeout SECONDS[ms] - per read/write timeout (default 60)"},
      {"RequestReadTimeout", 1, 3, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         for (const auto& arg : c.args) {
           std::string error = parse_read_timeout(arg, cfg.http);
           if (!error.empty()) return error;
         }
         return std::string();
       },
       "RequestReadTimeout [handshake=MIN[-MAX][,MinRate=BYTES]] [header=...] [body=...] - 408 "
       "for a client that sends its request too slowly, a TLS handshake closed (default "
       "handshake=0 header=20-40,MinRate=500 body=20,MinRate=500; 0 turns a stage off)"},
      {"KeepAlive", 1, 1, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         return parse_flag(c.args[0], cfg.http.keep_alive);
       },
       "KeepAlive On|Off - persistent connections (default On)"},
      {"KeepAliveTimeout", 1, 1, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         return parse_seconds(c.args[0], cfg.http.keep_alive_timeout);
       },
       "KeepAliveTimeout SECONDS|MILLISms - idle time before closing a persistent connection "
       "(default 5; 300ms is allowed)"},
      {"MaxKeepAliveRequests", 1, 1, kServer, set_max_keepalive_requests,
       "MaxKeepAliveRequests N - requests per connection (default 100, 0 = unlimited)"},
      {"LimitRequestLine", 1, 1, kServer, size_in_range(&H::limit_request_line, 1, 1u << 30),
       "LimitRequestLine BYTES - longest request line (default 8190; longer gets 414)"},
      {"LimitRequestFieldSize", 1, 1, kServer,
       size_in_range(&H::limit_request_field_size, 1, 1u << 30),
       "LimitRequestFieldSize BYTES - longest header line (default 8190; longer gets 400)"},
      {"LimitRequestFields", 1, 1, kServer, size_in_range(&H::limit_request_fields, 0, kMax),
       "LimitRequestFields N - most header lines (default 100, 0 = unlimited)"},
      {"LimitRequestBody", 1, 1, kServer,
       [](Config& cfg, const DirectiveCall& c) {
         return parse_size(c.args[0], cfg.http.limit_request_body);
       },
       "LimitRequestBody BYTES - largest request body (default 1073741824, 0 = unlimited; "
       "larger gets 413)"},

      // Locations.
      {"SetHandler", 1, 1, kLocation | kVirtualHost, set_handler,
       "SetHandler NAME|None - handler for a <Location>: server-status, metrics, an "
       "application"},
      {"Require", 1, -1, kLocation | kDirectory | kVirtualHost | kFiles, set_require,
       "Require all granted|denied, Require local, Require ip ADDR|NET..., Require "
       "valid-user|user NAME...|group NAME... - who may access a <Location> or <Directory>; "
       "several lines grant if any does (users log in with AuthType Basic)"},
  };
}

}  // namespace mpmd::config
