#include "app/route_call.hpp"

#include <memory>
#include <string>
#include <utility>

#include "http/error_page.hpp"
#include "http/tls_session.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::app {

namespace {

BodyReader::Read convert(http::RequestBody::Read r) {
  return BodyReader::Read{BodyReader::Status(uint8_t(r.status)), r.size, r.error};
}

static_assert(uint8_t(http::RequestBody::Status::data) == uint8_t(BodyReader::Status::data) &&
              uint8_t(http::RequestBody::Status::again) == uint8_t(BodyReader::Status::again) &&
              uint8_t(http::RequestBody::Status::end) == uint8_t(BodyReader::Status::end) &&
              uint8_t(http::RequestBody::Status::error) == uint8_t(BodyReader::Status::error));

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
  ResponseFile f = open_response_file(out);
  FileRange r{nullptr, f.offset, f.length, f.status, std::move(f.why)};
  if (f.fd >= 0) r.file = std::make_shared<http::OpenFile>(f.fd);  // closes it from here on
  return r;
}

// Response::generate() as a body source the connection pulls from.
class Generator final : public http::BodySource {
 public:
  Generator(std::function<bool(std::string&, size_t)> produce, std::optional<uint64_t> length)
      : produce_(std::move(produce)), length_(length) {}

  Pull pull(std::string& out, size_t max, const std::shared_ptr<http::Waker>&) override {
    try {
      bool more = produce_(out, max);
      if (out.size() > max) return Pull::error;
      return more ? Pull::data : Pull::end;
    } catch (...) {
      return Pull::error;
    }
  }
  std::optional<uint64_t> length() const override { return length_; }

 private:
  std::function<bool(std::string&, size_t)> produce_;
  std::optional<uint64_t> length_;
};

// Status and header fields of `out` into `response` (Content-Type defaulted).
void copy_head(Response& out, http::Response& response, bool file) {
  response.status = out.status;
  const char* type = default_content_type(out, file);
  for (auto& [name, value] : out.headers)
    response.headers.push_back({std::move(name), std::move(value)});
  if (type) response.headers.push_back({"Content-Type", type});
}

// `body`, then the pieces, into the HTTP body.
void copy_body(Response& out, http::Response& response) {
  if (!out.body.empty()) response.body.append(std::move(out.body));
  for (std::string& piece : out.pieces()) response.body.append(std::move(piece));
  out.body.clear();
  out.pieces().clear();
}

}  // namespace

BodyReader::Read BodyAdapter::read(char* into, size_t size) {
  return convert(body_.read({into, size}));
}

BodyReader::Read BodyAdapter::read_wait(char* into, size_t size) {
  return convert(body_.read_wait({into, size}));
}

BodyReader::Read BodyAdapter::read_all(std::string& out, uint64_t limit) {
  return convert(body_.read_all(out, limit));
}

void BodyAdapter::on_ready(std::function<void()> callback) {
  body_.on_ready(std::move(callback));
}

namespace {
// mod_ssl's variables (ssl_hook_Fixup): HTTPS always, the rest with
// SSLOptions +StdEnvVars. The views point into the connection's TlsSession.
void add_tls_variables(const http::TlsSession& tls, std::vector<Header>& env) {
  if (tls.plain_http) return;
  env.push_back({"HTTPS", "on"});
  if (!tls.std_env_vars) return;
  auto add = [&env](std::string_view name, std::string_view value) {
    if (!value.empty()) env.push_back({name, value});
  };
  add("SSL_PROTOCOL", tls.protocol);
  add("SSL_CIPHER", tls.cipher);
  add("SSL_CIPHER_USEKEYSIZE", tls.cipher_bits);
  add("SSL_CIPHER_ALGKEYSIZE", tls.cipher_alg_bits);
  add("SSL_SESSION_ID", tls.session_id);
  add("SSL_SESSION_RESUMED", tls.resumed ? "Resumed" : "Initial");
  add("SSL_TLS_SNI", tls.sni);
  add("SSL_SERVER_S_DN", tls.server_s_dn);
  add("SSL_SERVER_I_DN", tls.server_i_dn);
  add("SSL_CLIENT_VERIFY", tls.client_verify);
  add("SSL_CLIENT_S_DN", tls.client_s_dn);
  add("SSL_CLIENT_I_DN", tls.client_i_dn);
  add("SSL_CLIENT_M_SERIAL", tls.client_serial);
  add("SSL_CLIENT_V_START", tls.client_v_start);
  add("SSL_CLIENT_V_END", tls.client_v_end);
  add("SSL_CLIENT_CERT", tls.client_cert);
}
}  // namespace

