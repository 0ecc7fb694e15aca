// RewriteCond and RewriteRule as mod_rewrite reads them: the test string or
// substitution kept as written (expanded per request), the pattern compiled
// once, the flags as typed fields. A ruleset is what one context (the main
// server, a <VirtualHost>, a <Directory>) says.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rewrite/regex.hpp"
#include "util/result.hpp"

namespace mpmd::rewrite {

enum class CondOp {
  regex,          // CondPattern is a regular expression
  equal,          // =STRING
  less,           // <STRING
  greater,        // >STRING
  less_equal,     // <=STRING
  greater_equal,  // >=STRING
  int_eq,         // -eq N (and -ne via negation)
  int_lt,         // -lt
  int_le,         // -le
  int_gt,         // -gt
  int_ge,         // -ge
  is_file,        // -f
  is_dir,         // -d
  is_nonempty,    // -s
  is_link,        // -l, -L, -h
  is_executable,  // -x
  file_access,    // -F (a file the server would serve: here, a regular file)
  url_access,     // -U (a URL that maps to something: here, as -F on the path)
};

struct Condition {
  std::string test;  // the TestString, as written
  CondOp op = CondOp::regex;
  std::string operand;  // the string of = < > and the integers
  Regex regex;
  bool negate = false;
  bool nocase = false;
  bool or_next = false;
  std::string origin;  // "file:line"
};

struct Rule {
  std::string pattern;  // as written, without a leading '!'
  Regex regex;
  bool negate = false;
  std::string substitution;  // "-" = no substitution
  std::vector<Condition> conditions;
  // Flags.
  bool last = false;             // L
  bool end = false;              // END
  int redirect = 0;              // R[=code]: the status; 0 = not a redirect
  int status = 0;                // F (403), G (410), R=4xx/5xx: answer with this, no substitution
  bool noescape = false;         // NE
  bool escape_backrefs = false;  // B: backreferences percent-encoded
  bool allow_3f = false;         // UnsafeAllow3F: a %3f in the request may become a query
  bool qs_append = false;        // QSA
  bool qs_discard = false;       // QSD
  bool qs_last = false;          // QSL
  bool nocase = false;           // NC
  bool passthrough = false;      // PT
  bool chain = false;            // C
  bool next = false;             // N (N=max rounds: next_limit)
  int next_limit = 0;            // 0 = the default (10000, as Apache)
  int skip = 0;                  // S=n
  std::vector<std::pair<std::string, std::string>> env;  // E=VAR:VAL (E=!VAR unsets: val "\0")
  std::string type;                                      // T=type
  std::vector<std::string> cookies;                      // CO=NAME:VAL:DOMAIN[:lifetime[:path...]]
  std::string origin;                                    // "file:line"
};

struct Ruleset {
  int engine = -1;       // RewriteEngine: -1 unset, 0 Off, 1 On
  bool inherit = false;  // RewriteOptions Inherit
  std::string base;      // RewriteBase ("" = none); per-directory only
  std::vector<Rule> rules;
  std::vector<Condition> pending;  // RewriteCond lines waiting for their RewriteRule
  bool on() const { return engine == 1; }
  bool used() const { return engine != -1 || !rules.empty() || inherit || !base.empty(); }
};

// A <Directory>'s ruleset, for one host (-1 = the main server, else the vhost).
struct DirectoryRuleset {
  int host = -1;
  std::string dir;  // absolute, no trailing '/' ("/" for the root)
  Ruleset rules;
};

// Everything the rewrite directives of one configuration say. Kept in
// config::Config behind a shared pointer: the regexes are compiled once, by
// the master, and every copy of the configuration (and every child) shares
// them read-only.
struct Settings {
  Ruleset server;
  std::map<int, Ruleset> vhosts;  // by index in Config::virtual_hosts
  std::vector<DirectoryRuleset> directories;
  int limit_internal_recursion = 10;  // LimitInternalRecursion (Apache's default)

  // The ruleset of a context; created empty when new.
  Ruleset& context(int vhost, const std::string& directory);
  // The per-server ruleset that applies to a host's requests (vhost -1: the
  // main server's): its own, with the main server's rules after them under
  // RewriteOptions Inherit (Apache's merge order).
  Ruleset for_host(int vhost) const;
  // A host's <Directory> rulesets, shortest directory first, each merged with
  // the enclosing one's rules when it says RewriteOptions Inherit.
  std::vector<DirectoryRuleset> directories_of(int vhost) const;
};

// Parses a RewriteCond's arguments (TestString CondPattern [flags]).
util::Result<Condition> parse_condition(const std::vector<std::string>& args);
// Parses a RewriteRule's arguments (Pattern Substitution [flags]).
util::Result<Rule> parse_rule(const std::vector<std::string>& args);

// RewriteCond (kept for the next rule) or RewriteRule added to `r`; "" or an
// error message. `origin`: "file:line".
std::string add_condition(Ruleset& r, const std::vector<std::string>& args, std::string origin);
std::string add_rule(Ruleset& r, const std::vector<std::string>& args, std::string origin);

// A ruleset (engine On) from RewriteCond and RewriteRule lines whose words are
// split at blanks, without quotes (unit tests, the fuzzer). Lines that fail
// are left out; their errors are appended to `errors` when given.
Ruleset ruleset_from_text(std::string_view text, std::vector<std::string>* errors = nullptr);

}  // namespace mpmd::rewrite
