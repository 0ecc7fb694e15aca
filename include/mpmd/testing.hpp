// An in-process test client for mpmd applications: call a route with a
// request and get the response, without a server or a socket.
//
//   #include <mpmd/testing.hpp>
//
//   mpmd::testing::Client client({"greeting=hi"});  // this program's MPMD_APPLICATION
//   mpmd::testing::Response r = client.get("/users/7");
//   assert(r.status == 200 && r.body == "hi, user 7\n");
//   r = client.post("/items", R"({"a":1})", {{"Content-Type", "application/json"}});
//
// Build the test with the application's source, like the application itself
// (header-only: nothing to link but libc and libstdc++):
//   g++ -std=c++20 -I mpmd/include hello.cpp hello_test.cpp -o hello_test
// One application per test program (MPMD_APPLICATION defines C symbols); or
// pass any registration function: Client(register_fn, {"KEY=VALUE"}).
//
// What the client does as the server does, with the server's own code
// (<mpmd/app_host.hpp>): the options as LoadApplication KEY=VALUE, the
// registration and its errors, the preload then child_init hooks, route
// matching (parameters, 404, 405 with Allow, OPTIONS 204, GET answering
// HEAD), the query, and what turns a Response into a 500 (a throwing
// handler, Response::fail(), a bad header field or status, a Deferred
// dropped without complete()). The application mounted at "/": the target
// is the path below the <Location> (Request::path == Request::route_path).
//
// What a response holds: the status, the header fields (with the
// Content-Type the server adds by default) and the whole body: `body`, the
// pieces of write() (streamed or not), the file of send_file()/send_fd()
// and everything generate() produces. A deferred response (Response::defer())
// is waited for: request() returns once its Deferred is completed (or
// dropped: 500), by any thread; start() returns at once, for a test that
// completes the Deferred itself. What the server adds on the wire (Date,
// Server, Content-Length, chunking) and its HTML error pages are not here:
// a 404/405/413/500 made by the server has an empty body.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpmd/app.hpp"
#include "mpmd/app_host.hpp"

// The test program's MPMD_APPLICATION (see Client(options)).
extern "C" __attribute__((visibility("default"))) void mpmd_app_register(
    ::mpmd::app::Registry& registry);

namespace mpmd::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What the client got back.
struct Response {
  int status = 0;
  Headers headers;   // as the handler set them, plus the default Content-Type
  std::string body;  // all of it (empty for HEAD, as on the wire)
  // Why the server answered 500 (the reason it logs, MPMD0028), or "".
  std::string failure;
  // The response had started (Response::flush(), or more than kBuffered
  // bytes written): on the wire its head and first bytes were already out.
  bool streamed = false;
  // The server would have cut the connection short: the handler failed after
  // the response started, or generate() threw or overran `max`. `body` is
  // what was sent until then.
  bool truncated = false;

  // The first field named `name` (ASCII case-insensitive); "" if none.
  std::string_view header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (app::ascii_iequals(n, name)) return v;
    }
    return {};
  }
  bool has_header(std::string_view name) const {
    for (const auto& h : headers) {
      if (app::ascii_iequals(h.first, name)) return true;
    }
    return false;
  }
  // Every field named `name`, in order (Set-Cookie).
  std::vector<std::string> headers_named(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [n, v] : headers) {
      if (app::ascii_iequals(n, name)) out.push_back(v);
    }
    return out;
  }
};

// Where and how the application "runs".
struct Settings {
  std::string name = "app";      // LoadApplication NAME (Registry::name())
  std::string engine = "event";  // Environment::engine
  int threads_per_child = 1;     // Environment::threads_per_child
  int child_slot = 0;            // Environment::child_slot of child_init
  std::string client_address = "127.0.0.1";
  uint16_t client_port = 40000;
  size_t generate_window = 16 * 1024;  // the `max` given to a generate() function
};

namespace detail {

// The request body, whole in memory: every read gets data at once.
class StringBody final : public app::BodyReader {
 public:
  explicit StringBody(std::string data) : data_(std::move(data)) {}

  Read read(char* into, size_t size) override {
    if (error_ != 0) return Read{Status::error, 0, error_};
    size_t n = std::min(size, data_.size() - at_);
    if (n == 0) return Read{Status::end, 0, 0};
    data_.copy(into, n, at_);
    at_ += n;
    return Read{Status::data, n, 0};
  }
  Read read_wait(char* into, size_t size) override { return read(into, size); }
  Read read_all(std::string& out, uint64_t limit) override {
    if (error_ != 0) return Read{Status::error, 0, error_};
    if (limit != 0 && data_.size() - at_ > limit) {
      error_ = 413;  // the request is answered 413, as the server does
      return Read{Status::error, 0, error_};
    }
    out.append(data_, at_);
    at_ = data_.size();
    return Read{Status::end, 0, 0};
  }
  // The whole body is here: the callback runs at once, as the server runs
  // it when the body has arrived.
  void on_ready(std::function<void()> callback) override { callback(); }
  std::optional<uint64_t> length() const override { return data_.size(); }

