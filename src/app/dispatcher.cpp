#include "app/dispatcher.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <future>
#include <memory>

#include "handlers/router.hpp"
#include "handlers/static_files/responses.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::app {

namespace {

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// "" if the app's header field may go on the wire, else why not.
std::string check_field(const std::string& name, const std::string& value) {
  if (name.empty()) return "an empty header name";
  for (char c : name) {
    if (!is_token_char(c)) return "header name '" + name + "' is not a token";
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return "header " + name + " has CR, LF or NUL in its value";
    }
  }
  return "";
}

Request make_request(const http::Request& in, std::string_view route_path,
                     std::vector<Param> params) {
  Request r;
  r.method = in.method_text;
  r.target = in.target;
  r.path = in.path;
  r.route_path = route_path;
  r.query = in.query;
  r.version = in.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1";
  r.body = in.body;
  if (in.peer) {
    r.client_address = in.peer->address;
    r.client_port = in.peer->port;
  }
  r.headers.reserve(in.headers.size());
  for (const http::Header& h : in.headers.fields()) r.headers.push_back({h.name, h.value});
  r.params = std::move(params);
  return r;
}

// The open file a Response asked for, as a body segment; on failure, the
// status to answer instead (404, 403, 500) and why.
struct FileRange {
  std::shared_ptr<const http::OpenFile> file;
  uint64_t offset = 0;
  uint64_t length = 0;
  int status = 0;
  std::string why;
};

FileRange open_file(Response& out) {
  FileRange r;
  int fd = out.take_fd();
  if (fd < 0) {
    fd = ::open(out.file_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      r.status = e == ENOENT || e == ENOTDIR ? 404 : e == EACCES ? 403 : 500;
      r.why = "send_file " + out.file_path() + ": " + std::strerror(e);
      return r;
    }
  }
  r.file = std::make_shared<http::OpenFile>(fd);  // closes it from here on
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    r.status = 500;
    r.why = "send_file: not a regular file: " +
            (out.file_path().empty() ? "fd " + std::to_string(fd) : out.file_path());
    r.file.reset();
    return r;
  }
  uint64_t size = uint64_t(st.st_size);
  r.offset = std::min<uint64_t>(out.file_offset(), size);
  r.length = std::min<uint64_t>(out.file_length(), size - r.offset);
  return r;
}

void log_failure(const Application& app, size_t index, const http::Request& request,
                 std::string_view why) {
  const Registry::Route& route = app.route(index);
  log::emit(log::LogLevel::error, log::ids::kAppHandlerFailed,
            log::cat("application ", app.name(), ": ", request.method_text, " ", request.path,
                     " (route ", route.method, " ", route.pattern, "): ", why, "; answered 500"));
}

// Not Response::clear(): on a pool thread, `deferred` and `head_only` belong
// to the Connection, which reads them on its own thread.
void answer_500(http::Response& response) {
  response.headers.clear();
  response.body.clear();
  http::error_page(response, 500);
}

}  // namespace

namespace {

// Turns the handler's finished Response into the server's: the route's
// failure or a bad field -> 500, an unopenable file -> 404/403/500.
void deliver(const Application& app, size_t index, const http::Request& request, Response& out,
             http::Response& response) noexcept {
  try {
    std::string failure;
    if (out.failed()) failure = "failed: " + out.failure();
    if (const auto& d = out.deferral(); d && d->abandoned) {
      failure = "deferred its response and dropped every Deferred without complete()";
    }
    if (failure.empty() && (out.status < 200 || out.status > 599)) {
      failure = "status " + std::to_string(out.status) + " is not 200..599";
    }
    for (size_t i = 0; failure.empty() && i < out.headers.size(); ++i) {
      failure = check_field(out.headers[i].first, out.headers[i].second);
    }
    if (!failure.empty()) {
      log_failure(app, index, request, failure);
      answer_500(response);
      return;
    }
    FileRange file;
    if (out.has_file()) {
      file = open_file(out);
      if (file.status != 0) {
        log::emit(file.status == 500 ? log::LogLevel::error : log::LogLevel::info,
                  log::ids::kAppHandlerFailed,
                  log::cat("application ", app.name(), ": ", request.method_text, " ", request.path,
                           ": ", file.why));
        http::error_page(response, file.status);
        return;
      }
    }
    response.status = out.status;
    bool has_type = false;
    for (auto& [name, value] : out.headers) {
      has_type |= util::iequals(name, "content-type");
      response.headers.push_back({std::move(name), std::move(value)});
    }
    if (!has_type && !out.body.empty()) {
      response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    } else if (!has_type && file.file) {
      response.headers.push_back({"Content-Type", "application/octet-stream"});
    } else if (!has_type && !out.pieces().empty()) {
      response.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    }
    if (!out.body.empty()) response.body.append(std::move(out.body));
    for (std::string& piece : out.pieces()) response.body.append(std::move(piece));
    if (file.file && file.length > 0) {
      response.body.append_file(std::move(file.file), file.offset, file.length);
    }
  } catch (...) {
    // Only allocation can fail here; the request still gets an answer.
    answer_500(response);
  }
}

}  // namespace

