// The typed configuration produced by the parser from Apache-syntax files.
// Defaults are Apache's (shared/reference/apache-mpm.md) unless noted.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/tls.hpp"
#include "util/log_level.hpp"
#include "util/privileges.hpp"
#include "util/regex.hpp"

namespace mpmd::rewrite {
struct Settings;  // rewrite/rules.hpp: RewriteEngine, RewriteCond, RewriteRule, ...
}  // namespace mpmd::rewrite

namespace mpmd::config {

using Millis = std::chrono::milliseconds;

struct ListenAddress {
  std::string host;  // "" = all addresses (IPv4 and IPv6), "0.0.0.0", "::1", ...
  uint16_t port = 0;
  std::string origin;  // "file:line" of the Listen directive, for error messages
  bool https = false;  // `Listen ... https`: a TLS site must cover this port
};

// Defined with the error log (util/log_level.hpp); the config only names it.
using LogLevel = log::LogLevel;

struct CustomLog {
  std::string path;          // resolved against ServerRoot; "-" or "/dev/stdout" = stdout
  std::string format;        // the LogFormat string (nickname already resolved)
  std::string env;           // env=VAR: only requests with VAR set ("" = every request)
  bool env_negated = false;  // env=!VAR: only requests without it
};

// mod_setenvif's and mod_env's rows, in file order: the request's
// environment variables (CustomLog env=, %{VAR}e, WSGI's environ).
struct EnvRule {
  enum class Kind { set_if, set, unset };
  Kind kind = Kind::set_if;
  // set_if: the request attribute (Remote_Addr, Request_URI, a header...)
  // and the pattern it must match.
  std::string attribute;
  std::optional<util::Regex> regex;
  // set_if: "VAR", "VAR=VALUE" (VALUE may hold $N), "!VAR"; set: {VAR}
  // (SetEnv, and PassEnv with mpmd's own value); unset: the names.
  std::vector<std::string> assignments;
  std::string value;  // set: the value
};

enum class Access { unset, granted, denied, ip_list };

// mod_auth_basic, mod_authn_file, mod_authz_user and mod_authz_groupfile:
// who must log in where. The Require lines naming users count as Apache's
// implicit <RequireAny> with the others: an address that Require ip grants
// needs no password.
struct Auth {
  std::string type;                 // AuthType: "Basic", "None" or "" (unset)
  std::string name;                 // AuthName: the realm
  std::string user_file;            // AuthUserFile, absolute (htpasswd's format)
  std::string group_file;           // AuthGroupFile, absolute ("group: user user...")
  bool valid_user = false;          // Require valid-user
  std::vector<std::string> users;   // Require user NAME...
  std::vector<std::string> groups;  // Require group NAME...
  bool requires_login() const { return valid_user || !users.empty() || !groups.empty(); }
};

// <Files NAME> (a wildcard pattern, as fnmatch) or <FilesMatch REGEX>: which
// file names (the last segment of the path) a section's rules apply to.
struct FilesMatch {
  std::string pattern;
  std::optional<util::Regex> regex;  // <FilesMatch>, <Files ~>
  bool matches(std::string_view name) const;
};

// One <Location> block (prefix match, later blocks win, as in Apache).
struct Location {
  std::string path;
  // <Files>/<FilesMatch> (alone or inside a <Directory>): the rules apply
  // below `path` to the files whose name matches. Null = any.
  std::shared_ptr<const FilesMatch> files;
  std::string handler;  // SetHandler: "server-status", "metrics", an application, "" = default
  Access access = Access::unset;
  std::vector<std::string> require_ip;  // Require ip ADDR|CIDR ...
  Auth auth;                            // AuthType, AuthName, ..., Require valid-user|user|group
};

// The access rules of one <Directory DIR> block (Require). The site turns
// them into URL prefixes below each host's DocumentRoot and Alias
// directories, shortest directory first, before the <Location> blocks (Apache's
// merge order: Directory, then Location).
struct DirectoryRule {
  std::string dir;     // absolute, no trailing '/' ("/" for the root)
  std::string origin;  // "file:line" of <Directory>: the block's Require lines add up
  Location access;     // access and require_ip (path unused)
};

// LoadApplication NAME PATH [KEY=VALUE...] (rows and loader in app/).
struct Application {
  std::string name;                  // what SetHandler mounts
  std::string path;                  // the shared object, absolute
  std::vector<std::string> options;  // the KEY=VALUE arguments, in order
  std::string origin;                // "file:line" of the directive
  // The opened shared object (its type belongs to app/), shared by copies of
  // the config so that it stays loaded while any generation uses it.
  std::shared_ptr<const void> library;
};

// Alias and Redirect (mod_alias), in the order of the configuration.
struct AliasRule {
  std::string url;  // the URL-path prefix, as <Location> matches ("/icons/", "/old")
  std::string
      target;      // Alias: the directory, absolute; Redirect: the URL ("" for 410 and the like)
  int status = 0;  // Redirect: the status (302 unless said); ScriptAlias: 403; 0 = an Alias
  std::string origin;  // "file:line"
  // AliasMatch, RedirectMatch, ScriptAliasMatch: `url` is the pattern,
  // matched against the whole URL-path, and `target` may hold $N.
  std::optional<util::Regex> regex;
};

struct StaticFiles {
  std::string document_root;  // absolute
  // Alias: the URL-path that document_root answers below ("" = the URL
  // space's root, as DocumentRoot).
  std::string url_prefix;
  std::vector<std::string> directory_index{"index.html"};
  bool directory_slash = true;    // DirectorySlash: redirect /dir to /dir/
  std::string fallback_resource;  // FallbackResource: URL-path served for missing files ("" = none)
  bool follow_symlinks = false;   // Options FollowSymLinks
  bool indexes = false;           // Options Indexes (directory listings)
  std::string types_config;       // TypesConfig, absolute ("" = built-in minimal table)
  std::map<std::string, std::string> add_types;  // extension (lower case, no dot) -> type
  std::string default_type = "application/octet-stream";
  bool file_etag = true;
  uint64_t max_cached_file_size = 64 * 1024;  // files up to this size may be served from memory
};

struct Mpm {
  std::string name = "event";  // event | worker | prefork
  int start_servers = 0;       // 0 = number of online cores (event default, ours)
  int min_spare_servers = 5;
  int max_spare_servers = 10;
  int min_spare_threads = 75;
  int max_spare_threads = 250;
  int threads_per_child = 25;
  int thread_limit = 64;
  int server_limit = 0;         // 0 = engine default (256 prefork, 16 worker/event)
  int max_request_workers = 0;  // 0 = engine default
  uint64_t max_connections_per_child = 0;
  int listen_backlog = 511;
  Millis graceful_shutdown_timeout{0};
  // Ours (GracefulDrainTimeout): after a graceful restart, old-generation
  // children still busy after this long are stopped, so they never hold
  // scoreboard slots forever (Apache waits without limit). 0 = wait forever.
  Millis graceful_drain_timeout{300000};
  // Ours (MaxConnectionsPerChildJitter): each child's limit is raised by a
  // random 0..N so that children started together do not all recycle at once.
  uint64_t max_connections_per_child_jitter = 0;
  // Ours (WorkerConnections, as nginx's worker_connections): open connections
  // one event child holds at most; at the limit it stops accepting (other
  // children take the queue) until it is below 90%. 0 = from RLIMIT_NOFILE.
  uint32_t worker_connections = 0;
  // Ours (StuckChildTimeout, StuckChildAction): a child whose event loop or
  // one of whose serving threads makes no progress for this long (stopped,
  // deadlocked, stuck in one request) is shown on the status page and logged
  // (MPMD0044); with `stuck_child_kill` it is also killed, and replaced as a
  // crashed child is. 0 = not watched.
  Millis stuck_child_timeout{60000};
  bool stuck_child_kill = false;
  std::string origin;  // "file:line" of the MPM/LoadModule line that chose `name`; "" = default
};

// One stage of RequestReadTimeout: `min` seconds to start with, extended by one
// second per `min_rate` bytes received, up to `max` (0 = no maximum). min 0 = off.
struct ReadStage {
  int min = 0;
  int max = 0;
  int min_rate = 0;
};

struct Http {
  size_t limit_request_line = 8190;
  size_t limit_request_field_size = 8190;
  size_t limit_request_fields = 100;
  uint64_t limit_request_body = 1073741824;
  bool keep_alive = true;
  Millis keep_alive_timeout{5000};
  uint32_t max_keepalive_requests = 100;
  Millis timeout{60000};
  std::string server_tokens = "full";  // ServerTokens: full|prod|...
  bool enable_sendfile = true;         // EnableSendfile
  // RequestReadTimeout (Apache's defaults: header=20-40,MinRate=500 body=20,MinRate=500)
  ReadStage header_read{20, 40, 500};
  ReadStage body_read{20, 0, 500};
  // RequestReadTimeout handshake= (TLS; Apache 2.4.39+, default off: Timeout bounds it)
  ReadStage handshake_read{0, 0, 0};
};

struct Logs {
  std::string error_log;  // "" or "-" = stderr
  LogLevel log_level = LogLevel::warn;
  std::map<std::string, std::string> formats;  // LogFormat nickname -> format
  std::vector<CustomLog> custom_logs;
};

// Sessions (src/session/): the SessionStore behind applications' sessions.
// Rows in session/directives.cpp; the stores in session/.
struct Sessions {
  std::string store = "shm";                   // SessionStore memory|shm|redis
  uint32_t slots = 10000;                      // SessionSlots: sessions held at most (memory, shm)
  uint32_t value_size = 4096;                  // SessionValueSize: largest encoded session, bytes
  std::string redis_host = "127.0.0.1";        // SessionRedis host:port, or a socket path
  uint16_t redis_port = 6379;                  // 0 = redis_host is a Unix socket path
  Millis redis_timeout{500};                   // SessionRedisTimeout: connect and command
  std::string redis_prefix = "mpmd:session:";  // SessionRedisPrefix: key = prefix + id
  std::string cookie_name = "MPMDSESSION";     // SessionCookieName
  bool cookie_secure = false;                  // SessionCookieSecure: add "; Secure"
  Millis max_age{1800 * 1000};                 // SessionMaxAge: expiry, refreshed on write
  std::string origin;                          // "file:line" of SessionStore; "" = default
};

// Offload (src/offload/): the child's local process pool and Gearman. Rows in
// offload/directives.cpp.
struct Offload {
  uint32_t processes = 0;             // OffloadProcesses: helper processes per child (0 = no pool)
  Millis timeout{30000};              // OffloadTimeout: from submission to result
  uint64_t max_size = 64u << 20;      // OffloadMaxSize: largest task input or result, bytes
  uint32_t queue_limit = 1024;        // OffloadQueueLimit: tasks or jobs waiting, per child
  std::string gearman_servers;        // GearmanServers: "host:port,host:port" ("" = none)
  Millis gearman_timeout{5000};       // GearmanTimeout: connect + one job attempt
  uint32_t gearman_retries = 0;       // GearmanRetries: resubmissions of a failed job
  int gearman_failure_status = 502;   // GearmanFailureStatus: answer for a failed job
  uint32_t gearman_concurrency = 16;  // GearmanConcurrency: foreground jobs in flight per child
};

// Python WSGI hosting (src/python/), as mod_wsgi's directives. Rows in
// python/directives.cpp; the host and its daemon processes in python/.
struct WsgiAlias {
  std::string url;                // WSGIScriptAlias URL ("/app"; "/" mounts everything)
  std::string script;             // the WSGI script file, absolute
  std::string process_group;      // process-group= ("" = embedded, or WSGIProcessGroup)
  std::string application_group;  // application-group= ("" = WSGIApplicationGroup)
  std::string origin;             // "file:line"
};
struct WsgiDaemon {
  std::string name;
  int processes = 1;
  int threads = 15;
  std::vector<std::string> python_path;
  std::string python_home;
  uint64_t maximum_requests = 0;  // 0 = never recycled
  Millis request_timeout{0};      // 0 = none
  Millis graceful_timeout{15000};
  Millis inactivity_timeout{0};
  std::string display_name;
  std::optional<uint32_t> uid;  // user= ("#uid" or a name; unset: the server's User)
  std::optional<uint32_t> gid;  // group= (unset: the user's primary group, or the server's Group)
  std::string origin;
};
struct WsgiImport {
  std::string script;
  std::string process_group;      // "" or %{GLOBAL} = embedded
  std::string application_group;  // %{GLOBAL} = the main interpreter (preloaded in the master)
  std::string origin;
};
// Per-<Location> settings (WSGIProcessGroup, WSGIApplicationGroup, ...).
struct WsgiLocation {
  std::string path;  // the <Location>
  std::string process_group;
  std::string application_group;
  int pass_authorization = -1;  // -1 = unset
  int script_reloading = -1;
};
struct Wsgi {
  std::vector<WsgiAlias> aliases;
  std::vector<WsgiDaemon> daemons;
  std::vector<WsgiImport> imports;
  std::vector<WsgiLocation> locations;
  std::vector<std::string> python_path;           // WSGIPythonPath
  std::string python_home;                        // WSGIPythonHome
  std::string process_group;                      // WSGIProcessGroup at server level
  std::string application_group = "%{RESOURCE}";  // WSGIApplicationGroup (mod_wsgi's default)
  bool pass_authorization = false;                // WSGIPassAuthorization
  bool restrict_embedded = false;                 // WSGIRestrictEmbedded
  bool script_reloading = true;                   // WSGIScriptReloading
  bool used() const { return !aliases.empty() || !imports.empty() || !daemons.empty(); }
};

// Reverse proxy (src/proxy/), as mod_proxy's and mod_proxy_http's directives.
// Rows in proxy/directives.cpp; the handler and the connection pools in proxy/.
struct ProxyRoute {
  std::string path;       // the URL-path prefix (ProxyPass's first argument or the <Location>)
  bool excluded = false;  // ProxyPass PATH !
  std::string url;        // the backend URL as written ("http://h:p/x", "unix:/s|http://h/")
  std::string balancer;   // balancer://NAME: NAME, whose members answer ("" = one backend)
  std::string host;       // backend host (for Host and the connection)
  uint16_t port = 80;     // backend port
  std::string unix_path;  // unix:PATH ("" = TCP)
  std::string base_path;  // the backend URL's path as written ("/" when it has none)
  Millis timeout{0};      // timeout= (0: ProxyTimeout)
  Millis connection_timeout{0};  // connectiontimeout= (0: the timeout)
  Millis retry{60000};           // retry=: a failed backend is skipped this long (Apache's 60 s)
  Millis ttl{0};                 // ttl=: idle pooled connections kept at most (0: ours, 1 s)
  bool keepalive = false;        // keepalive=On: SO_KEEPALIVE on backend connections
  bool disable_reuse = false;    // disablereuse=On: a new connection per request
  uint32_t max = 0;              // max=: idle connections pooled per child (0: 16)
  // BalancerMember's own keys.
  int loadfactor = 1;        // loadfactor=: share of requests (1-100)
  bool hot_standby = false;  // status=+H: used only while every other member is in error
  std::string member_route;  // route=
  std::string origin;        // "file:line"

