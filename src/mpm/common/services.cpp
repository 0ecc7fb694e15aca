#include "mpm/common/services.hpp"

#include <unistd.h>

#include "handlers/router.hpp"
#include "handlers/static_files/static_files.hpp"
#include "log/access_log.hpp"
#include "log/error_log.hpp"
#include "util/strings.hpp"
#include "util/version.hpp"

namespace mpmd::mpm {

http::Settings http_settings(const config::Config& config) {
  http::Settings s;
  s.limits.request_line = config.http.limit_request_line;
  s.limits.request_field_size = config.http.limit_request_field_size;
  s.limits.request_fields = config.http.limit_request_fields;
  s.limits.request_body = config.http.limit_request_body;
  s.keep_alive = config.http.keep_alive;
  s.max_keepalive_requests = config.http.max_keepalive_requests;
  const std::string& tokens = config.http.server_tokens;
  if (util::iequals(tokens, "prod") || util::iequals(tokens, "productonly")) {
    s.server_header = std::string(kName);
  } else {
    s.server_header = std::string(kName) + "/" + std::string(kVersion);
  }
  return s;
}

namespace {
std::string server_name(const config::Config& config) {
  if (!config.server_name.empty()) return config.server_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}
}  // namespace

struct Services::Impl {
  Impl(const config::Config& config, const util::Clock& clock)
      : files(config.files, clock), router(config.locations, files) {}

  static_files::StaticFiles files;
  handlers::Router router;
  log::AccessLog access;
};

Services::Services(const config::Config& config)
    : settings_(http_settings(config)), impl_(std::make_unique<Impl>(config, clock_)) {
  if (!impl_->files.ok()) {
    log::emit(config::LogLevel::error, log::ids::kConfigError,
              "static files: " + impl_->files.error() + "; answering 500");
  }
  std::string error = impl_->access.add_all(config.logs);
  if (!error.empty()) log::emit(config::LogLevel::error, log::ids::kFileOpenFailed, error);
  impl_->access.set_server_name(server_name(config));
  for (const auto& name : impl_->router.unknown_handlers()) {
    log::emit(config::LogLevel::warn, log::ids::kConfigWarning,
              "SetHandler " + name + ": no such handler; serving files there");
  }
}

Services::~Services() {
  flush();
}

http::Handler& Services::handler() {
  return impl_->router;
}

http::ExchangeObserver* Services::observer() {
  return impl_->access.sink_count() > 0 ? &impl_->access : nullptr;
}

void Services::tick(util::Usec now) {
  if (now - last_flush_ >= 1'000'000) {
    last_flush_ = now;
    impl_->access.flush();
  }
}

void Services::flush() {
  impl_->access.flush();
}

}  // namespace mpmd::mpm