bool run_route(const Application& app, size_t index, const http::Request& request,
               std::string_view route_path, std::vector<Param> params, http::Response& response,
               http::Completion* completion) noexcept {
  try {
    const Registry::Route& route = app.route(index);
    Request in = make_request(request, route_path, std::move(params));
    // Owned by a shared_ptr so that a deferred response outlives this call.
    auto out = std::make_shared<Response>();
    std::string failure;
    try {
      route.handler(in, *out);
    } catch (const std::exception& e) {
      failure = std::string("threw: ") + e.what();
    } catch (...) {
      failure = "threw an exception that is not a std::exception";
    }
    const std::shared_ptr<detail::Deferral> deferral = out->deferral();
    if (!failure.empty()) {
      // Whoever holds a Deferred may still write into `out`: it stays alive
      // (the Deferral keeps it) but is no longer read.
      if (deferral) deferral->attach([] {});
      log_failure(app, index, request, failure);
      answer_500(response);
      return true;
    }
    if (deferral) {
      if (completion) {
        // Answered when the holder of the Deferred completes it; the
        // connection waits without a thread.
        const Application* a = &app;
        bool later = deferral->attach([a, index, &request, &response, completion, out] {
          deliver(*a, index, request, *out, response);
          completion->complete();
        });
        if (later) return false;
      } else {
        // prefork/worker: this thread waits for complete().
        auto done = std::make_shared<std::promise<void>>();
        std::future<void> ready = done->get_future();
        if (deferral->attach([done] { done->set_value(); })) ready.wait();
      }
    }
    deliver(app, index, request, *out, response);
  } catch (...) {
    answer_500(response);
  }
  return true;
}

Dispatcher::Dispatcher(const Application& app, const std::vector<config::Location>& locations,
                       util::Executor* pool)
    : app_(app), locations_(locations), pool_(pool) {}

std::string_view Dispatcher::route_path(std::string_view path) const {
  // The Router chose the last matching <Location> in file order; so do we.
  for (auto it = locations_.rbegin(); it != locations_.rend(); ++it) {
    if (!handlers::location_matches(it->path, path)) continue;
    size_t keep = it->path.size();
    if (keep > 0 && it->path.back() == '/') --keep;  // "/app/" keeps the slash of "/app/x"
    std::string_view rest = path.substr(keep);
    return rest.empty() ? std::string_view("/") : rest;
  }
  return path;
}

void Dispatcher::handle(const http::Request& request, http::Response& response) {
  std::string_view rel = route_path(request.path);
  RouteTable::Match m = app_.routes().match(request.method_text, rel);
  switch (m.result) {
    case RouteTable::Match::Result::not_found:
      http::error_page(response, 404);
      return;
    case RouteTable::Match::Result::method_not_allowed:
      http::error_page(response, 405);
      response.headers.push_back({"Allow", std::move(m.allow)});
      return;
    case RouteTable::Match::Result::options:
      response.status = 204;
      response.headers.push_back({"Allow", std::move(m.allow)});
      return;
    case RouteTable::Match::Result::found:
      break;
  }
  const Registry::Route& route = app_.route(m.index);
  http::Completion* completion = request.completion;
  if (route.mode == Mode::non_blocking || !pool_ || !completion) {
    // Deferred unless run_route answers before it returns (only the handler's
    // own Response::defer() leaves it pending; the flag is set first because
    // the completion may fire on another thread before run_route returns).
    if (completion) response.deferred = true;
    if (run_route(app_, m.index, request, rel, std::move(m.params), response, completion)) {
      response.deferred = false;
    }
    return;
  }
  response.deferred = true;
  const Application* app = &app_;
  size_t index = m.index;
  try {
    pool_->submit(
        [app, index, &request, &response, rel, params = std::move(m.params), completion]() mutable {
          if (run_route(*app, index, request, rel, std::move(params), response, completion)) {
            completion->complete();
          }
        });
  } catch (...) {
    // Could not queue it (no memory): answer here instead of never.
    response.deferred = false;
    answer_500(response);
  }
}

}  // namespace mpmd::app
