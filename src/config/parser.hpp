// Apache-syntax configuration parser: files -> typed Config, with file:line
// errors and warnings. The parser owns the section logic (Include,
// <IfModule>, <IfDefine>, <Location>, <Directory>, <VirtualHost>); every
// other directive is a row of one of the tables it is given.
//
// Syntax (as Apache httpd 2.4):
//  * one directive per line; names are ASCII case-insensitive;
//  * a line whose first non-blank character is '#' is a comment (there are
//    no comments after a directive, as in Apache);
//  * a trailing backslash joins the next line;
//  * arguments are separated by blanks; "double" or 'single' quotes group,
//    a backslash before the quote character escapes it;
//  * ${VAR} is replaced by a `Define`d value or the environment variable;
//    an undefined one is an error;
//  * Include / IncludeOptional take a path or glob(3) pattern relative to
//    ServerRoot; a directory includes all files below it, sorted.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"

namespace mpmd::config {

struct ParseResult {
  bool ok = false;  // no errors
  Config config;
  std::vector<std::string> errors;    // "FILE:LINE: Directive: message"
  std::vector<std::string> warnings;  // same form
};

// Core, MPM, HTTP-limit, Include, <IfModule>, <IfDefine>, <Location>,
// <Directory>, SetHandler, Require rows. Rows whose `set` is empty (Include,
// IncludeOptional, Define, the sections) are interpreted by the Parser itself.
std::vector<Directive> core_directives();

// Modules for which <IfModule name> is true (besides the selected MPM):
// "status_module", "mod_status.c", ...
bool is_builtin_module(std::string_view name);
// The modules whose directives mpmd provides (Apache's names: "core_module", ...).
std::vector<std::string_view> builtin_module_names();

class Parser {
 public:
  // The rows are copied, so temporaries are fine:
  //   Parser p({core_directives(), log::directives()}, {"event", "worker"});
  // The core rows are always known, whether or not `tables` contains them;
  // when two rows have the same name, the first one wins. `engines` are the
  // names the MPM directive, LoadModule mpm_NAME_module and <IfModule> know
  // (the server's engine table; config/ does not know engines itself).
  explicit Parser(std::vector<DirectiveTable> tables, std::vector<std::string> engines = {});

  // Parses `path` (relative paths resolve against the current directory) with
  // -D `defines`. ServerRoot defaults to the parent of the directory holding
  // the file (conf/mpmd.conf -> the directory above conf/).
  // `server_root`: ServerRoot until the file sets one ("" = the directory
  // above the one holding the file).
  ParseResult parse_file(const std::string& path, const std::vector<std::string>& defines = {},
                         const std::string& server_root = "");

  // Parses text as if it were file `name`; ServerRoot defaults to `server_root`.
  ParseResult parse_text(std::string_view text, const std::string& name,
                         const std::string& server_root,
                         const std::vector<std::string>& defines = {});

  // All known directives (core rows first), for `mpmd -h` style help.
  std::vector<const Directive*> directives() const;

  // The row for `name` (case-insensitive), or nullptr.
  const Directive* find(std::string_view name) const;

  const std::vector<std::string>& engines() const { return engines_; }

  // Include nesting deeper than this is an error.
  static constexpr int kMaxIncludeDepth = 16;

 private:
  std::vector<Directive> rows_;
  std::map<std::string, size_t> by_name_;  // lower-case name -> index in rows_
  std::vector<std::string> engines_;
};

}  // namespace mpmd::config
