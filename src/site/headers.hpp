// mod_headers' Header directive: changes to a response's header fields, made
// as its head is written (so they reach every handler's answers, those given
// later from a thread pool included, and with "always" the server's own
// error pages too).
#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"
#include "http/response.hpp"

namespace mpmd::site {

config::DirectiveTable header_directives();

// Applies `rules` in file order. "onsuccess" rules (the default) apply to 2xx
// and 304 answers, "always" rules to every answer.
void apply_headers(const std::vector<config::HeaderRule>& rules, http::Response& response);

}  // namespace mpmd::site
