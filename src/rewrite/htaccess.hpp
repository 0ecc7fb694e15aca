// .htaccess files (AccessFileName) where AllowOverride allows them: read,
// parsed and kept per child, revalidated by a stat at most once a second
// per file (no stat storm per request). mpmd runs their mod_rewrite
// directives; a directive outside the classes AllowOverride gives, one mpmd
// does not run in .htaccess, or a syntax error makes every request below
// that directory a 500, with file and line in the error log, as in Apache.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "rewrite/rules.hpp"

namespace mpmd::rewrite {

// What one .htaccess file says: its rules (null when it has no rewrite
// directive), or why it is broken ("file:line: message").
struct Htaccess {
  std::shared_ptr<const Ruleset> rules;
  std::string error;
};

// Parses the text of `file`; `classes`: the AllowOverride classes in force.
Htaccess parse_htaccess(std::string_view text, const std::string& file, unsigned classes);

class HtaccessFiles {
 public:
  HtaccessFiles(const config::Overrides& overrides, int vhost);

  // Whether any directory of this host allows overrides.
  bool enabled() const { return enabled_; }
  // The AllowOverride classes in force in `dir` (absolute, no trailing '/').
  unsigned classes(const std::string& dir) const;
  // The file in `dir`, or an empty Htaccess when there is none (or overrides
  // are off there). Thread-safe.
  Htaccess lookup(const std::string& dir);

 private:
  struct Cached {
    int64_t checked_us = 0;  // when the file was last stat'ed
    bool exists = false;
    ino_t inode = 0;
    int64_t mtime_ns = 0;
    off_t size = 0;
    Htaccess parsed;
  };

  std::vector<config::Overrides::Rule> rules_;  // this host's, shortest directory first
  std::vector<std::string> names_;
  bool enabled_ = false;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;  // by file path
};

}  // namespace mpmd::rewrite
