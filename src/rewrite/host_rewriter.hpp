// mod_rewrite for one host (the main server or a <VirtualHost>): its
// per-server rules, then the per-directory rules of the <Directory> that
// holds the file, then the internal redirect a per-directory rewrite makes
// (bounded by LimitInternalRecursion). Built once per child from the
// configuration's shared, precompiled rules; const and thread-safe after.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "rewrite/engine.hpp"
#include "rewrite/htaccess.hpp"

namespace mpmd::rewrite {

class HostRewriter {
 public:
  // `vhost`: index in config.virtual_hosts, -1 for the main server.
  HostRewriter(const config::Config& config, int vhost);

  // Whether any rewriting can happen for this host (else: call `next` directly).
  bool active() const { return active_; }

  // Rewrites `request` and answers it: a redirect or status itself, else
  // `next` with the (possibly rewritten) request.
  void handle(const http::Request& request, http::Response& response, http::Handler& next) const;

 private:
  // The per-directory rules for a file: the deepest <Directory> or
  // .htaccess with rewrite directives, merged as Apache merges.
  struct DirRules {
    const Ruleset* rules = nullptr;
    std::string dir;                      // where they are, no trailing '/'
    std::shared_ptr<const Ruleset> hold;  // a cached .htaccess's rules
    Ruleset merged;                       // when merging made a new set
    std::string error;                    // a broken .htaccess on the way
  };
  Facts facts_for(const http::Request& request, std::string_view uri) const;
  void directory_rules(const std::string& filename, DirRules& out) const;

  Ruleset server_;
  std::vector<DirectoryRuleset> directories_;  // shortest first
  std::string document_root_;                  // no trailing '/'
  std::string server_name_;
  std::string server_admin_;
  int limit_internal_recursion_ = 10;
  bool active_ = false;
  std::unique_ptr<HtaccessFiles> htaccess_;  // null when AllowOverride is None everywhere
};

// The file tests of RewriteCond (-f -d -s -l -x) on the real file system.
FileInfo stat_file(const std::string& path);

}  // namespace mpmd::rewrite