  int error() const { return error_; }

 private:
  std::string data_;
  size_t at_ = 0;
  int error_ = 0;
};

// One request in flight: what the Request's views point into, the Response
// the handler fills, and the result once it is complete.
struct Call {
  std::string method, target, path, query;
  Headers header_storage;
  std::unique_ptr<StringBody> body;
  std::shared_ptr<app::Response> out = std::make_shared<app::Response>();
  std::string route;  // "GET /users/{id}", for failure messages

  std::mutex mutex;
  std::condition_variable changed;
  bool answered = false;  // the handler returned, or its Deferred completed
  bool refused = false;   // the stream could not start: `result` is the 500
  Response result;
};

// How a streamed response (Response::flush()) reaches the test: the head and
// every piece, as they are written. Holds the Call weakly: a Deferred may
// outlive it.
class Sink final : public app::detail::ResponseSink {
 public:
  explicit Sink(std::weak_ptr<Call> call) : call_(std::move(call)) {}

  bool start(app::Response& out) override {
    auto call = call_.lock();
    if (!call) return false;
    std::lock_guard lock(call->mutex);
    Response& r = call->result;
    std::string why = app::response_error(out);
    if (why.empty() && out.has_file()) why = "send_file() together with a streamed body";
    if (!why.empty()) {
      r = Response{500, {}, {}, why, false, false};
      call->refused = true;
      return false;
    }
    r.streamed = true;
    r.status = out.status;
    const char* type = app::default_content_type(out, false);
    r.headers = out.headers;
    if (type) r.headers.emplace_back("Content-Type", type);
    r.body = std::move(out.body);
    out.body.clear();
    for (std::string& piece : out.pieces()) r.body += piece;
    out.pieces().clear();
    return true;
  }
  bool write(std::string piece) override {
    auto call = call_.lock();
    if (!call) return false;
    std::lock_guard lock(call->mutex);
    call->result.body += piece;
    return true;
  }

 private:
  std::weak_ptr<Call> call_;
};

}  // namespace detail

class Client;

// A request started with Client::start(): its response may still be
// deferred. Movable; wait() once.
class Pending {
 public:
  // The handler returned and its Deferred (if any) was completed or dropped.
  bool done() const {
    std::lock_guard lock(call_->mutex);
    return call_->answered;
  }
  // Waits until done() (forever: something must complete the Deferred),
  // then the response.
  Response wait();
  // The same, waiting at most `timeout`; nullopt if not done by then.
  std::optional<Response> wait_for(std::chrono::milliseconds timeout);

 private:
  friend class Client;
  Pending(const Client& client, std::shared_ptr<detail::Call> call, size_t route, bool head)
      : client_(&client), call_(std::move(call)), route_(route), head_(head) {}
  Response finish();
  void generate(app::Response& out, Response& r) const;

  const Client* client_;
  std::shared_ptr<detail::Call> call_;
  size_t route_ = 0;  // the route's index; ~0 when the server answered itself
  bool head_ = false;
};

class Client {
 public:
  using Registration = std::function<void(app::Registry&)>;
  static constexpr size_t kNoRoute = ~size_t(0);

