// The http::Handler behind WSGIScriptAlias: finds the alias and its
// settings, then runs the WSGI application in this child (embedded) or in a
// daemon process group.
//
// Where Python runs: never in the event loop. Under prefork and worker the
// serving thread runs it in place (one interpreter per child; each worker
// thread keeps its own thread state across requests). Under event it runs on
// the child's handler pool: handle() marks the response deferred and returns,
// the pool thread answers through Request::completion, and the loop keeps
// serving other connections meanwhile.
#pragma once

#include <memory>

#include "http/handler.hpp"
#include "python/hosting.hpp"
#include "scoreboard/scoreboard.hpp"
#include "util/executor.hpp"

namespace mpmd::python {

struct HandlerOptions {
  util::Executor* pool = nullptr;        // null = run in place
  scoreboard::Worker* worker = nullptr;  // where GIL waits are counted; may be null
  bool multithread = false;              // wsgi.multithread
  bool multiprocess = true;              // wsgi.multiprocess
};

std::unique_ptr<http::Handler> make_handler(const Hosting& hosting, const HandlerOptions& options);

}  // namespace mpmd::python
