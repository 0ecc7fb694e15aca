// api::Exchange over the HTTP connection (embedded mode): wsgi.input reads
// the streaming request body (RequestBody::read_wait, which waits on a pool
// thread and pumps the connection in place under prefork and worker), a
// whole response goes into the http::Response, a streamed one through an
// http::BodyPipe (write_wait: a slow client makes Python wait, with the GIL
// released), wsgi.file_wrapper becomes a file segment (sendfile).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/body_pipe.hpp"
#include "http/handler.hpp"
#include "python/api.hpp"

namespace mpmd::python {

// Fills `response` from the status and fields an application gave: the
// status code, the fields but Content-Length (the core frames the body),
// whose value is returned. False when the status is not a number 200-599.
bool copy_head(std::string_view status, api::Fields& headers, http::Response& response,
               std::optional<uint64_t>& content_length);

class HttpExchange final : public api::Exchange {
 public:
  // `what`: names the application in log lines ("WSGI /app").
  HttpExchange(const http::Request& request, http::Response& response, std::string what)
      : request_(request), response_(response), what_(std::move(what)) {}

  long read(char* into, size_t size) override;
  bool respond(std::string_view status, api::Fields headers, std::string body,
               bool complete) override;
  bool respond_file(std::string_view status, api::Fields headers, int fd, uint64_t offset,
                    uint64_t length) override;
  bool write(std::string bytes) override;
  void finish(bool ok) override;
  void fail() override;
  void log(api::Level level, std::string_view text) override;
  // An answer of `status` (503, 504 from daemon mode) before anything was sent.
  void fail_status(int status);

  // After the host returned: true when `response` holds the whole answer,
  // not handed to the connection yet (the caller completes it); false when a
  // stream handed it over already.
  bool answered_whole();

 private:
  void flush();

  enum class State { none, whole, streaming };
  const http::Request& request_;
  http::Response& response_;
  std::string what_;
  State state_ = State::none;
  std::shared_ptr<http::BodyPipe> pipe_;
  int body_error_ = 0;  // the request body failed with this status (413, 400, 408)
};

}  // namespace mpmd::python
