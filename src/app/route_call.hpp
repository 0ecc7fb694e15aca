// One call of an application route: the app::Request the handler sees (its
// body read through the server's streaming window), the app::Response it
// builds, and how that response reaches the HTTP core — whole when the
// handler is done, or streamed once it flushes (through an http::BodyPipe)
// or generates. Internals of the Dispatcher.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/applications.hpp"
#include "http/body_pipe.hpp"
#include "http/handler.hpp"
#include "http/request_body.hpp"
#include "mpmd/app_http.hpp"

namespace mpmd::app {

// app::BodyReader over the core's streaming request body.
class BodyAdapter final : public BodyReader {
 public:
  explicit BodyAdapter(http::RequestBody& body) : body_(body) {}
  Read read(char* into, size_t size) override;
  Read read_wait(char* into, size_t size) override;
  Read read_all(std::string& out, uint64_t limit) override;
  void on_ready(std::function<void()> callback) override;
  std::optional<uint64_t> length() const override { return body_.length(); }

 private:
  http::RequestBody& body_;
};

// Owned by the app::Response it serves (its sink), so it lives as long as
// the handler or a Deferred can reach the response.
class RouteCall final : public detail::ResponseSink {
 public:
  RouteCall(const Application& app, size_t index, const http::Request& request,
            http::Response& response, http::Completion* completion)
      : app_(app), index_(index), request_(request), response_(response), completion_(completion) {
    if (request.body) body_.emplace(*request.body);
  }

  BodyReader* reader() { return body_ ? &*body_ : nullptr; }

  // detail::ResponseSink (the handler's thread)
  bool start(Response& out) override;
  bool write(std::string piece) override;

  // The handler (or its Deferred) is done. Returns true when the HTTP
  // response is now complete and must be handed to the core (the caller
  // completes it); false when it went out already (a started stream, which
  // is ended here).
  bool finish(Response& out, const std::string& failure) noexcept;

  const Application& app() const { return app_; }
  size_t index() const { return index_; }
  const http::Request& request() const { return request_; }
  http::Completion* completion() const { return completion_; }

 private:
  const Application& app_;
  size_t index_;
  const http::Request& request_;
  http::Response& response_;
  http::Completion* completion_;
  std::optional<BodyAdapter> body_;
  std::shared_ptr<http::BodyPipe> pipe_;  // once started
  bool refused_ = false;                  // start() found the response unsendable
};

// The application Request for `in`, with path parameters and body reader.
Request make_request(const http::Request& in, std::string_view route_path,
                     std::vector<Param> params, BodyReader* reader);

// Logs `why` for route `index` of `app` (MPMD0028).
void log_failure(const Application& app, size_t index, const http::Request& request,
                 std::string_view why);

// 500, without Response::clear() (on a pool thread, `deferred` and
// `head_only` belong to the Connection, which reads them on its own thread).
void answer_500(http::Response& response);

}  // namespace mpmd::app
