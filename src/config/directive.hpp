// Directives are table rows: name, argument count, contexts, typed setter, help.
// Each area keeps its rows next to its code (config/ for core and MPM
// directives, log/ for logging, handlers/static_files/ for files, ...); the
// parser is handed the tables it should know (see Parser in config/parser.hpp).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace mpmd::config {

enum Context : unsigned {
  kServer = 1u << 0,     // top level of the main config or an Include
  kLocation = 1u << 1,   // inside <Location>
  kDirectory = 1u << 2,  // inside <Directory> (accepted, applied like server level for now)
  // Inside <VirtualHost>, applies to that vhost only: the parser keeps the
  // call and replays it on a copy of the server's settings once the whole
  // configuration is read (config::VhostSite). Rows without it apply to the
  // whole server wherever they are written.
  kVirtualHost = 1u << 3,
  // Inside <VirtualHost>, the setter files the value under
  // DirectiveCall::virtual_host itself (ServerName, the SSL rows).
  kVhostAware = 1u << 4,
  // Inside <Files>/<FilesMatch> (alone or in a <Directory>): Require and the
  // Auth rows. Other rows there are skipped with a warning.
  kFiles = 1u << 5,
  // Inside <Proxy balancer://NAME> (BalancerMember, ProxySet): the setter
  // finds NAME in DirectiveCall::proxy.
  kProxy = 1u << 6,
};

// One use of a directive in a file.
struct DirectiveCall {
  std::string_view name;          // as written
  std::vector<std::string> args;  // unquoted, continuation joined
  std::string file;               // absolute path of the file
  int line = 0;                   // 1-based line of the directive
  Location* location = nullptr;   // the enclosing <Location>, if any
  std::string directory;          // the enclosing <Directory>'s path, absolute ("" = none)
  std::string section;            // "file:line" of the enclosing <Directory> or <Files>
  std::shared_ptr<const FilesMatch> files;  // the enclosing <Files>/<FilesMatch>, if any
  std::string proxy;                        // the enclosing <Proxy>'s URL ("" = none)
  int virtual_host = -1;                    // the enclosing <VirtualHost> (Config::virtual_hosts)
  std::string server_root;                  // ServerRoot in force at this point
  std::span<const std::string> engines;     // the MPM names the parser was given

  // `p` if absolute, else ServerRoot + "/" + p.
  std::string resolve(std::string_view p) const;
  // Adds a warning ("file:line: Name: message") to the parse result.
  std::function<void(std::string)> warn;
};

// Returns "" on success, else a message without file/line (the parser adds them).
using Setter = std::function<std::string(Config&, const DirectiveCall&)>;

struct Directive {
  std::string_view name;  // matched ASCII case-insensitively, like Apache
  int min_args = 1;
  int max_args = 1;  // -1 = unlimited
  unsigned contexts = kServer;
  Setter set;
  std::string_view help;  // one line: syntax and meaning, shown by `mpmd -h directives`
};

using DirectiveTable = std::span<const Directive>;

// The access rules of the section a Require or Auth* line is in: its
// <Location>, or the rules of its <Directory> (made on first use). Null inside
// a <Directory> with wildcards, which mpmd does not enforce (with a warning
// when `warn`).
Location* section_access(Config& cfg, const DirectiveCall& c, bool warn = true);

// Typed argument helpers for setters; each returns "" or an error message.
std::string parse_flag(std::string_view arg, bool& out);  // On|Off
std::string parse_int(std::string_view arg, long min, long max, int& out);
std::string parse_size(std::string_view arg, uint64_t& out);   // bytes, 0..2^63
std::string parse_seconds(std::string_view arg, Millis& out);  // "5", "300ms"

}  // namespace mpmd::config
