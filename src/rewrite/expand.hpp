// Expansion of test strings and substitutions: $N, %N, %{VAR}, backslash
// escapes (mod_rewrite's do_expand and lookup_variable).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rewrite/engine.hpp"

namespace mpmd::rewrite::detail {

// The state of one request's rewriting: r->filename and r->args as
// mod_rewrite changes them, and the back-references of the last match.
struct State {
  const Facts& facts;
  const FileTest& files;
  std::string value;                       // what the next rule matches (r->filename)
  std::optional<std::string> args;         // the query string (r->args)
  Captures rule_refs;                      // $N
  Captures cond_refs;                      // %N
  std::map<std::string, std::string> env;  // set by E= so far ("\0": unset)
};

std::string variable(std::string_view name, const State& s);
// `text` with its references expanded; `escape_refs`: $N and %N
// percent-encoded (the B flag).
std::string expand(std::string_view text, const State& s, bool escape_refs);

}  // namespace mpmd::rewrite::detail
