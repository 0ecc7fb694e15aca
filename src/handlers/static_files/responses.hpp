// Responses the static file handler builds that are not a file: error pages,
// redirects, directory listings. Off the hot path; clarity over speed.
#pragma once

#include <string>
#include <string_view>

#include "http/error_page.hpp"
#include "http/response.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::static_files {

// Adds a header field without looking for an existing one (the handler starts
// from an empty response), in storage the Response kept from earlier ones.
inline void add_field(http::Response& r, std::string_view name, std::string_view value) {
  r.add_header_copy(name, value);
}

// `status` (301, 302, 303, ...) to `location` (already percent-encoded),
// with Apache's short HTML body.
void redirect(http::Response& response, std::string_view location, int status = 301);

// 405 / OPTIONS: the methods this handler answers.
constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";

// &, <, >, " and ' escaped for HTML text and attribute values.
std::string html_escape(std::string_view s);

// Options Indexes: an HTML list of the directory open at `dir_fd`. `url_path` is the decoded
// request path, ending in '/'. Names starting with ".ht" are left out, like Apache's IndexIgnore
// default. Returns false (and leaves `response` untouched) if the directory can't be read.
bool directory_listing(http::Response& response, util::UniqueFd dir_fd, std::string_view url_path);

}  // namespace mpmd::static_files
