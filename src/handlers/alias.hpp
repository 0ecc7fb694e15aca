// mod_alias: Alias maps a URL-path to a directory outside DocumentRoot (served
// by its own static-file handler, site/), Redirect* answers with a redirect.
// Rules of one context apply in file order, the first match wins, and every
// Redirect before any Alias, as in Apache.
#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"
#include "http/handler.hpp"

namespace mpmd::handlers {

// Alias, Redirect, RedirectPermanent, RedirectTemp (server and <VirtualHost>).
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

}  // namespace mpmd::handlers
