// The compression step of the site: after a handler has answered (and
// before the connection sends it), a response the policy selects is
// compressed with the coding the client prefers, its ETag tagged and
// Vary: Accept-Encoding added. Static files decide for themselves (with their
// cached compressed versions and sidecar files); this handles the rest
// (applications, WSGI, error documents).
#pragma once

#include "handlers/compress/policy.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace mpmd::compress {

// Does nothing to deferred responses, to responses whose Vary already names
// Accept-Encoding (decided before), and to HEAD bodies (Vary only).
void filter_response(const Policy& policy, const http::Request& request, http::Response& response);

// Sets Content-Encoding and tags the ETag of a response whose body is now
// in `coding`; drops any Content-Length field a handler set.
void mark_encoded(http::Response& response, Coding coding);

}  // namespace mpmd::compress