  // ProxyPassMatch: `path` is its pattern, compiled here and matched instead.
  std::optional<util::Regex> regex;
};
// <Proxy balancer://NAME> with its BalancerMembers and ProxySet.
struct ProxyBalancer {
  std::string name;
  std::vector<ProxyRoute> members;
  std::string lbmethod = "byrequests";  // ProxySet lbmethod=byrequests|bybusyness
};
struct ProxyReverse {
  std::string path;  // the local URL-path prefix
  std::string url;   // the backend URL prefix found in Location, Content-Location, URI
};
struct Proxy {
  std::vector<ProxyRoute> routes;     // first match wins, as mod_proxy
  std::vector<ProxyReverse> reverse;  // ProxyPassReverse
  std::vector<ProxyBalancer> balancers;
  bool preserve_host = false;       // ProxyPreserveHost
  bool add_headers = true;          // ProxyAddHeaders
  Millis timeout{0};                // ProxyTimeout (0: Timeout)
  uint64_t io_buffer_size = 65536;  // ProxyIOBufferSize: bytes moved per read/write
};

// Compression (src/handlers/compress/): mod_deflate's and mod_filter's
// directives, with brotli and zstd beside gzip. Rows in
// handlers/compress/directives.cpp.
struct CompressSection {
  std::string path;                // the <Location>'s URL-path, or the <Directory>'s absolute path
  bool directory = false;          // path is a <Directory>
  std::vector<std::string> types;  // AddOutputFilterByType DEFLATE, added to the enclosing ones
  int all = -1;                    // SetOutputFilter DEFLATE: 1, other filters only: 0, -1 unset
  int precompressed = -1;          // CompressStatic On|Off, -1 unset
};
struct Compress {
  std::vector<std::string> types;         // AddOutputFilterByType DEFLATE (media types, lower case)
  bool all = false;                       // SetOutputFilter DEFLATE: every type
  int gzip_level = 6;                     // DeflateCompressionLevel (zlib's default)
  int brotli_level = 5;                   // CompressBrotliLevel
  int zstd_level = 3;                     // CompressZstdLevel
  uint64_t buffer_size = 8096;            // DeflateBufferSize: bytes read or compressed at a time
  unsigned encodings = 7;                 // CompressEncodings: bit 0 gzip, 1 br, 2 zstd
  bool precompressed = false;             // CompressStatic: serve FILE.br / .zst / .gz when fresh
  std::vector<CompressSection> sections;  // per <Location> / <Directory>, in file order
};

// mod_headers' Header: a change to the response's header fields, made when
// its head is written.
struct HeaderRule {
  enum class Action { set, append, add, unset, merge, setifempty };
  Action action = Action::set;
  bool always = false;  // "always": error responses too (Apache's err_headers_out)
  std::string name;
  std::string value;  // may hold %{VAR}e and %%
  std::string env;    // env=VAR ("" = every response)
  bool env_negated = false;
};

// What a <VirtualHost> gives the requests it serves. Each field is the main
// server's unless a directive inside the block sets it (Apache's merge: the
// server level counts wherever it is written, before or after the block).
struct VhostSite {
  StaticFiles files;                       // DocumentRoot, DirectoryIndex, Options, AddType, ...
  std::vector<Location> locations;         // the server's <Location> blocks, then the vhost's
  std::vector<CustomLog> custom_logs;      // the vhost's own, or the server's when it has none
  std::vector<AliasRule> aliases;          // the vhost's, then the server's (mod_alias's merge)
  std::vector<DirectoryRule> directories;  // the server's, then the vhost's
  std::map<int, std::string> error_documents;  // the server's, each status overridable
  Proxy proxy;                                 // the server's routes, then the vhost's
  std::vector<EnvRule> env_rules;              // the server's, then the vhost's
  Compress compress;                           // the server's, with the vhost's on top
  std::vector<HeaderRule> headers;             // the server's, then the vhost's
};

// AllowOverride and AccessFileName: which .htaccess files are read, and what
// they may say (read by src/rewrite/htaccess.*).
struct Overrides {
  enum Class : unsigned {
    kAuthConfig = 1u << 0,
    kFileInfo = 1u << 1,
    kIndexes = 1u << 2,
    kLimit = 1u << 3,
    kOptions = 1u << 4,
    kAll = (1u << 5) - 1,
  };
  struct Rule {
    int vhost = -1;        // the <VirtualHost> it is written in (-1: every host)
    std::string dir;       // the <Directory>, absolute, no trailing '/' ("/" for the root)
    unsigned classes = 0;  // Class bits; 0 = None
  };
  std::vector<Rule> allow;                           // in file order
  std::vector<std::string> file_names{".htaccess"};  // AccessFileName
};

// One <VirtualHost ADDR...> block.
struct VirtualHost {
  std::vector<std::string> addresses;  // as written: "*:443", "_default_:443", "[::1]:8443"
  std::string server_name;             // ServerName inside the block ("" = the server's)
  std::vector<std::string> aliases;    // ServerAlias, may hold wildcards ("*.example.org")
  std::string server_admin;            // ServerAdmin inside the block ("" = the server's)
  std::string origin;                  // "file:line" of <VirtualHost>
  VhostSite site;                      // filled when the whole configuration is read
};

// User / Group (Apache's): whom every serving process runs as when the
// master is root (children, WSGI daemons, offload helpers); never root. With
// neither, Apache's default for the platform: www-data, else nobody. The
// master opens document roots for the children (static_files/preopened.hpp),
// so `make run` in a checkout only root can reach (under /root) still serves.
struct RunAs {
  std::optional<uint32_t> uid;  // User, resolved ("#uid" or a name); unset: www-data, else nobody
  std::optional<uint32_t> gid;  // Group, resolved; unset: the user's primary group
  util::Identity identity;      // the result, with supplementary groups (apply_defaults)
};

// EventBackend (src/mpm/event/backend.hpp, directives.cpp): how the event
// engine's children wait for their descriptors.
struct EventLoop {
  std::string backend = "epoll";  // select | poll | epoll | io_uring
};

struct Config {
  std::string file;          // the main config file, absolute
  std::string server_root;   // ServerRoot, absolute (default: directory of the main file's parent)
  std::string server_name;   // ServerName ("" = gethostname())
  std::string server_admin;  // ServerAdmin (error pages' contact; "" = none)
  std::string pid_file;      // PidFile, absolute ("" = none)
  std::vector<ListenAddress> listen;
  std::vector<std::string> defines;  // -D names, for <IfDefine>
  Mpm mpm;
  EventLoop event_loop;  // EventBackend
  Http http;
  StaticFiles files;
  Logs logs;
  std::vector<Location> locations;
  std::vector<AliasRule> aliases;          // Alias, Redirect*
  std::vector<DirectoryRule> directories;  // <Directory> blocks with Require
  // ErrorDocument STATUS: "/local/url", "http(s)://remote", or "\"text" (a
  // leading quote marks a message, as Apache keeps it).
  std::map<int, std::string> error_documents;
  std::vector<Application> applications;
  Sessions sessions;
  Offload offload;
  Wsgi wsgi;
  Proxy proxy;                             // ProxyPass, ProxyPassReverse, ... (src/proxy/)
  std::vector<VirtualHost> virtual_hosts;  // in file order
  std::vector<EnvRule> env_rules;          // SetEnvIf, BrowserMatch, SetEnv, UnsetEnv, PassEnv
  std::vector<HeaderRule> headers;         // Header (mod_headers)
  Tls tls;                                 // SSL* directives (src/tls/)
  RunAs run_as;                            // User, Group
  Compress compress;  // AddOutputFilterByType DEFLATE, ... (handlers/compress/)
  // Modules whose directives were accepted but are not enforced (warned once
  // each at -t; config/accepted_directives.hpp).
  std::vector<std::string> unenforced_modules;
  // mod_rewrite's directives, patterns compiled (rewrite/directives.cpp);
  // null when none is used. Shared by copies of the configuration.
  std::shared_ptr<rewrite::Settings> rewrite;
  Overrides overrides;  // AllowOverride, AccessFileName
};

// Every CustomLog: the server's, then each <VirtualHost>'s (a path may repeat).
inline std::vector<CustomLog> all_custom_logs(const Config& config) {
  std::vector<CustomLog> out = config.logs.custom_logs;
  for (const auto& vh : config.virtual_hosts) {
    out.insert(out.end(), vh.site.custom_logs.begin(), vh.site.custom_logs.end());
  }
  return out;
}

}  // namespace mpmd::config
