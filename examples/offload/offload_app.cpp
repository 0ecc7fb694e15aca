// examples/offload: CPU-bound work four ways, and what each does to the server.
//
//   LoadApplication offload build/apps/offload.so
//   <Location /offload>
//       SetHandler offload
//   </Location>
//   OffloadProcesses 2                   # for .../pool
//   GearmanServers 127.0.0.1:4730        # for .../gearman and .../background
//
// and, for Gearman, workers:  mpmd-worker --server 127.0.0.1:4730 --function all
//
// Routes (FUNCTION is factorial, sha256, burn or whoami; the input is the
// request body, or else the query parameter `in`):
//
//   /FUNCTION/inline      runs it in the handler, declared non_blocking: under
//                         the event engine, inside the event loop (every other
//                         connection of that child waits; the bad example)
//   /FUNCTION/thread      runs it in a blocking handler: under event on the
//                         child's handler pool, in place under worker/prefork
//   /FUNCTION/pool        sends it to the child's process pool (OffloadProcesses)
//   /FUNCTION/gearman     a Gearman foreground job; the result is the answer
//   /FUNCTION/background  a Gearman background job: 202 with the job handle
//
//   curl 'localhost:8080/offload/factorial/pool?in=2000'
//   curl --data-binary @big.iso localhost:8080/offload/sha256/gearman
//
// Failures answer with the status offload suggests (500 function error or
// crashed helper, 502 failed job, 503 nothing to run it, 504 too late), the
// kind in an X-Offload-Status header, and the reason in the body.
// /crash/pool makes a helper crash: 500, and the pool replaces the helper.
#include <mpmd/app.hpp>
#include <mpmd/offload.hpp>

#include <string>
#include <string_view>

#include "offload/example_functions.hpp"

namespace {

namespace examples = mpmd::offload::examples;
using mpmd::app::Request;
using mpmd::app::Response;
using mpmd::offload::Result;

const examples::Example* find(std::string_view name) {
  for (const auto& e : examples::all()) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

std::string input_of(const Request& req) {
  if (!req.body.empty()) return std::string(req.body);
  return req.query_param("in").value_or("");
}

void answer(Response& res, const Result& r) {
  res.status = r.http_status;
  res.set_header("X-Offload-Status", std::string(mpmd::offload::status_name(r.status)));
  res.send(r.ok() ? r.data : r.data + "\n");
}

// Inline and thread modes run the function here; never "crash" (it would
// take the serving child down, which is the point of the pool).
void run_here(const Request& req, Response& res) {
  const examples::Example* e = find(req.param("function"));
  if (!e || std::string_view(e->name) == "crash") {
    res.status = 404;
    res.send("no such function here\n");
    return;
  }
  try {
    answer(res, Result{mpmd::offload::Status::ok, e->fn(input_of(req)), 200});
  } catch (const std::exception& ex) {
    answer(res, Result{mpmd::offload::Status::error, ex.what(), 500});
  }
}

}  // namespace

MPMD_APPLICATION(app) {
  // Registered in the master before children (and their helpers) are forked.
  for (const auto& e : examples::all()) {
    std::string error = mpmd::offload::add_function(e.name, e.fn);
    if (!error.empty()) app.fail(error);
  }

  app.route("*", "/{function}/inline", run_here, mpmd::app::non_blocking);
  app.route("*", "/{function}/thread", run_here, mpmd::app::blocking);
  app.route("*", "/{function}/pool", [](const Request& req, Response& res) {
    answer(res, mpmd::offload::call(req.param("function"), input_of(req)));
  });
  app.route("*", "/{function}/gearman", [](const Request& req, Response& res) {
    answer(res, mpmd::offload::gearman_call(req.param("function"), input_of(req)));
  });
  app.route("*", "/{function}/background", [](const Request& req, Response& res) {
    Result r = mpmd::offload::gearman_call_background(req.param("function"), input_of(req));
    answer(res, r);
    if (r.ok()) res.status = 202;  // accepted; the body is the job handle
  });
}
