// Offload of CPU-bound work, for mpmd applications (include <mpmd/app.hpp>
// too): a task names a function and carries bytes; its result comes back as
// bytes, or as an error that says which HTTP status to answer.
//
// Two places run tasks:
//   * the child's local process pool (OffloadProcesses N): N helper processes
//     per child, forked from the child with the functions the application
//     registered. A task that crashes its helper fails with 500 and the helper
//     is replaced; one that runs past OffloadTimeout is killed (504).
//   * Gearman (GearmanServers host:port ...): foreground jobs whose result
//     completes the request, and background jobs that return their job handle
//     at once. The functions run in `mpmd-worker` processes (or any Gearman
//     worker) on this or other machines. gearmand unreachable: 503 after
//     GearmanTimeout; no result in time: 504; the job failed (its worker died
//     and gearmand gave up on it, or the worker reported a failure) after
//     GearmanRetries resubmissions: GearmanFailureStatus (502).
//
// A complete application:
//
//   #include <mpmd/app.hpp>
//   #include <mpmd/offload.hpp>
//
//   MPMD_APPLICATION(app) {
//     // Registration runs in the master before children (and so their helper
//     // processes) are forked: functions added here exist in every helper.
//     mpmd::offload::add_function("upper", [](std::string_view in) {
//       std::string out(in);
//       for (char& c : out) c = char(toupper(c));
//       return out;
//     });
//     app.post("/upper", [](const mpmd::app::Request& req, mpmd::app::Response& res) {
//       mpmd::offload::Result r = mpmd::offload::call("upper", std::string(req.body));
//       res.status = r.http_status;
//       res.send(r.data);
//     });  // blocking (the default): under the event engine it waits on the
//          // child's handler pool, never in the event loop
//   }
//
// Asynchronous use: submit()/gearman()/gearman_background() return at once and
// run the callback later on a thread of the offload machinery (never the event
// loop): keep it short (copy the result, complete a deferred response) and
// never wait for another offload result inside it. With Response::defer() a
// handler need not wait at all (it can be non_blocking):
//
//     app.get("/upper", [](const mpmd::app::Request& req, mpmd::app::Response& res) {
//       mpmd::app::Deferred later = res.defer();
//       mpmd::offload::submit("upper", std::string(req.body), [later](mpmd::offload::Result r) {
//         later->status = r.http_status;
//         later->send(r.data);
//         later.complete();
//       });
//     }, mpmd::app::non_blocking);
//
// Header-only: an application needs no symbol from mpmd at link time. The
// server's implementation is found at run time with dlsym(); outside mpmd
// (a unit test of the application) service() is null and every call answers
// Status::unavailable.
#pragma once

#include <dlfcn.h>

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace mpmd::offload {

enum class Status : uint8_t {
  ok,           // `data` is the function's result
  error,        // the function failed (threw, unknown name, input too large): 500
  crashed,      // the helper process died while running the task; it was replaced: 500
  timeout,      // no result within OffloadTimeout / GearmanTimeout: 504
  unavailable,  // nothing can run it now: no pool or Gearman configured, queue
                // full, gearmand unreachable, child stopping: 503
  job_failed,   // Gearman reported the job failed: GearmanFailureStatus (502 by default)
};

struct Result {
  Status status = Status::ok;
  std::string data;       // the result bytes, or what went wrong (for the log, not the client)
  int http_status = 200;  // the status a handler should answer with when it has no better idea

  bool ok() const { return status == Status::ok; }
};

inline std::string_view status_name(Status s) {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::error:
      return "error";
    case Status::crashed:
      return "crashed";
    case Status::timeout:
      return "timeout";
    case Status::unavailable:
      return "unavailable";
    case Status::job_failed:
      return "job_failed";
  }
  return "?";
}

// A function run by a helper process or a Gearman worker: bytes in, bytes
// out. Throwing (any exception) fails the task with Status::error and what().
using Function = std::function<std::string(std::string_view input)>;
// Receives the result exactly once, on an offload thread of the child.
using Callback = std::function<void(Result)>;

// The server's side. Safe from any thread of a child.
class Service {
 public:
  virtual ~Service() = default;

  // Registers `fn` under `name` (1-64 characters of [A-Za-z0-9_.:-]) for the
  // local process pool. Call it while the application registers (or in a
  // preload hook): helpers are forked from the child, which is forked from
  // the master after that. A name registered again is replaced. "" or an error.
  virtual std::string add_function(std::string_view name, Function fn) = 0;

  // Runs `function` on the child's process pool.
  virtual void submit(std::string_view function, std::string input, Callback done) = 0;
  // A Gearman foreground job: `done` gets the worker's result.
  virtual void gearman(std::string_view function, std::string input, Callback done) = 0;
  // A Gearman background job: `done` gets the job handle ("H:host:42") as soon
  // as gearmand has queued the job; nobody waits for its result.
  virtual void gearman_background(std::string_view function, std::string input, Callback done) = 0;
};

// Raised when Service changes incompatibly.
inline constexpr uint32_t kApiVersion = 1;
// The C function mpmd exports: returns its Service for `api_version`, or null.
inline constexpr const char* kServiceSymbol = "mpmd_offload_service";
using ServiceFunction = Service* (*)(uint32_t api_version);

// This process's offload service; null outside mpmd (or a mismatched API).
inline Service* service() {
  static Service* const found = [] {
    void* sym = dlsym(RTLD_DEFAULT, kServiceSymbol);
    return sym ? reinterpret_cast<ServiceFunction>(sym)(kApiVersion) : nullptr;
  }();
  return found;
}

inline Result unavailable_result(std::string why) {
  return Result{Status::unavailable, std::move(why), 503};
}

// ---- conveniences ------------------------------------------------------------

inline std::string add_function(std::string_view name, Function fn) {
  Service* s = service();
  return s ? s->add_function(name, std::move(fn)) : "not running inside mpmd";
}

inline void submit(std::string_view function, std::string input, Callback done) {
  if (Service* s = service()) return s->submit(function, std::move(input), std::move(done));
  done(unavailable_result("not running inside mpmd"));
}

inline void gearman(std::string_view function, std::string input, Callback done) {
  if (Service* s = service()) return s->gearman(function, std::move(input), std::move(done));
  done(unavailable_result("not running inside mpmd"));
}

inline void gearman_background(std::string_view function, std::string input, Callback done) {
  if (Service* s = service()) {
    return s->gearman_background(function, std::move(input), std::move(done));
  }
  done(unavailable_result("not running inside mpmd"));
}

namespace detail {
template <typename Submit>
Result wait(Submit&& start) {
  auto promise = std::make_shared<std::promise<Result>>();
  std::future<Result> future = promise->get_future();
  start([promise](Result r) { promise->set_value(std::move(r)); });
  return future.get();  // every path calls the callback, bounded by the timeouts
}
}  // namespace detail

// Blocking forms, for blocking handlers (they wait on the handler's own
// thread: the event engine's handler pool, or the worker/prefork thread).
// Never call them from an offload callback or a non_blocking handler.
inline Result call(std::string_view function, std::string input) {
  return detail::wait([&](Callback done) { submit(function, std::move(input), std::move(done)); });
}
inline Result gearman_call(std::string_view function, std::string input) {
  return detail::wait([&](Callback done) { gearman(function, std::move(input), std::move(done)); });
}
inline Result gearman_call_background(std::string_view function, std::string input) {
  return detail::wait(
      [&](Callback done) { gearman_background(function, std::move(input), std::move(done)); });
}

}  // namespace mpmd::offload