  // The test program's own MPMD_APPLICATION, with LoadApplication's
  // KEY=VALUE `options`. Throws std::runtime_error where the server would
  // refuse the configuration (registration failed, bad route, a throwing
  // preload hook) or stop the child (a throwing child_init hook).
  explicit Client(std::vector<std::string> options = {}, Settings settings = {})
      : Client(&mpmd_app_register, std::move(options), std::move(settings)) {}
  // Any registration function (a test of several applications, or of a
  // registration written for the test).
  Client(Registration registration, std::vector<std::string> options = {}, Settings settings = {})
      : settings_(std::move(settings)),
        registration_(std::move(registration)),
        registry_(settings_.name, app::parse_options(options),
                  app::Logger(&Client::log_sink, this)) {
    if (std::string why = app::register_application(registration_, registry_, routes_);
        !why.empty()) {
      throw std::runtime_error("LoadApplication " + settings_.name + ": " + why);
    }
    app::Environment env{0, settings_.engine, settings_.threads_per_child, -1};
    if (std::string why = app::run_hooks(registry_.preload_hooks(), env); !why.empty()) {
      throw std::runtime_error("LoadApplication " + settings_.name + ": preload failed: " + why);
    }
    env.child_slot = settings_.child_slot;
    if (std::string why = app::run_hooks(registry_.child_init_hooks(), env); !why.empty()) {
      throw std::runtime_error("application " + settings_.name + ": child_init failed: " + why);
    }
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `method` to `target` ("/users/7?full=1", percent-encoded as on the wire)
  // with header fields and, if given, a body (Content-Length is added).
  // Waits for a deferred response.
  Response request(std::string_view method, std::string_view target, Headers headers = {},
                   std::optional<std::string> body = std::nullopt) const {
    return start(method, target, std::move(headers), std::move(body)).wait();
  }
  Response get(std::string_view target, Headers headers = {}) const {
    return request("GET", target, std::move(headers));
  }
  Response head(std::string_view target, Headers headers = {}) const {
    return request("HEAD", target, std::move(headers));
  }
  Response post(std::string_view target, std::string body, Headers headers = {}) const {
    return request("POST", target, std::move(headers), std::move(body));
  }
  Response put(std::string_view target, std::string body, Headers headers = {}) const {
    return request("PUT", target, std::move(headers), std::move(body));
  }
  Response del(std::string_view target, Headers headers = {}) const {
    return request("DELETE", target, std::move(headers));
  }

  // Runs the handler and returns; Pending::wait() gives the response.
  Pending start(std::string_view method, std::string_view target, Headers headers = {},
                std::optional<std::string> body = std::nullopt) const;

  // What the application wrote with its Logger, one "LEVEL: text" line each,
  // and the server's line for each request answered 500 ("error: ...").
  std::vector<std::string> log() const {
    std::lock_guard lock(log_mutex_);
    return log_;
  }
  const app::Registry& registry() const { return registry_; }
  const Settings& settings() const { return settings_; }

 private:
  friend class Pending;

  static void log_sink(const void* context, int level, const char* text, size_t size) {
    static constexpr const char* kNames[] = {"emerg", "alert",  "crit", "error",
                                             "warn",  "notice", "info", "debug"};
    const auto* self = static_cast<const Client*>(context);
    self->write_log(std::string(level >= 0 && level < 8 ? kNames[level] : "info") + ": " +
                    std::string(text, size));
  }
  void write_log(std::string line) const {
    std::lock_guard lock(log_mutex_);
    log_.push_back(std::move(line));
  }
  void log_failure(const detail::Call& call, std::string_view why) const {
    write_log("error: application " + settings_.name + ": " + call.method + " " + call.path +
              " (route " + call.route + "): " + std::string(why) + "; answered 500");
  }

  Settings settings_;
  Registration registration_;
  app::Registry registry_;
  app::RouteTable routes_;
  mutable std::mutex log_mutex_;
  mutable std::vector<std::string> log_;
};

// ---- implementation ----------------------------------------------------------------

inline Pending Client::start(std::string_view method, std::string_view target, Headers headers,
                             std::optional<std::string> body) const {
  if (target.empty() || target.front() != '/') {
    throw std::invalid_argument("a target starts with '/': '" + std::string(target) + "'");
  }
  auto call = std::make_shared<detail::Call>();
  call->method = std::string(method);
  call->target = std::string(target);
  size_t q = target.find('?');
  call->path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) call->query = std::string(target.substr(q + 1));
  call->header_storage = std::move(headers);
  auto has = [&](std::string_view name) {
    for (const auto& h : call->header_storage) {
      if (app::ascii_iequals(h.first, name)) return true;
    }
    return false;
  };
  if (!has("Host"))
    call->header_storage.insert(call->header_storage.begin(), {"Host", "localhost"});
  if (body) {
    if (!has("Content-Length")) {
      call->header_storage.emplace_back("Content-Length", std::to_string(body->size()));
    }
    // As the server: Content-Length 0 is no body (Request::has_body() false).
    if (!body->empty()) call->body = std::make_unique<detail::StringBody>(std::move(*body));
  }
  const bool head = method == "HEAD";

  app::RouteTable::Match m = routes_.match(call->method, call->path);
  if (m.result != app::RouteTable::Match::Result::found) {
    // Answered by the server itself (Dispatcher::handle).
    Response& r = call->result;
    using Result = app::RouteTable::Match::Result;
    r.status = m.result == Result::not_found            ? 404
               : m.result == Result::method_not_allowed ? 405
                                                        : 204;
    if (m.result != Result::not_found) r.headers.emplace_back("Allow", std::move(m.allow));
    call->answered = true;
    return Pending(*this, std::move(call), kNoRoute, head);
  }

  const app::Registry::Route& route = registry_.routes()[m.index];
  call->route = route.method + " " + route.pattern;
  app::Request in;
  in.method = call->method;
  in.target = call->target;
  in.path = call->path;
  in.route_path = call->path;
  in.query = call->query;
  in.version = "HTTP/1.1";
  in.client_address = settings_.client_address;
  in.client_port = settings_.client_port;
  for (const auto& [name, value] : call->header_storage) in.headers.push_back({name, value});
  in.params = std::move(m.params);
  in.reader = call->body.get();

