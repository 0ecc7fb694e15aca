#include "python/http_exchange.hpp"

#include "http/error_page.hpp"
#include "http/request_body.hpp"
#include "http/waker.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::python {

bool copy_head(std::string_view status, api::Fields& headers, http::Response& response,
               std::optional<uint64_t>& content_length) {
  auto code = util::parse_u64(status.substr(0, 3));
  if (status.size() < 3 || !code || *code < 200 || *code > 599) return false;
  response.status = int(*code);
  for (auto& [name, value] : headers) {
    if (util::iequals(name, "content-length")) {
      content_length = util::parse_u64(value);
      continue;
    }
    response.headers.push_back({std::move(name), std::move(value)});
  }
  return true;
}

long HttpExchange::read(char* into, size_t size) {
  if (!request_.body || size == 0) return 0;
  http::RequestBody::Read r = request_.body->read_wait({into, size});
  switch (r.status) {
    case http::RequestBody::Status::data:
      return long(r.size);
    case http::RequestBody::Status::end:
      return 0;
    case http::RequestBody::Status::error:
      body_error_ = r.error;
      return -1;
    case http::RequestBody::Status::again:
      break;  // only the event loop's own thread, where Python never runs
  }
  return -1;
}

bool HttpExchange::respond(std::string_view status, api::Fields headers, std::string body,
                           bool complete) {
  std::optional<uint64_t> length;
  if (!copy_head(status, headers, response_, length)) {
    log(api::Level::error, "status '" + std::string(status) + "' is not 200..599; answered 500");
    response_.headers.clear();
    fail();
    return false;
  }
  if (complete) {
    response_.body.append(std::move(body));
    state_ = State::whole;
    return true;
  }
  pipe_ = std::make_shared<http::BodyPipe>(request_.waker, length);
  if (!body.empty()) pipe_->write(std::move(body));
  response_.body.append_stream(pipe_);
  state_ = State::streaming;
  // The head goes out now; the body follows as the application yields it.
  request_.completion->complete();
  flush();
  return true;
}

void HttpExchange::flush() {
  // In place (prefork, worker) nobody else sends: move what is queued to the
  // socket now, so each piece goes out as the application yields it (PEP
  // 3333: unbuffered). On a pool thread the connection's own thread sends.
  if (request_.waker && request_.waker->on_connection_thread()) request_.waker->pump_nested();
}

bool HttpExchange::respond_file(std::string_view status, api::Fields headers, int fd,
                                uint64_t offset, uint64_t length) {
  auto file = std::make_shared<http::OpenFile>(fd);  // owns fd from here
  std::optional<uint64_t> ignored;
  if (!copy_head(status, headers, response_, ignored)) {
    response_.headers.clear();
    fail();
    return false;
  }
  if (length > 0) response_.body.append_file(std::move(file), offset, length);
  state_ = State::whole;
  return true;
}

bool HttpExchange::write(std::string bytes) {
  if (!pipe_ || pipe_->write_wait(std::move(bytes)) == http::BodyPipe::Write::closed) return false;
  flush();
  return true;
}

void HttpExchange::finish(bool ok) {
  if (!pipe_) return;
  if (ok) {
    pipe_->end();
  } else {
    pipe_->fail();
  }
}

void HttpExchange::fail() {
  response_.headers.clear();
  response_.body.clear();
  // A body that failed (over LimitRequestBody, bad framing, too slow) keeps
  // its own status; anything else is the application's failure.
  fail_status(body_error_ >= 400 ? body_error_ : 500);
}

void HttpExchange::fail_status(int status) {
  response_.headers.clear();
  response_.body.clear();
  http::error_page(response_, status);
  state_ = State::whole;
}

void HttpExchange::log(api::Level level, std::string_view text) {
  auto l = log::LogLevel(int(level));
  if (!log::error_log().enabled(l)) return;
  std::string client = request_.peer ? request_.peer->address : std::string("-");
  log::emit(l, log::ids::kWsgiError, log::cat("[client ", client, "] ", what_, ": ", text));
}

bool HttpExchange::answered_whole() {
  if (state_ == State::none) {
    log(api::Level::error, "the application gave no response; answered 500");
    fail();
  }
  return state_ == State::whole;
}

}  // namespace mpmd::python
