// Request path -> file system path, without ever leaving DocumentRoot.
//
// The request path arrives percent-encoded. It is split on literal '/', each
// segment is decoded, and "." / ".." segments (also when written %2e) are
// removed. A decoded '/' (%2f) inside a segment is refused like Apache's
// AllowEncodedSlashes Off, and so is a decoded NUL. Backslashes are ordinary
// characters. Empty segments ("//") are merged, like Apache's MergeSlashes.
#pragma once

#include <string>
#include <string_view>

namespace mpmd::static_files {

enum class PathError {
  none,
  bad_request,  // malformed escape, not starting with '/', ".." above the root
  not_found,    // %2f or %00 inside a segment
};

// Writes the decoded, normalised path to `out`: it starts with '/', has no
// empty, "." or ".." segments, and ends with '/' when the request did (or
// ended in "/." or "/..").
PathError clean_path(std::string_view raw, std::string& out);

// The path that <Location> sections and mounts match, as Apache matches
// r->uri: `raw` decoded and normalised by clean_path(). When `raw` is already
// clean (no '%', no empty, "." or ".." segment: nearly every request) it is
// returned as it is, without copying (so is "*", OPTIONS' asterisk form);
// otherwise the result lives in `storage`.
PathError section_path(std::string_view raw, std::string& storage, std::string_view& out);

// Percent-encodes a decoded path for a Location field or an href: keeps
// unreserved characters, sub-delims, ':', '@' and '/'.
std::string encode_path(std::string_view decoded);

}  // namespace mpmd::static_files