  // As run_route() (src/app/dispatcher.cpp) does.
  call->out->set_sink(std::make_shared<detail::Sink>(call));
  std::string failure;
  try {
    route.handler(in, *call->out);
  } catch (const std::exception& e) {
    failure = std::string("threw: ") + e.what();
  } catch (...) {
    failure = "threw an exception that is not a std::exception";
  }
  const std::shared_ptr<app::detail::Deferral> deferral = call->out->deferral();
  if (!failure.empty()) {
    if (deferral) deferral->attach([] {});
    std::lock_guard lock(call->mutex);
    call->result.failure = std::move(failure);
    call->answered = true;
    return Pending(*this, std::move(call), m.index, head);
  }
  std::weak_ptr<detail::Call> weak = call;
  if (!deferral || !deferral->attach([weak] {
        if (auto c = weak.lock()) {
          std::lock_guard lock(c->mutex);
          c->answered = true;
          c->changed.notify_all();
        }
      })) {
    std::lock_guard lock(call->mutex);
    call->answered = true;
  }
  return Pending(*this, std::move(call), m.index, head);
}

inline Response Pending::wait() {
  {
    std::unique_lock lock(call_->mutex);
    call_->changed.wait(lock, [this] { return call_->answered; });
  }
  return finish();
}

inline std::optional<Response> Pending::wait_for(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(call_->mutex);
    if (!call_->changed.wait_for(lock, timeout, [this] { return call_->answered; })) {
      return std::nullopt;
    }
  }
  return finish();
}

// Everything a generate() function produces, asked for as the server asks.
inline void Pending::generate(app::Response& out, Response& r) const {
  const size_t max = client_->settings_.generate_window;
  try {
    for (bool more = true; more;) {
      std::string chunk;
      more = out.generator()(chunk, max);
      if (chunk.size() > max) {
        r.truncated = true;  // the server ends the connection there
        return;
      }
      r.body += chunk;
    }
  } catch (...) {
    r.truncated = true;
  }
}

// The handler (or its Deferred) is done: the response as the server would
// send it (RouteCall::finish in src/app/route_call.cpp).
inline Response Pending::finish() {
  detail::Call& call = *call_;
  std::unique_lock lock(call.mutex);
  Response r = std::move(call.result);
  call.result = Response{};
  if (route_ == Client::kNoRoute) {
    if (head_) r.body.clear();
    return r;
  }
  app::Response& out = *call.out;
  auto answer_500 = [&](std::string why) {
    client_->log_failure(call, why);
    r = Response{500, {}, {}, std::move(why), false, false};
  };
  if (call.body && call.body->error() != 0) {
    // body() or read_all() went over its limit: the server answers 413
    // whatever the handler set.
    r = Response{call.body->error(), {}, {}, {}, false, false};
  } else if (call.refused) {
    client_->log_failure(call, r.failure);
  } else if (out.started()) {
    std::string why = r.failure;
    if (why.empty() && out.deferral() && out.deferral()->abandoned) {
      why = "deferred its response and dropped every Deferred without complete()";
    }
    if (!why.empty()) {
      client_->log_failure(call, why);  // too late for a 500: the connection closes early
      r.failure = why;
      r.truncated = true;
    }
  } else if (std::string why = r.failure.empty() ? app::response_error(out) : r.failure;
             !why.empty()) {
    answer_500(std::move(why));
  } else {
    std::string file;
    bool has_file = false;
    if (out.has_file()) {
      app::ResponseFile f = app::open_response_file(out);
      if (f.fd < 0) {
        if (f.status == 500) client_->log_failure(call, f.why);
        r = Response{f.status, {}, {}, f.status == 500 ? f.why : "", false, false};
        if (head_) r.body.clear();
        return r;
      }
      has_file = true;
      file.resize(f.length);
      size_t got = 0;
      while (got < f.length) {
        ssize_t n = ::pread(f.fd, file.data() + got, f.length - got, off_t(f.offset + got));
        if (n <= 0) break;
        got += size_t(n);
      }
      ::close(f.fd);
      file.resize(got);
    }
    r.status = out.status;
    const char* type = app::default_content_type(out, has_file);
    r.headers = out.headers;
    if (type) r.headers.emplace_back("Content-Type", type);
    r.body = std::move(out.body);
    for (const std::string& piece : out.pieces()) r.body += piece;
    r.body += file;
    if (out.generator()) generate(out, r);
  }
  if (head_) r.body.clear();
  return r;
}

}  // namespace mpmd::testing
