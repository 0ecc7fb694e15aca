// Calls a WSGI application and sends what it returns (PEP 3333): a list or
// tuple goes out whole, a wsgi.file_wrapper of a regular file as a file range
// (sendfile), any other iterable piece by piece as it yields; close() is
// always called. An exception before the head went out is a 500 with the
// traceback in the error log; after it, the response is cut short.
#pragma once

#include "python/embed/request_ctx.hpp"

namespace mpmd::python::embed {

// GIL held. `start_response` belongs to `ctx`.
void run_application(PyObject* app, PyObject* environ, PyObject* start_response, RequestCtx& ctx,
                     const Types& types);

// Logs the current Python error (traceback, line by line) and answers 500,
// or cuts the response short if its head went out already.
void fail_request(RequestCtx& ctx, const char* what);

}  // namespace mpmd::python::embed
