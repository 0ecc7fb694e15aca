#include "http/error_page.hpp"

#include <string_view>

namespace mpmd::http {

namespace {

std::string_view explanation(int status) {
  switch (status) {
    case 400:
      return "Your browser sent a request that this server could not understand.";
    case 401:
      return "This server could not verify that you\nare authorized to access the document\n"
             "requested.  Either you supplied the wrong\ncredentials (e.g., bad password), or "
             "your\nbrowser doesn't understand how to supply\nthe credentials required.";
    case 403:
      return "You don't have permission to access this resource.";
    case 404:
      return "The requested URL was not found on this server.";
    case 405:
      return "The requested method is not allowed for this URL.";
    case 408:
      return "Server timeout waiting for the HTTP request from the client.";
    case 410:
      return "The requested resource is no longer available on this server and there is no "
             "forwarding address. Please remove all references to this resource.";
    case 412:
      return "The precondition on the request for this URL evaluated to false.";
    case 413:
      return "The request body is larger than this server allows.";
    case 414:
      return "The requested URL's length exceeds the capacity limit for this server.";
    case 416:
      return "None of the range-specifier values in the Range request-header field overlap "
             "the current extent of the selected resource.";
    case 417:
      return "The expectation given in the Expect request-header could not be met.";
    case 421:
      return "The client needs a new connection for this request as the requested host name "
             "does not match the Server Name Indication (SNI) in use for this connection.";
    case 431:
      return "The request's header fields exceed the limits of this server.";
    case 501:
      return "The request method or transfer coding is not supported.";
    case 505:
      return "The HTTP version of the request is not supported.";
    case 500:
      return "The server encountered an internal error and was unable to complete your "
             "request.";
    default:
      return reason_phrase(status);
  }
}

}  // namespace

std::string error_body(int status) {
  const std::string code = std::to_string(status);
  const std::string_view reason = reason_phrase(status);
  std::string body;
  body.reserve(256);
  body += "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>";
  body += code;
  body += ' ';
  body += reason;
  body += "</title>\n</head><body>\n<h1>";
  body += reason;
  body += "</h1>\n<p>";
  body += explanation(status);
  body += "</p>\n</body></html>\n";
  return body;
}

void plain_http_on_tls_page(Response& response) {
  response.body.clear();
  response.body.append(
      "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>400 Bad "
      "Request</title>\n</head><body>\n<h1>Bad Request</h1>\n<p>Your browser sent a request "
      "that this server could not understand.<br />\nReason: You're speaking plain HTTP to an "
      "SSL-enabled server port.<br />\n Instead use the HTTPS scheme to access this URL, "
      "please.<br />\n</p>\n</body></html>\n");
}

void error_page(Response& response, int status) {
  response.status = status;
  response.add_header_copy("Content-Type", "text/html; charset=iso-8859-1");
  response.body.append(error_body(status));
}

}  // namespace mpmd::http
