// The compression step of the site: after a handler has answered (and
// before the connection sends it), a response the policy selects is
// compressed with the coding the client prefers, its ETag tagged and
// Vary: Accept-Encoding added. Static files decide for themselves (with their
// cached compressed versions and sidecar files); this handles the rest
// (applications, WSGI, error documents).
#pragma once

#include <atomic>

#include "handlers/compress/policy.hpp"
#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace mpmd::compress {

// Does nothing to deferred responses, to responses whose Vary already names
// Accept-Encoding (decided before), and to HEAD bodies (Vary only).
void filter_response(const Policy& policy, const http::Request& request, http::Response& response);

// The same for handlers that answer later (applications on the thread pool,
// WSGI): installed as the request's Completion before the handler runs, it
// filters the response when the handler completes it, then hands it on.
// complete() may come on another thread, before or after handle() returns,
// or from inside handle() (a stream started at once).
class DeferredFilter final : public http::Completion {
 public:
  // `request` is the connection's own (not a copy): its completion is swapped.
  static DeferredFilter* install(const Policy& policy, const http::Request& request,
                                 http::Response& response);
  // After handle() returned, with the response's deferred flag: true if the
  // handler answered at once without complete() (filter_response() it then).
  // Frees `filter` unless complete() is still to come (it frees itself then).
  static bool settle(DeferredFilter* filter, bool deferred);

  void complete() override;

 private:
  enum State : int { kWaiting, kCompleted, kSettled };
  DeferredFilter(const Policy& policy, http::Request& request, http::Response& response)
      : policy_(policy), request_(request), response_(response), inner_(request.completion) {}

  const Policy& policy_;
  http::Request& request_;
  http::Response& response_;
  http::Completion* inner_;
  std::atomic<int> state_{kWaiting};
};

// Sets Content-Encoding and tags the ETag of a response whose body is now
// in `coding`; drops any Content-Length field a handler set.
void mark_encoded(http::Response& response, Coding coding);

}  // namespace mpmd::compress