Request make_request(const http::Request& in, std::string_view route_path,
                     std::vector<Param> params, BodyReader* reader) {
  Request r;
  r.method = in.method_text;
  r.target = in.target;
  r.path = in.path;
  r.route_path = route_path;
  r.query = in.query;
  r.version = in.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1";
  if (in.peer) {
    r.client_address = in.peer->address;
    r.client_port = in.peer->port;
    if (in.peer->tls) add_tls_variables(*in.peer->tls, r.env);
  }
  r.headers.reserve(in.headers.size());
  for (const http::Header& h : in.headers.fields()) r.headers.push_back({h.name, h.value});
  r.params = std::move(params);
  r.reader = reader;
  return r;
}

void log_failure(const Application& app, size_t index, const http::Request& request,
                 std::string_view why) {
  const Registry::Route& route = app.route(index);
  log::emit(config::LogLevel::error, log::ids::kAppHandlerFailed,
            log::cat("application ", app.name(), ": ", request.method_text, " ", request.path,
                     " (route ", route.method, " ", route.pattern, "): ", why, "; answered 500"));
}

void answer_500(http::Response& response) {
  response.headers.clear();
  response.body.clear();
  http::error_page(response, 500);
}

bool RouteCall::start(Response& out) {
  try {
    std::string failure = response_error(out);
    if (failure.empty() && out.has_file()) failure = "send_file() together with a streamed body";
    if (!failure.empty()) {
      log_failure(app_, index_, request_, failure);
      answer_500(response_);
      refused_ = true;
      completion_->complete();
      return false;
    }
    pipe_ = std::make_shared<http::BodyPipe>(request_.waker);
    copy_head(out, response_, false);
    copy_body(out, response_);
    response_.body.append_stream(pipe_);
  } catch (...) {
    answer_500(response_);
    refused_ = true;
    completion_->complete();
    return false;
  }
  completion_->complete();  // the head goes out; the rest follows from the pipe
  return true;
}

bool RouteCall::write(std::string piece) {
  if (!pipe_) return false;
  return pipe_->write_wait(std::move(piece)) != http::BodyPipe::Write::closed;
}

bool RouteCall::finish(Response& out, const std::string& failure) noexcept {
  if (out.started()) {
    if (refused_) return false;
    const auto& deferral = out.deferral();
    if (failure.empty() && deferral && deferral->abandoned) {
      return finish(out, "deferred its response and dropped every Deferred without complete()");
    }
    if (!failure.empty()) {
      // Too late for a 500: the client sees the connection close early.
      log_failure(app_, index_, request_, failure);
      pipe_->fail();
    } else {
      pipe_->end();
    }
    return false;
  }
  try {
    std::string why = failure.empty() ? response_error(out) : failure;
    if (!why.empty()) {
      log_failure(app_, index_, request_, why);
      answer_500(response_);
      return true;
    }
    FileRange file;
    if (out.has_file()) {
      file = open_file(out);
      if (file.status != 0) {
        log::emit(file.status == 500 ? config::LogLevel::error : config::LogLevel::info,
                  log::ids::kAppHandlerFailed,
                  log::cat("application ", app_.name(), ": ", request_.method_text, " ",
                           request_.path, ": ", file.why));
        http::error_page(response_, file.status);
        return true;
      }
    }
    copy_head(out, response_, bool(file.file));
    copy_body(out, response_);
    if (file.file && file.length > 0) {
      response_.body.append_file(std::move(file.file), file.offset, file.length);
    }
    if (auto& produce = out.generator()) {
      response_.body.append_stream(
          std::make_shared<Generator>(std::move(produce), out.generator_length()));
    }
  } catch (...) {
    // Only allocation can fail here; the request still gets an answer.
    answer_500(response_);
  }
  return true;
}

}  // namespace mpmd::app
