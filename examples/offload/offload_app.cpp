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
//   /FUNCTION/pool-wait   the process pool again, from a blocking handler that
//                         waits for the result (offload::call)
//
// pool, gearman and background are asynchronous: the handler is non_blocking,
// defers its response (Response::defer()) and returns; the offload callback
// fills it in and completes it. Under the event engine no thread waits for
// the result, so the number of such requests in flight is not bounded by
// ThreadsPerChild. pool-wait holds a handler thread for the whole task.
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

#include <functional>
#include <memory>
#include <optional>
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

using Use = std::function<void(std::string input, mpmd::app::Deferred later)>;

// Calls `use` with the function's input once it has arrived: the request
// body, or ?in= when there is none. The body is read as it streams in
// (read_async: no thread waits, so this works in non_blocking routes under
// the event engine too); the response is deferred meanwhile, and `use`
// completes it.
void with_input(const Request& req, Response& res, Use use) {
  mpmd::app::Deferred later = res.defer();
  if (!req.has_body()) return use(req.query_param("in").value_or(""), later);
  auto input = std::make_shared<std::string>();
  req.read_async([input](std::string_view piece) { input->append(piece); },
                 [input, later, use = std::move(use)](int error) {
                   if (error != 0) {
                     later->status = error;  // the server answers the error anyway
                     later.complete();
                     return;
                   }
                   use(std::move(*input), later);
                 });
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
  with_input(req, res, [e](std::string input, mpmd::app::Deferred later) {
    try {
      answer(later.response(), Result{mpmd::offload::Status::ok, e->fn(input), 200});
    } catch (const std::exception& ex) {
      answer(later.response(), Result{mpmd::offload::Status::error, ex.what(), 500});
    }
    later.complete();
  });
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
  // The asynchronous routes: the handler defers its response and returns; the
  // offload callback fills it in and completes it. Background jobs answer 202
  // (accepted; the body is the job handle).
  struct Async {
    const char* pattern;
    void (*start)(std::string_view function, std::string input, mpmd::offload::Callback done);
    int ok_status;
  };
  for (const Async& a :
       {Async{"/{function}/pool", &mpmd::offload::submit, 200},
        Async{"/{function}/gearman", &mpmd::offload::gearman, 200},
        Async{"/{function}/background", &mpmd::offload::gearman_background, 202}}) {
    app.route(
        "*", a.pattern,
        [a](const Request& req, Response& res) {
          std::string function(req.param("function"));
          with_input(req, res, [a, function](std::string input, mpmd::app::Deferred later) {
            a.start(function, std::move(input), [later, a](Result r) {
              answer(later.response(), r);
              if (r.ok()) later->status = a.ok_status;
              later.complete();
            });
          });
        },
        mpmd::app::non_blocking);
  }
  // The blocking form: this thread waits for the body and for the result.
  app.route("*", "/{function}/pool-wait", [](const Request& req, Response& res) {
    std::optional<std::string> body = req.body();
    if (!body) return;  // too large or unreadable: the server answers the error
    std::string input = req.has_body() ? std::move(*body) : req.query_param("in").value_or("");
    answer(res, mpmd::offload::call(req.param("function"), std::move(input)));
  });
}
