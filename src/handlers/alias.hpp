// mod_alias: Alias maps a URL-path to a directory outside DocumentRoot (served
// by its own static-file handler, site/), Redirect* answers with a redirect.
// Rules of one context apply in file order, the first match wins, and every
// Redirect before any Alias, as in Apache.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"
#include "http/handler.hpp"

namespace mpmd::static_files {
class StaticFiles;  // handlers/static_files/static_files.hpp
}  // namespace mpmd::static_files

namespace mpmd::handlers {

// Alias, Redirect, RedirectPermanent, RedirectTemp, ScriptAlias and their
// *Match forms (server and <VirtualHost>).
std::vector<config::Directive> alias_directives();

// A Redirect rule's answer: its status; for a 3xx, Location is the rule's URL
// followed by the rest of the request's path (percent-encoded) and its query.
class RedirectHandler final : public http::Handler {
 public:
  explicit RedirectHandler(const config::AliasRule& rule) : rule_(rule) {}
  void handle(const http::Request& request, http::Response& response) override;

 private:
  const config::AliasRule& rule_;
};

// AliasMatch's directory: the target up to its last '/' before any $N
// ("/srv/x/$1" -> "/srv/x/"); "" when the target starts with none.
std::string alias_match_root(std::string_view target);

// AliasMatch: the file the rule's target names for the request's path,
// served by `files` (static files rooted at alias_match_root(target)).
class AliasMatchHandler final : public http::Handler {
 public:
  AliasMatchHandler(const config::AliasRule& rule, static_files::StaticFiles& files)
      : rule_(rule), files_(files), root_(alias_match_root(rule.target)) {}
  void handle(const http::Request& request, http::Response& response) override;

 private:
  const config::AliasRule& rule_;
  static_files::StaticFiles& files_;
  std::string root_;
};

}  // namespace mpmd::handlers
