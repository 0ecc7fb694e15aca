// Escaping for text that came from requests (request lines, vhosts, clients)
// before it goes into the status page's HTML or JSON.
#pragma once

#include <string>
#include <string_view>

namespace mpmd::util {

// Appends `s` with & < > " ' replaced by entities.
// Appends `s` with & < > " ' replaced by HTML entities.
void append_html_escaped(std::string& out, std::string_view s);

// Appends `s` as a JSON string literal, quotes included. Control characters
// are \u-escaped; bytes that are not valid UTF-8 become U+FFFD, so the output
// is always valid JSON in UTF-8 (scoreboard text may be cut mid-character).
// Appends `s` as a JSON string literal (quotes included); invalid UTF-8
// becomes U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace mpmd::util
