// The one builder of error pages: the HTTP core's own answers (400, 408,
// 413, ...), static files (403, 404, 405, 412, 416) and applications (500)
// all answer with it, in the style of Apache's pages.
#pragma once

#include <string>

#include "http/response.hpp"

namespace mpmd::http {

// Sets `status` and an HTML body ("text/html; charset=iso-8859-1") explaining
// it. Never echoes anything of the request (no reflected markup). Header
// fields already set are kept; the body must be empty.
void error_page(Response& response, int status);

// Replaces the body of a 400 for a plain HTTP request on a TLS port with
// Apache's words for it ("You're speaking plain HTTP to an SSL-enabled
// server port").
void plain_http_on_tls_page(Response& response);

// The body error_page() sends.
std::string error_body(int status);

}  // namespace mpmd::http
