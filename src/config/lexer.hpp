// The lexical layer of the config parser: logical lines, ${VAR} expansion
// and argument splitting, with Apache httpd's rules (util.c cfg_getline,
// ap_getword_conf, ap_resolve_env).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mpmd::config::detail {

struct LogicalLine {
  int line = 0;      // 1-based number of the first physical line
  std::string text;  // continuation lines joined, blanks trimmed at both ends
};

// Splits `text` into logical lines. A physical line ending in a single
// backslash (no blank after it) is joined with the next one. Blank lines and
// comment lines (first non-blank character '#') are dropped.
std::vector<LogicalLine> split_lines(std::string_view text);

// Splits directive arguments on blanks. "..." and '...' group; inside them a
// backslash followed by the quote character yields the quote. Returns "" or
// an error message (unterminated quote).
std::string split_args(std::string_view text, std::vector<std::string>& out);

using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Replaces each ${NAME} in `text` with lookup(NAME). Returns "" or an error
// naming the first undefined variable. "${" without a closing brace is kept.
std::string expand_vars(std::string_view text, const VarLookup& lookup, std::string& out);

// Levenshtein distance, for "did you mean" suggestions (ASCII case-insensitive).
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace mpmd::config::detail
