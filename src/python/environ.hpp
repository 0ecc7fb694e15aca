// The CGI part of a WSGI environ (PEP 3333 / mod_wsgi) for one request:
// REQUEST_METHOD, SCRIPT_NAME and PATH_INFO (decoded, split at the
// WSGIScriptAlias URL), QUERY_STRING, CONTENT_TYPE, CONTENT_LENGTH,
// SERVER_*, REMOTE_*, REQUEST_URI, SCRIPT_FILENAME, HTTP_* for the header
// fields (not Authorization unless WSGIPassAuthorization; not names with
// characters other than letters, digits and '-', as Apache 2.4 drops them),
// wsgi.url_scheme and mod_wsgi.* names.
#pragma once

#include <string>
#include <string_view>

#include "http/request.hpp"
#include "python/api.hpp"
#include "python/hosting.hpp"

namespace mpmd::python {

// `decoded_path`: the request path as static_files::clean_path() makes it
// (decoded, dot segments removed, slashes merged, as Apache before Alias).
api::Fields make_environ(const http::Request& request, std::string_view decoded_path,
                         const Route& route, const Hosting& hosting);

}  // namespace mpmd::python
