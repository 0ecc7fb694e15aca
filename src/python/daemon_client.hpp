// The serving child's side of daemon mode: one request forwarded to a
// WSGIDaemonProcess group over its Unix socket (python/wire.hpp), on the
// thread that would have run Python (in place, or on the event engine's
// pool). The request body is sent as the daemon asks for it; the response is
// passed on as it comes (streamed through an http::BodyPipe). A daemon that
// dies before answering gives 503, one that does not answer within the
// group's request-timeout 504; a response already started is cut short.
#pragma once

#include "http/handler.hpp"
#include "python/api.hpp"
#include "python/hosting.hpp"

namespace mpmd::python {

// True when `response` is whole and not yet handed over (as
// HttpExchange::answered_whole()).
bool call_daemon(const Hosting& hosting, const Route& route, const api::Call& call,
                 const http::Request& request, http::Response& response, api::Stats& stats);

}  // namespace mpmd::python
